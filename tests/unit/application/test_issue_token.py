"""The client credentials grant (IssueTokenUseCase): tokens, scopes, refusals and their audit."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
from usecase_world import ALL_SCOPES, START, random_email

from agentidp.application.commands import ChangeAgentStatus, ChangeCredential, IssueToken, Origin
from agentidp.application.errors import AgentNotPermitted, InvalidClient
from agentidp.domain.agent import Agent
from agentidp.domain.audit import AuditAction, Outcome
from agentidp.domain.errors import InvalidScope, ScopeNotGranted
from agentidp.domain.ids import AgentId, OrganizationId, is_uuid
from agentidp.domain.organization import Organization, OrganizationStatus

UNKNOWN_CLIENT = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"


def _header(token):
    segment = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


async def test_issue_returns_a_signed_token_with_the_rfc_9068_claims(world, tenant):
    """The token verifies with the deployment's signer and carries iss, sub, aud, client_id,
    scope, organization_id, jti, iat and exp for the authenticated agent."""
    agent, secret = await world.client(tenant, scopes=["agents:read", "tokens:read"])
    settings = world.container.settings()

    issued = await world.issue(agent.id, secret)

    claims = world.verify(issued.access_token)
    iat = int(START.timestamp())
    assert claims == {
        "iss": settings.issuer,
        "sub": agent.id,
        "aud": settings.token_audience,
        "client_id": agent.id,
        "scope": "agents:read tokens:read",
        "organization_id": tenant.organization_id,
        "jti": claims["jti"],
        "iat": iat,
        "exp": iat + 3600,
    }
    assert is_uuid(claims["jti"])
    assert _header(issued.access_token)["typ"] == "at+jwt"
    assert _header(issued.access_token)["alg"] == "RS256"
    assert (issued.token_type, issued.expires_in, issued.scope) == (
        "Bearer", 3600, "agents:read tokens:read")


async def test_issue_records_exactly_one_token_issued_event_with_the_jti(world, tenant):
    """Each issuance commits one ``token.issued`` event naming the token's jti, scope and exp."""
    agent, secret = await world.client(tenant)
    before = await world.chain_length()

    issued = await world.run.issue_token(IssueToken(
        agent.id, secret, origin=Origin(ip_address="198.51.100.7", user_agent="sdk/1.0")))

    claims = world.verify(issued.access_token)
    [event] = await world.events_since(before)
    assert event.event.action is AuditAction.TOKEN_ISSUED
    assert event.event.outcome is Outcome.SUCCESS
    assert event.event.organization_id == tenant.organization_id
    assert event.event.agent_id == event.event.actor_id == agent.id
    assert event.event.metadata == {"jti": claims["jti"], "scope": "agents:read",
                                    "exp": claims["exp"]}
    assert (event.event.ip_address, event.event.user_agent) == ("198.51.100.7", "sdk/1.0")


async def test_each_issuance_gets_a_fresh_jti(world, tenant):
    """Two tokens for the same client never share a jti."""
    agent, secret = await world.client(tenant)

    first = await world.issue(agent.id, secret)
    second = await world.issue(agent.id, secret)

    assert world.verify(first.access_token)["jti"] != world.verify(second.access_token)["jti"]


async def test_issue_narrows_to_the_requested_scope(world, tenant):
    """A requested subset of the agent's scopes is exactly what the token carries."""
    agent, secret = await world.client(tenant, scopes=["agents:read", "tokens:read", "audit:read"])

    issued = await world.issue(agent.id, secret, scope="tokens:read audit:read")

    assert issued.scope == "audit:read tokens:read"
    assert world.verify(issued.access_token)["scope"] == "audit:read tokens:read"


@pytest.mark.parametrize("scope", [None, ""])
async def test_issue_without_a_scope_grants_all_of_the_agents_scopes(world, tenant, scope):
    """No scope parameter (or an empty one) yields every scope the agent holds."""

    issued = await world.issue(tenant.admin.id, tenant.client_secret, scope=scope)

    assert set(issued.scope.split(" ")) == ALL_SCOPES


async def test_issue_for_an_agent_without_scopes_grants_an_empty_scope(world, tenant):
    """An agent holding no scopes (stored directly: no use case creates one) still gets a
    token, with an empty scope that verifies."""
    agent = Agent.register(id=AgentId(str(uuid.uuid4())), organization_id=tenant.organization_id,
                           email=random_email(), agent_type="monitor", version="1.0.0",
                           capabilities=[], owner="ops", deployment_env="staging",
                           scopes=frozenset(), now=START)
    async with world.uow() as uow:
        await uow.agents.add(agent)
        await uow.commit()
    secret = (await world.generate(tenant.principal, agent.id)).client_secret

    issued = await world.issue(agent.id, secret)

    assert issued.scope == ""
    principal = await world.run.authenticate_bearer(issued.access_token)
    assert principal.scopes == frozenset()


