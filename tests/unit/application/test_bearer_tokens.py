"""Using issued tokens: bearer authentication, RFC 7662 introspection, RFC 7009 revocation."""

from __future__ import annotations

import base64
import json

import pytest
from usecase_world import open_world

from agentidp.application.commands import (
    AuthenticateClient,
    ChangeAgentStatus,
    ChangeCredential,
    IntrospectToken,
    RevokeToken,
)
from agentidp.application.errors import (
    AgentNotFound,
    AgentNotPermitted,
    InvalidClient,
    NotResourceOwner,
    TenantMismatch,
    Unauthenticated,
)
from agentidp.application.principal import Principal
from agentidp.domain.audit import AuditAction


def _tamper(token):
    """The same token with one claim changed in the payload (signature left as it was)."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["scope"] = "admin:orgs agents:read agents:write audit:read tokens:read"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


async def _token(world, tenant, scopes=("agents:read", "tokens:read")):
    """A fresh agent of ``tenant`` and one of its access tokens: ``(agent, token)``."""
    agent, secret = await world.client(tenant, scopes=scopes)
    return agent, (await world.issue(agent.id, secret)).access_token


# -- authenticate bearer ------------------------------------------------------------------------


async def test_a_valid_token_becomes_the_callers_principal(world, tenant):
    """Subject, organization, scopes and token id all come from the verified token."""
    agent, token = await _token(world, tenant)

    principal = await world.run.authenticate_bearer(token)

    assert principal == Principal(subject=agent.id, organization_id=tenant.organization_id,
                                  scopes=frozenset({"agents:read", "tokens:read"}),
                                  token_id=world.verify(token)["jti"])


async def test_a_token_is_valid_until_just_before_its_exp(world, tenant):
    """One second before ``exp`` the token works; at ``exp`` it is Unauthenticated."""
    _, token = await _token(world, tenant)
    use_case = world.run.authenticate_bearer
    world.clock.advance(3599)
    await use_case(token)

    world.clock.advance(1)

    with pytest.raises(Unauthenticated):
        await use_case(token)


async def test_a_revoked_token_is_unauthenticated(world, tenant):
    """After its own agent revokes it, the token no longer authenticates."""
    agent, token = await _token(world, tenant)
    await world.run.revoke_token(RevokeToken(world.principal_of(agent), token))

    with pytest.raises(Unauthenticated):
        await world.run.authenticate_bearer(token)


@pytest.mark.parametrize("mangle", [
    _tamper,
    lambda token: token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"),
    lambda token: token.rsplit(".", 1)[0] + ".",
    lambda token: "not.a.token",
    lambda token: "",
    lambda token: token + "." + token,
])
async def test_a_tampered_or_garbage_token_is_unauthenticated(world, tenant, mangle):
    """Changed claims, a broken signature or plain garbage are all Unauthenticated."""
    _, token = await _token(world, tenant)

    with pytest.raises(Unauthenticated):
        await world.run.authenticate_bearer(mangle(token))


async def test_a_token_signed_by_another_deployment_is_unauthenticated(world, tenant):
    """A well-formed token from a different key (another deployment) is not ours."""
    async with open_world() as elsewhere:
        foreign_tenant = await elsewhere.bootstrap()
        foreign = await elsewhere.issue(foreign_tenant.admin.id, foreign_tenant.client_secret)

    with pytest.raises(Unauthenticated):
        await world.run.authenticate_bearer(foreign.access_token)


@pytest.mark.parametrize("status_change", ["suspend_agent", "decommission_agent"])
async def test_a_token_of_an_inactive_agent_is_unauthenticated(world, tenant, status_change):
    """Suspending or decommissioning an agent ends its outstanding tokens at once."""
    agent, token = await _token(world, tenant)
    await getattr(world.run, status_change)(ChangeAgentStatus(tenant.principal, agent.id))

    with pytest.raises(Unauthenticated):
        await world.run.authenticate_bearer(token)


async def test_a_token_works_again_after_its_agent_is_reactivated(world, tenant):
    """Suspension blocks the token; reactivation (before expiry) lets it through again."""
    agent, token = await _token(world, tenant)
    await world.run.suspend_agent(ChangeAgentStatus(tenant.principal, agent.id))
    await world.run.reactivate_agent(ChangeAgentStatus(tenant.principal, agent.id))

    principal = await world.run.authenticate_bearer(token)

    assert principal.subject == agent.id


async def test_revoking_the_credential_does_not_end_tokens_already_issued(world, tenant):
    """Credential revocation stops new grants; tokens already issued live until they expire
    or are revoked themselves (documented behaviour, pinned here)."""
    agent, secret = await world.client(tenant)
    token = (await world.issue(agent.id, secret)).access_token
    [credential] = await world.credentials_of(agent.id)
    await world.run.revoke_credential(
        ChangeCredential(tenant.principal, agent.id, credential.id))

    principal = await world.run.authenticate_bearer(token)

    assert principal.subject == agent.id


async def test_a_token_without_organization_id_is_a_tenant_mismatch(world, tenant):
    """A token we signed but that names no organization is refused with TenantMismatch."""
    _, token = await _token(world, tenant)
    claims = world.verify(token)
    del claims["organization_id"]

    with pytest.raises(TenantMismatch):
        await world.run.authenticate_bearer(world.sign(claims))


@pytest.mark.parametrize(("claim", "value"), [
    ("iss", "https://evil.example"),
    ("aud", "https://other-api.example"),
    ("client_id", "6c1b7a2e-0f3d-4e59-8a7b-1c2d3e4f5a6b"),
    ("scope", "agents:read agents:root"),
    ("jti", "not-a-uuid"),
    ("exp", "tomorrow"),
])
async def test_a_signed_token_with_a_wrong_claim_is_unauthenticated(world, tenant, claim, value):
    """Even with our signature, claims that are not ours or not well-formed are refused."""
    _, token = await _token(world, tenant)
    claims = world.verify(token)
    claims[claim] = value

    with pytest.raises(Unauthenticated):
        await world.run.authenticate_bearer(world.sign(claims))


async def test_a_token_whose_organization_does_not_match_its_agent_is_unauthenticated(
    world, tenant, other_tenant
):
    """A signed token claiming another organization for the agent is refused."""
    _, token = await _token(world, tenant)
    claims = world.verify(token)
    claims["organization_id"] = other_tenant.organization_id

    with pytest.raises(Unauthenticated):
        await world.run.authenticate_bearer(world.sign(claims))


# -- introspect ---------------------------------------------------------------------------------


async def test_introspect_an_active_token_of_the_callers_organization(world, tenant):
    """An active token of the caller's organization is reported with its claims, and one
    ``token.introspected`` event records the jti."""
    _, token = await _token(world, tenant)
    before = await world.chain_length()

    answer = await world.run.introspect_token(IntrospectToken(tenant.principal, token))

    claims = world.verify(token)
    assert answer == {"active": True, "token_type": "Bearer", **claims}
    [event] = await world.events_since(before)
    assert event.event.action is AuditAction.TOKEN_INTROSPECTED
    assert event.event.metadata == {"jti": claims["jti"], "active": True}
    assert event.event.actor_id == tenant.admin.id


async def _inactive_tokens(world, tenant, other_tenant):
    _, expired = await _token(world, tenant)
    world.clock.advance(3600)
    revoked_agent, revoked = await _token(world, tenant)
    await world.run.revoke_token(RevokeToken(world.principal_of(revoked_agent), revoked))
    suspended_agent, suspended = await _token(world, tenant)
    await world.run.suspend_agent(ChangeAgentStatus(tenant.principal, suspended_agent.id))
    _, foreign = await _token(world, other_tenant)
    _, valid = await _token(world, tenant)
    return {
        "expired": expired,
        "revoked": revoked,
        "suspended agent": suspended,
        "foreign organization": foreign,
        "tampered": _tamper(valid),
        "garbage": "garbage",
        "no organization": world.sign({k: v for k, v in world.verify(valid).items()
                                       if k != "organization_id"}),
    }


async def test_introspect_answers_only_active_false_for_anything_else(world, tenant, other_tenant):
    """Expired, revoked, suspended-agent, foreign-organization, tampered, garbage and
    organization-less tokens all get exactly ``{"active": False}``, each audited with no jti."""
    tokens = await _inactive_tokens(world, tenant, other_tenant)
    use_case = world.run.introspect_token
    before = await world.chain_length()

    answers = {name: await use_case(IntrospectToken(tenant.principal, token))
               for name, token in tokens.items()}

    assert answers == {name: {"active": False} for name in tokens}
    events = await world.events_since(before)
    assert [e.event.metadata for e in events] == [{"jti": None, "active": False}] * len(tokens)


async def test_introspect_a_token_after_it_expires_is_inactive(world, tenant):
    """The same token is active before its expiry and inactive from ``exp`` on."""
    _, token = await _token(world, tenant)
    use_case = world.run.introspect_token
    assert (await use_case(IntrospectToken(tenant.principal, token)))["active"] is True

    world.clock.advance(3600)

    assert await use_case(IntrospectToken(tenant.principal, token)) == {"active": False}


async def test_introspect_a_foreign_token_is_inactive_even_for_an_administrator(
    world, tenant, other_tenant
):
    """Another organization's perfectly valid token is invisible: ``{"active": False}``."""
    _, foreign = await _token(world, other_tenant)

    answer = await world.run.introspect_token(IntrospectToken(tenant.principal, foreign))

    assert answer == {"active": False}
    assert (await world.run.introspect_token(
        IntrospectToken(other_tenant.principal, foreign)))["active"] is True


