"""Contract of ClientDirectory (through UnitOfWork) for every backend."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from agentidp.application.ports.unit_of_work import UnitOfWorkFactory
from agentidp.domain.agent import AgentStatus
from agentidp.domain.credential import CredentialStatus
from agentidp.domain.ids import AgentId
from agentidp.domain.organization import OrganizationStatus
from tests.builders import NOW, make_agent, make_credential, make_organization, random_id

from .support import save


async def test_unknown_client_is_none(uow_factory: UnitOfWorkFactory) -> None:
    """An id no agent has reads as None."""
    async with uow_factory() as uow:
        assert await uow.clients.find(AgentId(random_id())) is None


async def test_agent_without_credentials(uow_factory: UnitOfWorkFactory) -> None:
    """The agent round-trips exactly, with no credentials and its active organization."""
    organization = make_organization()
    agent = make_agent(
        organization_id=organization.id,
        metadata={"team": {"name": "ops", "tags": ["a", "b"]}},
        now=NOW + timedelta(microseconds=123456),
    )
    await save(uow_factory, organization, agent)

    async with uow_factory() as uow:
        record = await uow.clients.find(agent.id)

    assert record is not None
    assert record.agent == agent
    assert list(record.active_credentials) == []
    assert record.organization_active is True


async def test_only_active_credentials_newest_first(uow_factory: UnitOfWorkFactory) -> None:
    """Revoked credentials and other agents' credentials are left out; active ones come
    newest first, expired ones included, every field as stored."""
    organization = make_organization()
    agent = make_agent(organization_id=organization.id)
    stranger = make_agent(organization_id=organization.id)
    old = make_credential(agent=agent, now=NOW, expires_at=None)
    expired = make_credential(
        agent=agent,
        now=NOW + timedelta(minutes=1, microseconds=654321),
        expires_at=NOW + timedelta(minutes=2),
    )
    rotated = make_credential(agent=agent, now=NOW + timedelta(minutes=2))
    rotated.rotate(
        new_secret_hash="$argon2id$rotated", now=NOW + timedelta(minutes=3), expires_at=None
    )
    revoked = make_credential(agent=agent, now=NOW + timedelta(minutes=4))
    revoked.revoke(now=NOW + timedelta(minutes=5))
    await save(
        uow_factory,
        organization,
        agent,
        stranger,
        old,
        expired,
        rotated,
        revoked,
        make_credential(agent=stranger),
    )

    async with uow_factory() as uow:
        record = await uow.clients.find(agent.id)
        listed = await uow.credentials.list_by_agent(agent.id, CredentialStatus.ACTIVE)

    assert record is not None
    assert list(record.active_credentials) == [rotated, expired, old]
    assert list(record.active_credentials) == list(listed)
    assert all(c.status is CredentialStatus.ACTIVE for c in record.active_credentials)


async def test_agent_status_is_reported_not_filtered(uow_factory: UnitOfWorkFactory) -> None:
    """A suspended agent is still found: status checks belong to the caller."""
    organization = make_organization()
    agent = make_agent(organization_id=organization.id, status=AgentStatus.SUSPENDED)
    await save(uow_factory, organization, agent)

    async with uow_factory() as uow:
        record = await uow.clients.find(agent.id)

    assert record is not None
    assert record.agent == agent
    assert record.agent.status is AgentStatus.SUSPENDED


async def test_suspended_organization_is_not_active(uow_factory: UnitOfWorkFactory) -> None:
    """The record says whether the agent's organization is active."""
    suspended = dataclasses.replace(make_organization(), status=OrganizationStatus.SUSPENDED)
    active = make_organization()
    suspended_agent = make_agent(organization_id=suspended.id)
    active_agent = make_agent(organization_id=active.id)
    credential = make_credential(agent=suspended_agent)
    await save(uow_factory, suspended, active, suspended_agent, active_agent, credential)

    async with uow_factory() as uow:
        of_suspended = await uow.clients.find(suspended_agent.id)
        of_active = await uow.clients.find(active_agent.id)

    assert of_suspended is not None
    assert of_suspended.organization_active is False
    assert list(of_suspended.active_credentials) == [credential]
    assert of_active is not None
    assert of_active.organization_active is True


async def test_uncommitted_writes_are_invisible(uow_factory: UnitOfWorkFactory) -> None:
    """Staged agents and credentials are not found, by the same or another unit of work."""
    organization = make_organization()
    agent = make_agent(organization_id=organization.id)
    await save(uow_factory, organization, agent)
    ghost = make_agent(organization_id=organization.id)

    async with uow_factory() as uow:
        await uow.agents.add(ghost)
        await uow.credentials.add(make_credential(agent=agent))
        staged_ghost = await uow.clients.find(ghost.id)
        staged_agent = await uow.clients.find(agent.id)
        async with uow_factory() as other:
            seen_by_other = await other.clients.find(agent.id)
        await uow.rollback()

    assert staged_ghost is None
    assert staged_agent is not None
    assert list(staged_agent.active_credentials) == []
    assert seen_by_other is not None
    assert list(seen_by_other.active_credentials) == []


async def test_record_is_a_private_copy(uow_factory: UnitOfWorkFactory) -> None:
    """Changing a found agent or credential changes nothing stored."""
    organization = make_organization()
    agent = make_agent(organization_id=organization.id, metadata={"nested": {"k": "v"}})
    credential = make_credential(agent=agent)
    await save(uow_factory, organization, agent, credential)

    async with uow_factory() as uow:
        record = await uow.clients.find(agent.id)
        assert record is not None
        record.agent.metadata["nested"]["k"] = "changed"
        record.active_credentials[0].revoke(now=NOW + timedelta(hours=1))
    async with uow_factory() as uow:
        again = await uow.clients.find(agent.id)

    assert again is not None
    assert again.agent == agent
    assert list(again.active_credentials) == [credential]
