"""Tenant isolation at the use-case level (field trial Test C.7): another organization's agent
is refused with TenantMismatch before any other check, and listings see one organization."""

from __future__ import annotations

import pytest

from agentidp.application.commands import (
    ChangeAgentStatus,
    ChangeCredential,
    GenerateCredential,
    GetAgent,
    ListAgents,
    ListCredentials,
    QueryAudit,
    UpdateAgent,
)
from agentidp.application.errors import TenantMismatch

#: use case → command for (principal, agent id, credential id of that agent).
AGENT_COMMANDS = {
    "get_agent": lambda p, a, c: GetAgent(p, a),
    "update_agent (fields)": lambda p, a, c: UpdateAgent(p, a, {"owner": "intruder"}),
    "update_agent (status)": lambda p, a, c: UpdateAgent(p, a, {"status": "active"}),
    "update_agent (immutable)": lambda p, a, c: UpdateAgent(p, a, {"email": "x@y.example"}),
    "suspend_agent": lambda p, a, c: ChangeAgentStatus(p, a),
    "reactivate_agent": lambda p, a, c: ChangeAgentStatus(p, a),
    "decommission_agent": lambda p, a, c: ChangeAgentStatus(p, a),
    "generate_credential": lambda p, a, c: GenerateCredential(p, a),
    "list_credentials": lambda p, a, c: ListCredentials(p, a),
    "rotate_credential": lambda p, a, c: ChangeCredential(p, a, c),
    "revoke_credential": lambda p, a, c: ChangeCredential(p, a, c),
}


async def _foreign_agent(world, other_tenant, status):
    """An agent of ``other_tenant`` in ``status``, with one credential: ``(agent, credential)``."""
    agent, _ = await world.client(other_tenant)
    if status == "suspended":
        await world.run.suspend_agent(ChangeAgentStatus(other_tenant.principal, agent.id))
    if status == "decommissioned":
        await world.run.decommission_agent(
            ChangeAgentStatus(other_tenant.principal, agent.id))
    [credential] = await world.credentials_of(agent.id)
    return agent, credential


@pytest.mark.parametrize("status", ["active", "suspended", "decommissioned"])
@pytest.mark.parametrize("name", list(AGENT_COMMANDS))
async def test_another_organizations_agent_is_a_tenant_mismatch(
    world, tenant, other_tenant, name, status
):
    """Whatever the foreign agent's status (a decommissioned one included), every use case
    answers TenantMismatch, never a status error, and writes nothing."""
    agent, credential = await _foreign_agent(world, other_tenant, status)
    command = AGENT_COMMANDS[name](tenant.principal, agent.id, credential.id)
    use_case = getattr(world.run, name.split(" ")[0])
    state, before = world.state(), await world.chain_length()

    with pytest.raises(TenantMismatch):
        await use_case(command)

    assert world.state() == state
    assert await world.chain_length() == before


@pytest.mark.parametrize("name", list(AGENT_COMMANDS))
async def test_tenant_mismatch_comes_before_the_ownership_check(
    world, tenant, other_tenant, name
):
    """A non-administrator of another organization also gets TenantMismatch, not
    NotResourceOwner, for a decommissioned foreign agent."""
    caller = await world.register(tenant.principal, scopes=["agents:read", "agents:write"])
    agent, credential = await _foreign_agent(world, other_tenant, "decommissioned")
    command = AGENT_COMMANDS[name](world.principal_of(caller), agent.id, credential.id)
    state = world.state()

    with pytest.raises(TenantMismatch):
        await getattr(world.run, name.split(" ")[0])(command)

    assert world.state() == state


async def test_a_principal_from_a_real_token_cannot_reach_another_organization(
    world, tenant, other_tenant
):
    """End to end: a bearer token of one organization is refused on another's agent."""
    token = (await world.issue(tenant.admin.id, tenant.client_secret)).access_token
    principal = await world.run.authenticate_bearer(token)
    foreign, _ = await _foreign_agent(world, other_tenant, "decommissioned")

    with pytest.raises(TenantMismatch):
        await world.run.get_agent(GetAgent(principal, foreign.id))


async def test_listing_ignores_every_other_organization(world, tenant, other_tenant):
    """Filters that match agents in several organizations still return only the caller's."""
    own = [await world.register(tenant.principal, owner="shared", agent_type="router")
           for _ in range(2)]
    for _ in range(3):
        await world.register(other_tenant.principal, owner="shared", agent_type="router")
    use_case = world.run.list_agents

    everything = await use_case(ListAgents(tenant.principal, limit=100))
    shared = await use_case(ListAgents(tenant.principal, owner="shared", agent_type="router",
                                       status="active"))

    assert {a.organization_id for a in everything.items} == {tenant.organization_id}
    assert everything.total == 3  # the administrator and the two agents
    assert {a.id for a in shared.items} == {a.id for a in own}
    assert shared.total == 2


async def test_audit_query_for_a_foreign_agent_finds_nothing(world, tenant, other_tenant):
    """Naming another organization's agent in an audit query reveals none of its events."""
    foreign, _ = await _foreign_agent(world, other_tenant, "active")

    page = await world.run.query_audit(QueryAudit(tenant.principal, agent_id=foreign.id))

    assert (page.items, page.total) == ([], 0)
