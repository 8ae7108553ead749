"""The tenant context port: scopes, narrowing from child tasks, and the undeclared default."""

from __future__ import annotations

import asyncio
import contextvars

from hypothesis import given
from hypothesis import strategies as st

from agentidp.application.ports import tenant_context
from agentidp.application.ports.tenant_context import ALL_TENANTS


def test_undeclared_outside_any_scope() -> None:
    """A fresh context declares nothing: stores enforcing tenancy then refuse everything."""
    assert contextvars.Context().run(tenant_context.current) is None


@given(st.lists(st.uuids().map(str), min_size=1, max_size=5))
def test_nested_scopes_restore_the_outer_one(organizations: list[str]) -> None:
    """Each scope acts for its organization and gives the outer context back when it ends."""

    def nest(remaining: list[str], outer: str | None) -> None:
        if not remaining:
            return
        with tenant_context.scope(remaining[0]):
            assert tenant_context.current() == remaining[0]
            nest(remaining[1:], remaining[0])
        assert tenant_context.current() == outer

    contextvars.Context().run(nest, organizations, None)


async def test_narrowing_in_a_child_task_reaches_the_scope_owner() -> None:
    """As when a web framework resolves the principal in a child task: act_as there narrows
    the request's scope for the handler that runs afterwards in the parent task."""

    async def resolve_principal() -> None:
        tenant_context.act_as("org-b")

    with tenant_context.scope(ALL_TENANTS):
        await asyncio.gather(resolve_principal(), asyncio.sleep(0))
        assert tenant_context.current() == "org-b"
    assert tenant_context.current() is None


async def test_concurrent_requests_keep_their_own_scope() -> None:
    """Two requests narrowing at the same time never see each other's organization."""
    seen: dict[str, str | None] = {}

    async def request(organization: str) -> None:
        with tenant_context.scope(ALL_TENANTS):
            await asyncio.sleep(0)
            tenant_context.act_as(organization)
            await asyncio.sleep(0)
            seen[organization] = tenant_context.current()

    await asyncio.gather(request("org-a"), request("org-b"))

    assert seen == {"org-a": "org-a", "org-b": "org-b"}


def test_act_as_outside_a_scope_declares_one_for_the_current_context() -> None:
    """The operator path (container start) declares all tenants for its own context only."""

    def operator() -> str | None:
        tenant_context.act_as(ALL_TENANTS)
        return tenant_context.current()

    assert contextvars.Context().run(operator) == ALL_TENANTS
    assert contextvars.Context().run(tenant_context.current) is None
