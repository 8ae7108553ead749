"""The HTTP side of the tenant context: one scope per request, narrowed by the principal."""

from __future__ import annotations

from typing import Any

import pytest

from agentidp.application.ports import tenant_context
from agentidp.application.ports.tenant_context import ALL_TENANTS
from agentidp.application.principal import Principal
from agentidp.domain.ids import AgentId, OrganizationId
from agentidp.domain.scopes import ADMIN_PLATFORM, AGENTS_READ
from agentidp.entrypoints.http import dependencies
from agentidp.entrypoints.http.tenant_scope import tenant_scope_middleware


class _Request:
    """The one thing provide_principal reads from a request."""

    def __init__(self) -> None:
        self.headers = {"authorization": "Bearer token-of-the-test"}


def _authenticating(principal: Principal) -> Any:
    async def authenticate(token: str) -> Principal:
        assert token == "token-of-the-test"
        return principal

    return authenticate


async def test_each_request_starts_acting_for_all_tenants_and_ends_clean() -> None:
    """Before the caller is known the request is the system's; after it, nothing lingers."""
    seen: list[str | None] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(tenant_context.current())

    await tenant_scope_middleware(app)({"type": "http"}, None, None)

    assert seen == [ALL_TENANTS]
    assert tenant_context.current() is None


@pytest.mark.parametrize(
    ("scopes", "expected"),
    [({AGENTS_READ}, "org-b"), ({AGENTS_READ, ADMIN_PLATFORM}, ALL_TENANTS)],
)
async def test_the_principal_narrows_the_request_to_its_organization(
    scopes: set[str], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tenant's token narrows the scope to its organization; a platform administrator's
    keeps every tenant. (The policy decision that follows is not under test here.)"""
    narrowed_before_authorizing: list[str | None] = []

    async def authorize(*_: Any) -> None:
        narrowed_before_authorizing.append(tenant_context.current())

    monkeypatch.setattr(dependencies, "authorize", authorize)
    principal = Principal(AgentId("agent-1"), OrganizationId("org-b"), frozenset(scopes))
    with tenant_context.scope(ALL_TENANTS):
        resolved = await dependencies.provide_principal(
            _Request(),  # type: ignore[arg-type]
            _authenticating(principal),
            None,  # type: ignore[arg-type]
            None,  # type: ignore[arg-type]
        )
        assert tenant_context.current() == expected
    assert narrowed_before_authorizing == [expected]
    assert resolved is principal