# -- revoke -------------------------------------------------------------------------------------


async def test_an_agent_revokes_its_own_token(world, tenant):
    """The token's jti lands on the revocation list and one ``token.revoked`` event records it."""
    agent, token = await _token(world, tenant)
    claims = world.verify(token)
    before = await world.chain_length()

    await world.run.revoke_token(RevokeToken(world.principal_of(agent), token))

    assert await world.container.revocations().is_revoked(claims["jti"])
    [event] = await world.events_since(before)
    assert event.event.action is AuditAction.TOKEN_REVOKED
    assert event.event.metadata == {"jti": claims["jti"], "sub": agent.id}
    assert event.event.actor_id == agent.id


async def test_an_administrator_revokes_another_agents_token(world, tenant):
    """With ``admin:orgs`` a caller may revoke any token of its organization."""
    _, token = await _token(world, tenant)

    await world.run.revoke_token(RevokeToken(tenant.principal, token))

    assert await world.container.revocations().is_revoked(world.verify(token)["jti"])
    with pytest.raises(Unauthenticated):
        await world.run.authenticate_bearer(token)


async def test_a_non_administrator_cannot_revoke_another_agents_token(world, tenant):
    """Another agent's token without ``admin:orgs`` is NotResourceOwner; nothing changes."""
    caller = await world.register(tenant.principal, scopes=["agents:read", "tokens:read"])
    _, token = await _token(world, tenant)
    before = await world.chain_length()

    with pytest.raises(NotResourceOwner):
        await world.run.revoke_token(RevokeToken(world.principal_of(caller), token))

    assert not await world.container.revocations().is_revoked(world.verify(token)["jti"])
    assert await world.chain_length() == before