async def test_two_active_credentials_both_work_during_a_rotation_overlap(world, tenant):
    """An agent with two active credentials can authenticate with either secret."""
    agent, first_secret = await world.client(tenant)
    second_secret = (await world.generate(tenant.principal, agent.id)).client_secret

    first = await world.issue(agent.id, first_secret)
    second = await world.issue(agent.id, second_secret)

    assert world.verify(first.access_token)["sub"] == agent.id
    assert world.verify(second.access_token)["sub"] == agent.id


async def test_the_token_lifetime_follows_the_settings(world, tenant):
    """``exp - iat`` is the configured TTL (default one hour)."""

    issued = await world.issue(tenant.admin.id, tenant.client_secret)

    claims = world.verify(issued.access_token)
    assert claims["exp"] - claims["iat"] == world.container.settings().token_ttl_seconds


# -- refusals -----------------------------------------------------------------------------------


async def _refusal(world, command, error):
    """Run a refused issuance; return the events it left and the exception."""
    before = await world.chain_length()
    with pytest.raises(error) as refused:
        await world.run.issue_token(command)
    return await world.events_since(before), refused.value


async def test_unknown_client_and_wrong_secret_are_the_same_invalid_client(world, tenant):
    """An unknown client id and a wrong secret raise the same InvalidClient (code and message),
    each audited with its own reason."""
    agent, secret = await world.client(tenant)
    wrong = "sk_live_" + "0" * 64

    unknown_events, unknown = await _refusal(world, IssueToken(UNKNOWN_CLIENT, secret),
                                             InvalidClient)
    wrong_events, bad = await _refusal(world, IssueToken(agent.id, wrong), InvalidClient)

    assert (unknown.code, unknown.message) == (bad.code, bad.message)
    assert [e.event.metadata["reason"] for e in unknown_events] == ["unknown_client"]
    assert [e.event.metadata["reason"] for e in wrong_events] == ["bad_secret"]
    assert unknown_events[0].event.organization_id is None
    assert unknown_events[0].event.agent_id is None
    assert wrong_events[0].event.organization_id == tenant.organization_id
    assert wrong_events[0].event.agent_id == agent.id


@pytest.mark.parametrize(("client_id", "secret"), [
    ("not-a-uuid", "sk_live_" + "a" * 64),
    (UNKNOWN_CLIENT, "secret"),
    (UNKNOWN_CLIENT, "sk_live_" + "A" * 64),
    ("", ""),
])
async def test_malformed_client_credentials_are_invalid_client(world, client_id, secret):
    """Garbage ids or secrets are refused as InvalidClient with reason
    ``malformed_credentials``."""

    events, _ = await _refusal(world, IssueToken(client_id, secret), InvalidClient)

    [event] = events
    assert event.event.metadata == {"reason": "malformed_credentials",
                                    "purpose": "client_credentials"}


async def test_wrong_secret_for_a_warm_credential_is_still_refused(world, tenant):
    """A secret verified once (cached) does not make a different secret pass."""
    agent, secret = await world.client(tenant)
    await world.issue(agent.id, secret)
    wrong = secret[:-1] + ("0" if secret[-1] != "0" else "1")

    events, _ = await _refusal(world, IssueToken(agent.id, wrong), InvalidClient)

    assert [e.event.metadata["reason"] for e in events] == ["bad_secret"]


@pytest.mark.parametrize("status_change", ["suspend_agent", "decommission_agent"])
async def test_an_inactive_agent_gets_no_token(world, tenant, status_change):
    """A suspended agent with a good secret is AgentNotPermitted (reason ``agent_suspended``);
    a decommissioned one has no usable credential left, so it is InvalidClient."""
    agent, secret = await world.client(tenant)
    await getattr(world.run, status_change)(ChangeAgentStatus(tenant.principal, agent.id))
    expected = {"suspend_agent": (AgentNotPermitted, "agent_suspended"),
                "decommission_agent": (InvalidClient, "bad_secret")}[status_change]

    events, _ = await _refusal(world, IssueToken(agent.id, secret), expected[0])

    assert [e.event.metadata["reason"] for e in events] == [expected[1]]


