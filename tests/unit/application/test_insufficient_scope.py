"""Scope checks: every use case taking a principal refuses a caller without its scope."""

from __future__ import annotations

import pytest
from usecase_world import ALL_SCOPES

from agentidp.application.commands import (
    ChangeAgentStatus,
    ChangeCredential,
    GenerateCredential,
    GetAgent,
    GetAuditEvent,
    IntrospectToken,
    ListAgents,
    ListCredentials,
    QueryAudit,
    RegisterAgent,
    RevokeToken,
    UpdateAgent,
    VerifyAuditChain,
)
from agentidp.application.errors import InsufficientScope
from agentidp.application.principal import Principal

#: use case → (required scope, command for (principal, agent, credential id, event id, token)).
SCOPED = {
    "register_agent": ("agents:write", lambda p, a, c, e, t: RegisterAgent(
        p, "new@agents.example", "custom", "1.0.0", [], "ops", "staging")),
    "get_agent": ("agents:read", lambda p, a, c, e, t: GetAgent(p, a)),
    "list_agents": ("agents:read", lambda p, a, c, e, t: ListAgents(p)),
    "update_agent": ("agents:write", lambda p, a, c, e, t: UpdateAgent(p, a, {"owner": "x"})),
    "suspend_agent": ("agents:write", lambda p, a, c, e, t: ChangeAgentStatus(p, a)),
    "reactivate_agent": ("agents:write", lambda p, a, c, e, t: ChangeAgentStatus(p, a)),
    "decommission_agent": ("agents:write", lambda p, a, c, e, t: ChangeAgentStatus(p, a)),
    "generate_credential": ("agents:write", lambda p, a, c, e, t: GenerateCredential(p, a)),
    "list_credentials": ("agents:read", lambda p, a, c, e, t: ListCredentials(p, a)),
    "rotate_credential": ("agents:write", lambda p, a, c, e, t: ChangeCredential(p, a, c)),
    "revoke_credential": ("agents:write", lambda p, a, c, e, t: ChangeCredential(p, a, c)),
    "introspect_token": ("tokens:read", lambda p, a, c, e, t: IntrospectToken(p, t)),
    "query_audit": ("audit:read", lambda p, a, c, e, t: QueryAudit(p)),
    "get_audit_event": ("audit:read", lambda p, a, c, e, t: GetAuditEvent(p, e)),
    "verify_audit_chain": ("audit:read", lambda p, a, c, e, t: VerifyAuditChain(p)),
}


@pytest.mark.parametrize("name", list(SCOPED))
async def test_a_caller_without_the_required_scope_is_refused(world, tenant, name):
    """An administrator holding every scope but the one a use case needs gets
    InsufficientScope naming that scope, and nothing is written."""
    required, command = SCOPED[name]
    agent, secret = await world.client(tenant)
    [credential] = await world.credentials_of(agent.id)
    token = (await world.issue(agent.id, secret)).access_token
    event_id = (await world.chain())[0].event.id
    caller = Principal(subject=tenant.admin.id, organization_id=tenant.organization_id,
                       scopes=ALL_SCOPES - {required})
    state, before = world.state(), await world.chain_length()

    with pytest.raises(InsufficientScope) as refused:
        await getattr(world.run, name)(command(caller, agent.id, credential.id,
                                                       event_id, token))

    assert refused.value.details == {"required": required}
    assert world.state() == state
    assert await world.chain_length() == before


async def test_a_caller_without_any_scope_is_refused_everywhere(world, tenant):
    """A principal with no scopes at all can run none of the scoped use cases."""
    agent, secret = await world.client(tenant)
    [credential] = await world.credentials_of(agent.id)
    token = (await world.issue(agent.id, secret)).access_token
    caller = Principal(subject=agent.id, organization_id=tenant.organization_id,
                       scopes=frozenset())
    refused = []

    for name, (_, command) in SCOPED.items():
        try:
            await getattr(world.run, name)(
                command(caller, agent.id, credential.id, "e", token))
        except InsufficientScope:
            refused.append(name)

    assert refused == list(SCOPED)


async def test_revoking_ones_own_token_needs_no_scope(world, tenant):
    """RFC 7009: a client may revoke its own token whatever scopes it holds (pinned: revoke is
    the one principal-taking use case without a scope requirement)."""
    agent, secret = await world.client(tenant)
    token = (await world.issue(agent.id, secret)).access_token
    caller = Principal(subject=agent.id, organization_id=tenant.organization_id,
                       scopes=frozenset())

    await world.run.revoke_token(RevokeToken(caller, token))

    assert await world.container.revocations().is_revoked(world.verify(token)["jti"])