async def test_revoking_a_foreign_token_is_a_silent_no_op(world, tenant, other_tenant):
    """Another organization's token is not revoked and no event is written, without error."""
    _, foreign = await _token(world, other_tenant)
    before = await world.chain_length()

    await world.run.revoke_token(RevokeToken(tenant.principal, foreign))

    assert not await world.container.revocations().is_revoked(world.verify(foreign)["jti"])
    assert await world.chain_length() == before
    assert (await world.run.authenticate_bearer(foreign)).organization_id == (
        other_tenant.organization_id)


@pytest.mark.parametrize("token", ["garbage", "", "a.b.c"])
async def test_revoking_an_invalid_token_is_a_silent_no_op(world, tenant, token):
    """RFC 7009 §2.2: an invalid token is not an error; nothing is recorded."""
    before = await world.chain_length()

    await world.run.revoke_token(RevokeToken(tenant.principal, token))

    assert await world.chain_length() == before


async def test_revoking_an_expired_token_is_a_silent_no_op(world, tenant):
    """An expired token needs no revocation: no list entry, no event."""
    agent, token = await _token(world, tenant)
    world.clock.advance(3600)
    before = await world.chain_length()

    await world.run.revoke_token(RevokeToken(world.principal_of(agent), token))

    assert not await world.container.revocations().is_revoked(world.verify(token)["jti"])
    assert await world.chain_length() == before


# -- client authentication for introspection and revocation ------------------------------------


async def test_client_credentials_make_the_agent_the_principal(world, tenant):
    """A client that proves its secret acts as its agent, with the agent's granted scopes."""
    agent, secret = await world.client(tenant, scopes=("agents:read", "tokens:read"))

    principal = await world.run.authenticate_client(AuthenticateClient(agent.id, secret))

    assert principal == Principal(
        subject=agent.id,
        organization_id=tenant.organization_id,
        scopes=frozenset({"agents:read", "tokens:read"}),
    )


async def test_a_failed_client_authentication_is_audited_with_its_purpose(world, tenant):
    """A wrong secret at the revocation endpoint is InvalidClient and leaves one auth.failed
    event naming the purpose, like a refused token request."""
    agent, _ = await world.client(tenant)
    before = await world.chain_length()
    wrong = "sk_live_" + "0" * 64

    with pytest.raises(InvalidClient):
        await world.run.authenticate_client(AuthenticateClient(agent.id, wrong, "revocation"))

    [event] = await world.events_since(before)
    assert event.event.action is AuditAction.AUTH_FAILED
    assert event.event.metadata == {"reason": "bad_secret", "purpose": "revocation"}


async def test_a_suspended_agent_cannot_authenticate_as_a_client(world, tenant):
    """Proving the secret of a suspended agent is AgentNotPermitted."""
    agent, secret = await world.client(tenant)
    await world.run.suspend_agent(ChangeAgentStatus(tenant.principal, agent.id))

    with pytest.raises(AgentNotPermitted):
        await world.run.authenticate_client(AuthenticateClient(agent.id, secret))


# -- describe caller (/agent-info) --------------------------------------------------------------


async def test_describe_caller_returns_the_calling_agent_without_any_scope(world, tenant):
    """Any authenticated agent may read its own record, even with no scope at all."""
    agent, _ = await world.client(tenant)

    described = await world.run.describe_caller(world.principal_of(agent, scopes=frozenset()))

    assert described.id == agent.id


async def test_describe_caller_has_nothing_for_the_operator(world, tenant):
    """The operator is not an agent: AgentNotFound."""
    with pytest.raises(AgentNotFound):
        await world.run.describe_caller(Principal.operator(tenant.organization_id))
