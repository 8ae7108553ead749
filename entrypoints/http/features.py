"""Feature flags on the wire: a route of a disabled feature answers 404 ``NOT_FOUND`` with
the feature's documented message, as if it did not exist.

A controller or handler opts in with ``opt={"feature": "analytics"}`` (a field name of
:class:`~agentidp.entrypoints.settings.Features`); the app installs :func:`feature_guard`
once for every route, so no handler checks a flag itself::

    @get("/api/v1/analytics/tokens", opt={FEATURE: "analytics"})
    async def token_analytics(...) -> ...: ...

Guards run before dependencies are resolved, so a disabled feature is 404 for every caller,
authenticated or not, and nothing behind it (authentication, the store) is touched.
"""

from __future__ import annotations

from typing import Any, Final

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.types import Guard

from agentidp.application.errors import NotFound

from ..settings import Features

#: The ``opt`` key naming the feature a route belongs to.
FEATURE: Final = "feature"

#: The 404 message of each feature (the spec's wording where it has one).
MESSAGES: Final[dict[str, str]] = {
    "analytics": "Analytics is not enabled on this instance.",
    "marketplace": "The Agent Marketplace is not enabled on this instance.",
    "a2a": "A2A delegation is not enabled on this instance.",
    "compliance": "Compliance is not enabled on this instance.",
    "tier_enforcement": "Tier enforcement is not enabled on this instance.",
    "billing": "Billing is not enabled on this instance.",
}


class FeatureDisabled(NotFound):
    """The route belongs to a feature this instance has switched off (404 ``NOT_FOUND``)."""

    code = "NOT_FOUND"

    def __init__(self, feature: str) -> None:
        super().__init__(MESSAGES[feature])


def feature_guard(features: Features) -> Guard:
    """The app-wide guard refusing routes of disabled features.

    Raises:
        FeatureDisabled: the route's feature is off.
        ValueError: the route names an unknown feature (a bug: answered 500, so a typo
            fails loudly rather than leaving the route ungated).
    """

    # NOTE: a coroutine on purpose: Litestar runs a plain-function guard in a worker thread,
    # which cost ~10 % of a token request's CPU (docs/benchmarks.md).
    async def guard(
        connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
    ) -> None:
        feature = handler.opt.get(FEATURE)
        if feature is None:
            return
        if feature not in MESSAGES:
            raise ValueError(f"Unknown feature {feature!r} on {handler}.")
        if not features.enabled(feature):
            raise FeatureDisabled(feature)

    return guard
