"""Contract of CredentialRepository (through UnitOfWork) for every backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agentidp.application.errors import AgentNotFound, ConcurrentUpdate
from agentidp.application.ports.unit_of_work import UnitOfWorkFactory
from agentidp.domain.agent import Agent
from agentidp.domain.credential import CredentialStatus
from agentidp.domain.ids import AgentId, CredentialId
from tests.builders import NOW, make_agent, make_credential, make_organization, random_id

from .support import save


@pytest.fixture
async def agent(uow_factory: UnitOfWorkFactory) -> Agent:
    """A committed agent to hold credentials."""
    organization = make_organization()
    agent = make_agent(organization_id=organization.id)
    await save(uow_factory, organization, agent)
    return agent


async def test_add_then_get_round_trips_every_field(
    uow_factory: UnitOfWorkFactory, agent: Agent
) -> None:
    """Set and unset optional instants both survive the round trip."""
    credential = make_credential(agent=agent, expires_at=NOW + timedelta(days=90))
    credential.rotate(new_secret_hash="$argon2id$new", now=NOW, expires_at=None)
    credential.revoke(now=NOW + timedelta(microseconds=7))
    untouched = make_credential(
        agent=agent, now=NOW + timedelta(microseconds=654321), expires_at=None
    )

    await save(uow_factory, credential, untouched)
    async with uow_factory() as uow:
        loaded = await uow.credentials.get(credential.id)
        loaded_untouched = await uow.credentials.get(untouched.id)

    assert loaded == credential
    assert loaded_untouched == untouched
    assert loaded_untouched is not None
    assert loaded_untouched.expires_at is None
    assert loaded_untouched.revoked_at is None


async def test_get_unknown_returns_none(uow_factory: UnitOfWorkFactory) -> None:
    """An id that was never stored reads as None."""
    async with uow_factory() as uow:
        assert await uow.credentials.get(CredentialId(random_id())) is None


async def test_list_by_agent_is_newest_first_and_filters_status(
    uow_factory: UnitOfWorkFactory, agent: Agent
) -> None:
    """Only the agent's credentials are listed, newest first, optionally of one status."""
    old = make_credential(agent=agent, now=NOW)
    new = make_credential(agent=agent, now=NOW + timedelta(minutes=1))
    revoked = make_credential(agent=agent, now=NOW + timedelta(minutes=2))
    revoked.revoke(now=NOW + timedelta(minutes=3))
    stranger = make_agent(organization_id=agent.organization_id)
    await save(uow_factory, stranger, old, new, revoked, make_credential(agent=stranger))

    async with uow_factory() as uow:
        every = await uow.credentials.list_by_agent(agent.id)
        active = await uow.credentials.list_by_agent(agent.id, CredentialStatus.ACTIVE)
        gone = await uow.credentials.list_by_agent(agent.id, CredentialStatus.REVOKED)
        nobody = await uow.credentials.list_by_agent(AgentId(random_id()))

    assert list(every) == [revoked, new, old]
    assert list(active) == [new, old]
    assert list(gone) == [revoked]
    assert list(nobody) == []


async def test_credential_of_unknown_agent_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    """A credential must belong to a stored agent."""
    ghost = make_agent()

    async with uow_factory() as uow:
        await uow.credentials.add(make_credential(agent=ghost))
        with pytest.raises(AgentNotFound):
            await uow.commit()


async def test_update_persists_and_bumps_revision(
    uow_factory: UnitOfWorkFactory, agent: Agent
) -> None:
    """A committed revoke is stored with the revision plus one."""
    credential = make_credential(agent=agent)
    await save(uow_factory, credential)

    async with uow_factory() as uow:
        loaded = await uow.credentials.get(credential.id)
        assert loaded is not None
        loaded.revoke(now=NOW + timedelta(hours=1))
        await uow.credentials.update(loaded)
        await uow.commit()
    async with uow_factory() as reader:
        stored = await reader.credentials.get(credential.id)

    assert stored is not None
    assert stored.status is CredentialStatus.REVOKED
    assert stored.revoked_at == NOW + timedelta(hours=1)
    assert stored.revision == 2


async def test_stale_revision_raises_concurrent_update(
    uow_factory: UnitOfWorkFactory, agent: Agent
) -> None:
    """An update from an old revision loses and changes nothing."""
    credential = make_credential(agent=agent)
    await save(uow_factory, credential)
    async with uow_factory() as uow:
        loaded = await uow.credentials.get(credential.id)
        assert loaded is not None
        await uow.credentials.update(loaded)
        await uow.commit()

    loaded.rotate(new_secret_hash="$argon2id$late", now=NOW, expires_at=None)
    async with uow_factory() as late:
        await late.credentials.update(loaded)
        with pytest.raises(ConcurrentUpdate):
            await late.commit()

    async with uow_factory() as reader:
        stored = await reader.credentials.get(credential.id)
    assert stored is not None
    assert (stored.secret_hash, stored.revision) == (credential.secret_hash, 2)