async def test_an_expired_credential_is_invalid_client(world, tenant):
    """A credential past its expiry authenticates nothing (reason ``bad_secret``)."""
    agent = await world.register(tenant.principal)
    issued = await world.generate(tenant.principal, agent.id, expires_at=START + timedelta(days=1))
    world.clock.advance(timedelta(days=1, seconds=1).total_seconds())

    events, _ = await _refusal(world, IssueToken(agent.id, issued.client_secret), InvalidClient)

    assert [e.event.metadata["reason"] for e in events] == ["bad_secret"]


async def test_a_revoked_credential_is_invalid_client(world, tenant):
    """A revoked credential authenticates nothing, even right after a successful use."""
    agent, secret = await world.client(tenant)
    await world.issue(agent.id, secret)
    [credential] = await world.credentials_of(agent.id)
    await world.run.revoke_credential(
        ChangeCredential(tenant.principal, agent.id, credential.id))

    events, _ = await _refusal(world, IssueToken(agent.id, secret), InvalidClient)

    assert [e.event.metadata["reason"] for e in events] == ["bad_secret"]


@pytest.mark.parametrize(("scope", "error"), [
    ("agents:delete", InvalidScope),
    ("agents:read\ttokens:read", InvalidScope),
    ('agents:"read', InvalidScope),
    ("admin:orgs", ScopeNotGranted),
    ("agents:read admin:orgs", ScopeNotGranted),
])
async def test_a_bad_scope_request_is_refused_and_audited(world, tenant, scope, error):
    """Unknown or malformed scopes (InvalidScope) and scopes beyond the agent's
    (ScopeNotGranted) are refused with one ``auth.failed`` event, reason ``invalid_scope``."""
    agent, secret = await world.client(tenant, scopes=["agents:read", "tokens:read"])

    events, _ = await _refusal(world, IssueToken(agent.id, secret, scope=scope), error)

    [event] = events
    assert event.event.metadata["reason"] == "invalid_scope"
    assert event.event.organization_id == tenant.organization_id


async def test_every_refusal_writes_exactly_one_auth_failed_event_and_no_token_event(world, tenant):
    """Whatever the cause, a refused grant leaves one failed ``auth.failed`` event and no
    ``token.issued`` event, and changes no aggregate."""
    agent, secret = await world.client(tenant)
    suspended, suspended_secret = await world.client(tenant)
    await world.run.suspend_agent(ChangeAgentStatus(tenant.principal, suspended.id))
    commands = [
        (IssueToken("nope", secret), InvalidClient),
        (IssueToken(UNKNOWN_CLIENT, secret), InvalidClient),
        (IssueToken(agent.id, "sk_live_" + "f" * 64), InvalidClient),
        (IssueToken(suspended.id, suspended_secret), AgentNotPermitted),
        (IssueToken(agent.id, secret, scope="audit:read"), ScopeNotGranted),
    ]
    state = world.state()

    outcomes = [await _refusal(world, command, error) for command, error in commands]

    for events, _ in outcomes:
        [event] = events
        assert event.event.action is AuditAction.AUTH_FAILED
        assert event.event.outcome is Outcome.FAILURE
        assert event.event.actor_id is None
        assert event.event.metadata["purpose"] == "client_credentials"
    assert world.state() == state


async def test_an_agent_of_a_suspended_organization_gets_no_token(world):
    """Only an active organization's agents get tokens: AgentNotPermitted, audited with reason
    ``organization_inactive`` (the suspended organization is stored directly: no use case
    suspends one yet)."""
    suspended = replace(Organization.create(id=OrganizationId(str(uuid.uuid4())),
                                            slug="frozen-org", name="Frozen", now=START),
                        status=OrganizationStatus.SUSPENDED)
    async with world.uow() as uow:
        await uow.organizations.add(suspended)
        await uow.commit()
    tenant = await world.bootstrap(slug="frozen-org")

    events, _ = await _refusal(world, IssueToken(tenant.admin.id, tenant.client_secret),
                               AgentNotPermitted)

    assert [e.event.metadata["reason"] for e in events] == ["organization_inactive"]


@pytest.mark.parametrize("algorithm", ["ES256", "EdDSA"])
async def test_issue_signs_with_the_configured_algorithm(world_factory, algorithm):
    """The selected signing algorithm is the token's ``alg``, and its claims verify."""
    async with world_factory(algorithm) as world:
        tenant = await world.bootstrap()

        issued = await world.issue(tenant.admin.id, tenant.client_secret)

        assert _header(issued.access_token)["alg"] == algorithm
        assert world.verify(issued.access_token)["sub"] == tenant.admin.id
