"""Contract of UnitOfWork itself (atomicity, isolation of concurrent commits) for every backend."""

from __future__ import annotations

import asyncio

import pytest

from agentidp.adapters.memory import InMemoryStore
from agentidp.adapters.sqlite import SqliteStore
from agentidp.application.errors import AgentAlreadyExists
from agentidp.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from agentidp.domain.audit import verify_chain
from tests.builders import make_agent, make_audit_event, make_credential, make_organization

from .support import save


def _conformance(memory: InMemoryStore, sqlite: SqliteStore) -> None:
    """Never called: mypy checks each adapter against the UnitOfWork protocol here."""
    _memory: UnitOfWork = memory.unit_of_work()
    _sqlite: UnitOfWork = sqlite.unit_of_work()
    _factories: tuple[UnitOfWorkFactory, ...] = (memory.unit_of_work, sqlite.unit_of_work)


async def test_commit_applies_every_repository_together(uow_factory: UnitOfWorkFactory) -> None:
    """An organization, its agent, a credential and an audit event become visible together."""
    organization = make_organization()
    agent = make_agent(organization_id=organization.id)
    credential = make_credential(agent=agent)
    event = make_audit_event(organization_id=organization.id, agent_id=agent.id)

    await save(uow_factory, organization, agent, credential, event)

    async with uow_factory() as uow:
        assert await uow.organizations.get(organization.id) == organization
        assert await uow.agents.get(agent.id) == agent
        assert await uow.credentials.get(credential.id) == credential
        stored = await uow.audit.get(event.id)
    assert stored is not None
    assert stored.event == event


async def test_commit_with_nothing_staged_is_a_no_op(uow_factory: UnitOfWorkFactory) -> None:
    """Committing an empty unit of work, or committing twice, applies nothing more."""
    event = make_audit_event()

    async with uow_factory() as uow:
        await uow.commit()
        await uow.audit.append(event)
        await uow.commit()
        await uow.commit()

    async with uow_factory() as reader:
        assert len(await reader.audit.chain()) == 1


async def test_a_failed_commit_empties_the_unit_of_work(uow_factory: UnitOfWorkFactory) -> None:
    """After a conflict nothing stays staged, so a retry of commit applies nothing."""
    organization = make_organization()
    agent = make_agent(organization_id=organization.id)
    await save(uow_factory, organization, agent)
    event = make_audit_event()

    async with uow_factory() as uow:
        await uow.agents.add(make_agent(organization_id=organization.id, email=agent.email))
        await uow.audit.append(event)
        with pytest.raises(AgentAlreadyExists):
            await uow.commit()
        await uow.commit()

    async with uow_factory() as reader:
        assert await reader.audit.get(event.id) is None


async def test_a_failing_unit_of_work_does_not_affect_concurrent_ones(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """Among commits racing each other (one group commit in SQLite) only the conflicting one
    fails; every other one is applied with its audit event."""
    organization = make_organization()
    taken = make_agent(organization_id=organization.id)
    await save(uow_factory, organization, taken)
    good = [make_agent(organization_id=organization.id) for _ in range(10)]
    clash = make_agent(organization_id=organization.id, email=taken.email)

    async def register(agent: object) -> None:
        await save(uow_factory, agent, make_audit_event(organization_id=organization.id))

    outcomes = await asyncio.gather(
        *(register(agent) for agent in [*good[:5], clash, *good[5:]]), return_exceptions=True
    )

    assert isinstance(outcomes[5], AgentAlreadyExists)
    assert [*outcomes[:5], *outcomes[6:]] == [None] * 10
    async with uow_factory() as reader:
        assert all([await reader.agents.get(agent.id) == agent for agent in good])
        assert await reader.agents.get(clash.id) is None
        chain = await reader.audit.chain()
    assert len(chain) == 10
    assert verify_chain(chain).verified
