"""Credential use cases: generate, list, rotate and revoke client secrets."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from usecase_world import START

from agentidp.application.commands import (
    ChangeAgentStatus,
    ChangeCredential,
    ListCredentials,
)
from agentidp.application.errors import (
    AgentNotFound,
    CredentialNotFound,
    InvalidClient,
    InvalidRequest,
    NotResourceOwner,
)
from agentidp.domain.audit import AuditAction
from agentidp.domain.credential import CredentialStatus
from agentidp.domain.errors import AgentNotActive, CredentialAlreadyRevoked, InvalidValue

SECRET = re.compile(r"^sk_live_[0-9a-f]{64}$")


# -- generate -----------------------------------------------------------------------------------


async def test_generate_returns_a_secret_once_and_stores_only_its_hash(world, tenant):
    """The secret has the ``sk_live_`` + 64 hex format, appears in the result only, and the
    store keeps an argon2id hash of it that is not the secret."""
    agent = await world.register(tenant.principal)
    before = await world.chain_length()

    issued = await world.generate(tenant.principal, agent.id)

    assert SECRET.fullmatch(issued.client_secret)
    stored = await world.credential(issued.credential.id)
    assert stored.agent_id == agent.id
    assert stored.organization_id == tenant.organization_id
    assert stored.status is CredentialStatus.ACTIVE
    assert stored.created_at == START
    assert stored.expires_at is None
    assert stored.secret_hash.startswith("$argon2id$")
    assert issued.client_secret not in stored.secret_hash
    assert issued.client_secret[len("sk_live_"):] not in stored.secret_hash
    assert await world.container.hasher().verify(issued.client_secret, stored.secret_hash)
    assert issued.client_secret not in repr(await world.credentials_of(agent.id))
    [event] = await world.events_since(before)
    assert event.event.action is AuditAction.CREDENTIAL_GENERATED
    assert event.event.metadata == {"credentialId": issued.credential.id}
    assert issued.client_secret not in repr(await world.chain())


async def test_generate_twice_gives_distinct_secrets_and_hashes(world, tenant):
    """Every credential gets fresh randomness and a freshly salted hash."""
    agent = await world.register(tenant.principal)

    first = await world.generate(tenant.principal, agent.id)
    second = await world.generate(tenant.principal, agent.id)

    assert first.client_secret != second.client_secret
    assert first.credential.id != second.credential.id
    stored = [await world.credential(c.credential.id) for c in (first, second)]
    assert stored[0]
    assert stored[1]
    assert stored[0].secret_hash != stored[1].secret_hash


async def test_generate_for_itself_is_allowed_without_admin_scope(world, tenant):
    """An agent with ``agents:write`` may create credentials for itself."""
    agent = await world.register(tenant.principal, scopes=["agents:read", "agents:write"])

    issued = await world.generate(world.principal_of(agent), agent.id)

    assert (await world.credential(issued.credential.id)).agent_id == agent.id


async def test_generate_for_another_agent_without_admin_scope_is_refused(world, tenant):
    """Neither the agent itself nor an administrator: NotResourceOwner, nothing stored."""
    caller = await world.register(tenant.principal, scopes=["agents:read", "agents:write"])
    target = await world.register(tenant.principal)
    state, before = world.state(), await world.chain_length()

    with pytest.raises(NotResourceOwner):
        await world.generate(world.principal_of(caller), target.id)

    assert world.state() == state
    assert await world.chain_length() == before


@pytest.mark.parametrize("status_change", ["suspend_agent", "decommission_agent"])
async def test_generate_requires_an_active_agent(world, tenant, status_change):
    """Suspended and decommissioned agents get no new credentials (AgentNotActive)."""
    agent = await world.register(tenant.principal)
    await getattr(world.run, status_change)(ChangeAgentStatus(tenant.principal, agent.id))
    state, before = world.state(), await world.chain_length()

    with pytest.raises(AgentNotActive):
        await world.generate(tenant.principal, agent.id)

    assert world.state() == state
    assert await world.chain_length() == before


async def test_generate_for_an_unknown_agent_raises_agent_not_found(world, tenant):
    """No agent, no credential."""

    with pytest.raises(AgentNotFound):
        await world.generate(tenant.principal, "7c0c8f8e-3a51-4a9e-8f0e-6d7f1c2b3a4d")


@pytest.mark.parametrize("offset", [timedelta(0), timedelta(seconds=-1), timedelta(days=-3)])
async def test_generate_with_an_expiry_not_in_the_future_is_refused(world, tenant, offset):
    """``expires_at`` must be after now (InvalidValue), and nothing is stored."""
    agent = await world.register(tenant.principal)
    state = world.state()

    with pytest.raises(InvalidValue):
        await world.generate(tenant.principal, agent.id, expires_at=START + offset)

    assert world.state() == state


async def test_generate_with_a_naive_expiry_is_a_validation_error(world, tenant):
    """An expiry without a timezone is refused as a validation error, not a crash."""
    agent = await world.register(tenant.principal)

    with pytest.raises(InvalidValue):
        await world.generate(tenant.principal, agent.id,
                             expires_at=(START + timedelta(days=1)).replace(tzinfo=None))


async def test_a_credential_stops_working_when_it_expires(world, tenant):
    """A credential with an expiry authenticates before it and is InvalidClient from it on."""
    agent = await world.register(tenant.principal)
    issued = await world.generate(tenant.principal, agent.id, expires_at=START + timedelta(hours=1))
    await world.issue(agent.id, issued.client_secret)

    world.clock.advance(3600)

    with pytest.raises(InvalidClient):
        await world.issue(agent.id, issued.client_secret)
    assert (await world.credential(issued.credential.id)).status is CredentialStatus.ACTIVE


# -- list ---------------------------------------------------------------------------------------


async def test_list_returns_the_agents_credentials_newest_first_with_a_status_filter(world, tenant):
    """Listing shows every credential of the agent, newest first; ``status`` narrows it."""
    agent = await world.register(tenant.principal)
    first = await world.generate(tenant.principal, agent.id)
    world.clock.advance(1)
    second = await world.generate(tenant.principal, agent.id)
    await world.run.revoke_credential(
        ChangeCredential(tenant.principal, agent.id, first.credential.id))
    use_case = world.run.list_credentials

    everything = await use_case(ListCredentials(tenant.principal, agent.id))
    active = await use_case(ListCredentials(tenant.principal, agent.id, status="active"))
    revoked = await use_case(ListCredentials(tenant.principal, agent.id, status="revoked"))

    assert [c.id for c in everything] == [second.credential.id, first.credential.id]
    assert [c.id for c in active] == [second.credential.id]
    assert [c.id for c in revoked] == [first.credential.id]


async def test_list_returns_no_secret_hashes(world, tenant):
    """Listing shows credential metadata only: no secret and no hash of it."""
    agent, _ = await world.client(tenant)

    listed = await world.run.list_credentials(ListCredentials(tenant.principal, agent.id))

    assert listed
    assert not any(getattr(credential, "secret_hash", None) for credential in listed)


async def test_list_refuses_an_unknown_status(world, tenant):
    """A credential status filter other than active/revoked is an InvalidRequest."""
    agent = await world.register(tenant.principal)

    with pytest.raises(InvalidRequest):
        await world.run.list_credentials(
            ListCredentials(tenant.principal, agent.id, status="expired"))


# -- rotate -------------------------------------------------------------------------------------


async def test_rotate_replaces_the_secret_in_place(world, tenant):
    """After rotation the old secret is refused, the new one works, the credential keeps its
    id with a new hash, and one ``credential.rotated`` event is recorded."""
    agent, old_secret = await world.client(tenant)
    [credential] = await world.credentials_of(agent.id)
    await world.issue(agent.id, old_secret)  # warm the verified-secret cache for the old hash
    world.clock.advance(10)
    before = await world.chain_length()

    rotated = await world.run.rotate_credential(
        ChangeCredential(tenant.principal, agent.id, credential.id))

    assert SECRET.fullmatch(rotated.client_secret)
    assert rotated.client_secret != old_secret
    stored = await world.credential(credential.id)
    assert stored.secret_hash != credential.secret_hash
    assert rotated.client_secret not in stored.secret_hash
    assert stored.rotated_at == START.replace(second=10)
    assert stored.status is CredentialStatus.ACTIVE
    [event] = await world.events_since(before)
    assert event.event.action is AuditAction.CREDENTIAL_ROTATED
    assert event.event.metadata == {"credentialId": credential.id}
    with pytest.raises(InvalidClient):
        await world.issue(agent.id, old_secret)
    assert (await world.issue(agent.id, rotated.client_secret)).access_token


async def test_rotate_can_set_a_new_expiry(world, tenant):
    """A rotation may give the credential a new expiry, stored with it."""
    agent, _ = await world.client(tenant)
    [credential] = await world.credentials_of(agent.id)
    expiry = START + timedelta(days=30)

    await world.run.rotate_credential(
        ChangeCredential(tenant.principal, agent.id, credential.id, expires_at=expiry))

    assert (await world.credential(credential.id)).expires_at == expiry


async def test_rotate_by_the_agent_itself_is_allowed(world, tenant):
    """The owning agent may rotate its own credential without ``admin:orgs``."""
    agent = await world.register(tenant.principal, scopes=["agents:read", "agents:write"])
    issued = await world.generate(tenant.principal, agent.id)

    rotated = await world.run.rotate_credential(
        ChangeCredential(world.principal_of(agent), agent.id, issued.credential.id))

    assert rotated.credential.id == issued.credential.id


async def test_rotate_of_a_revoked_credential_is_refused(world, tenant):
    """A revoked credential stays revoked: CredentialAlreadyRevoked, nothing written."""
    agent, _ = await world.client(tenant)
    [credential] = await world.credentials_of(agent.id)
    await world.run.revoke_credential(
        ChangeCredential(tenant.principal, agent.id, credential.id))
    state, before = world.state(), await world.chain_length()

    with pytest.raises(CredentialAlreadyRevoked):
        await world.run.rotate_credential(
            ChangeCredential(tenant.principal, agent.id, credential.id))

    assert world.state() == state
    assert await world.chain_length() == before


# -- revoke -------------------------------------------------------------------------------------


async def test_revoke_stops_the_secret_for_good(world, tenant):
    """A revoked credential is stored revoked with its time, its secret is refused, and one
    ``credential.revoked`` event is recorded."""
    agent, secret = await world.client(tenant)
    [credential] = await world.credentials_of(agent.id)
    await world.issue(agent.id, secret)
    world.clock.advance(7)
    before = await world.chain_length()

    revoked = await world.run.revoke_credential(
        ChangeCredential(tenant.principal, agent.id, credential.id))

    stored = await world.credential(credential.id)
    assert stored.status is CredentialStatus.REVOKED
    assert stored.revoked_at == START.replace(second=7)
    assert revoked.status is CredentialStatus.REVOKED
    [event] = await world.events_since(before)
    assert event.event.action is AuditAction.CREDENTIAL_REVOKED
    assert event.event.metadata == {"credentialId": credential.id}
    with pytest.raises(InvalidClient):
        await world.issue(agent.id, secret)


async def test_revoke_twice_is_refused_the_second_time(world, tenant):
    """The second revocation raises CredentialAlreadyRevoked and records nothing."""
    agent, _ = await world.client(tenant)
    [credential] = await world.credentials_of(agent.id)
    command = ChangeCredential(tenant.principal, agent.id, credential.id)
    await world.run.revoke_credential(command)
    state, before = world.state(), await world.chain_length()

    with pytest.raises(CredentialAlreadyRevoked):
        await world.run.revoke_credential(command)

    assert world.state() == state
    assert await world.chain_length() == before


@pytest.mark.parametrize("use_case", ["rotate_credential", "revoke_credential"])
async def test_rotate_or_revoke_another_agents_credential_without_admin_is_refused(
    world, tenant, use_case
):
    """Only the owning agent or an administrator may rotate or revoke a credential."""
    caller = await world.register(tenant.principal, scopes=["agents:read", "agents:write"])
    target, _ = await world.client(tenant)
    [credential] = await world.credentials_of(target.id)
    state, before = world.state(), await world.chain_length()

    with pytest.raises(NotResourceOwner):
        await getattr(world.run, use_case)(
            ChangeCredential(world.principal_of(caller), target.id, credential.id))

    assert world.state() == state
    assert await world.chain_length() == before


@pytest.mark.parametrize("use_case", ["rotate_credential", "revoke_credential"])
async def test_rotate_or_revoke_through_a_foreign_credential_id_is_not_found(
    world, tenant, use_case
):
    """A credential id that belongs to another agent (same organization) is CredentialNotFound
    under this agent's path, and the other agent's credential is untouched."""
    agent, _ = await world.client(tenant)
    other, other_secret = await world.client(tenant)
    [foreign] = await world.credentials_of(other.id)
    state, before = world.state(), await world.chain_length()

    with pytest.raises(CredentialNotFound):
        await getattr(world.run, use_case)(
            ChangeCredential(tenant.principal, agent.id, foreign.id))

    assert world.state() == state
    assert await world.chain_length() == before
    assert (await world.issue(other.id, other_secret)).access_token


@pytest.mark.parametrize("credential_id", ["5d2f1c0e-9b8a-4c7d-8e6f-5a4b3c2d1e0f", "nope", ""])
@pytest.mark.parametrize("use_case", ["rotate_credential", "revoke_credential"])
async def test_rotate_or_revoke_an_unknown_credential_is_not_found(
    world, tenant, use_case, credential_id
):
    """Unknown and malformed credential ids are CredentialNotFound."""
    agent, _ = await world.client(tenant)

    with pytest.raises(CredentialNotFound):
        await getattr(world.run, use_case)(
            ChangeCredential(tenant.principal, agent.id, credential_id))

