"""Tenant isolation holds through ``as_agent``: one organization never reaches another's data."""

from __future__ import annotations

import pytest

from agentidp import AgentIdP, Tenant
from agentidp.application.errors import AgentNotFound, TenantMismatch


async def _admin(idp: AgentIdP, slug: str) -> tuple[Tenant, str]:
    boot = await idp.bootstrap(slug, None, f"admin@{slug}.example")
    token = (await idp.issue_token(boot.admin.id, boot.client_secret)).access_token
    return await idp.as_agent(token), token


async def test_foreign_agents_are_forbidden_unknown_ones_not_found(idp: AgentIdP) -> None:
    """Another organization's agent is 403-style ``TenantMismatch``; an unknown id is
    ``AgentNotFound`` (ADR 0005)."""
    acme, _ = await _admin(idp, "acme")
    globex, _ = await _admin(idp, "globex")
    theirs = await globex.register_agent(email="bot@globex.example", owner="team-g")

    with pytest.raises(TenantMismatch):
        await acme.get_agent(theirs.id)
    with pytest.raises(TenantMismatch):
        await acme.suspend_agent(theirs.id)
    with pytest.raises(TenantMismatch):
        await acme.generate_credential(theirs.id)
    with pytest.raises(AgentNotFound):
        await acme.get_agent("00000000-0000-4000-8000-000000000000")


async def test_listings_and_audit_are_scoped_to_the_caller(idp: AgentIdP) -> None:
    """Lists and audit queries only ever show the caller's organization."""
    acme, _ = await _admin(idp, "acme")
    globex, _ = await _admin(idp, "globex")
    await globex.register_agent(email="bot@globex.example", owner="team-g")

    agents = await acme.list_agents()
    events = await acme.query_audit(limit=100)
    acme_org = (await acme.principal()).organization_id

    assert {a.organization_id for a in agents.items} == {acme_org}
    assert {e.event.organization_id for e in events.items} == {acme_org}


async def test_foreign_tokens_are_inactive_and_cannot_be_revoked(idp: AgentIdP) -> None:
    """Introspecting another organization's token says inactive; revoking it is a no-op."""
    acme, _ = await _admin(idp, "acme")
    globex, globex_token = await _admin(idp, "globex")

    seen = await acme.introspect(globex_token)
    await acme.revoke_token(globex_token)

    assert seen == {"active": False}
    assert (await globex.introspect(globex_token))["active"] is True
