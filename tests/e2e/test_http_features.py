"""The feature-flag mechanism (``http/features.py``) on a small app built here: routes that
opt into a feature answer 404 ``NOT_FOUND`` with the feature's message while it is off, and
nothing else changes."""

from __future__ import annotations

import pytest
from litestar import Controller, Litestar, get
from litestar.testing import AsyncTestClient

from agentidp.application.errors import ApplicationError
from agentidp.entrypoints.http.features import FEATURE, MESSAGES, feature_guard
from agentidp.entrypoints.http.problems import handle_refusal, handle_unexpected
from agentidp.entrypoints.settings import Features

from .support import assert_error


@get("/analytics/tokens", opt={FEATURE: "analytics"})
async def analytics() -> dict[str, str]:
    return {"feature": "analytics"}


@get("/plain")
async def plain() -> dict[str, str]:
    return {"feature": "none"}


@get("/typo", opt={FEATURE: "analytcs"})
async def typo() -> dict[str, str]:
    return {"feature": "typo"}


class MarketplaceController(Controller):
    """A whole controller opts in at once."""

    path = "/marketplace"
    opt = {FEATURE: "marketplace"}

    @get("/agents")
    async def listing(self) -> dict[str, str]:
        return {"feature": "marketplace"}


def _app(features: Features) -> Litestar:
    return Litestar(
        route_handlers=[analytics, plain, typo, MarketplaceController],
        guards=[feature_guard(features)],
        exception_handlers={ApplicationError: handle_refusal, Exception: handle_unexpected},
    )


@pytest.mark.parametrize("feature", ["analytics", "marketplace"])
async def test_a_disabled_feature_is_404_with_its_message(feature: str) -> None:
    """Off: its routes are 404 NOT_FOUND with the documented message; the other feature's
    routes and routes without a feature still answer."""
    path = {"analytics": "/analytics/tokens", "marketplace": "/marketplace/agents"}
    other = "marketplace" if feature == "analytics" else "analytics"
    app = _app(Features(**{feature: False}))

    async with AsyncTestClient(app=app) as client:
        disabled = await client.get(path[feature])
        still_there = await client.get(path[other])
        unrelated = await client.get("/plain")

    assert_error(disabled, 404, "NOT_FOUND")
    assert disabled.json()["message"] == MESSAGES[feature]
    assert still_there.json() == {"feature": other}
    assert unrelated.status_code == 200


async def test_enabled_features_answer_normally() -> None:
    """The defaults enable analytics and the marketplace."""
    async with AsyncTestClient(app=_app(Features())) as client:
        assert (await client.get("/analytics/tokens")).json() == {"feature": "analytics"}
        assert (await client.get("/marketplace/agents")).json() == {"feature": "marketplace"}


async def test_an_unknown_feature_name_fails_loudly() -> None:
    """A typo in a route's feature is a server error, never an ungated route."""
    async with AsyncTestClient(app=_app(Features())) as client:
        response = await client.get("/typo")

    assert_error(response, 500, "INTERNAL_SERVER_ERROR")


def test_the_documented_messages() -> None:
    """The spec's wording for analytics and the marketplace; every flag has a message."""
    assert MESSAGES["analytics"] == "Analytics is not enabled on this instance."
    assert MESSAGES["marketplace"] == "The Agent Marketplace is not enabled on this instance."
    assert set(MESSAGES) == set(Features.__dataclass_fields__)
