"""Contract of DelegationRepository (through UnitOfWork) for every backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agentidp.adapters.memory.delegations import InMemoryDelegationRepository
from agentidp.adapters.postgres.delegations import PostgresDelegationRepository
from agentidp.adapters.sqlite.delegations import SqliteDelegationRepository
from agentidp.application.delegation_chains import load_chain
from agentidp.application.errors import Conflict
from agentidp.application.ports.delegations import DelegationRepository
from agentidp.application.ports.unit_of_work import UnitOfWorkFactory
from agentidp.domain.agent import Agent
from agentidp.domain.delegation import (
    Delegation,
    DelegationId,
    DelegationStatus,
    Party,
    chain_is_active,
)
from agentidp.domain.ids import AgentId
from tests.builders import NOW, make_agent, make_organization, random_id

from .support import save


def _conformance(
    memory: InMemoryDelegationRepository,
    sqlite: SqliteDelegationRepository,
    postgres: PostgresDelegationRepository,
) -> None:
    """Never called: mypy checks each adapter against the port (STYLE §6)."""
    _memory: DelegationRepository = memory
    _sqlite: DelegationRepository = sqlite
    _postgres: DelegationRepository = postgres


def party(agent: Agent) -> Party:
    return Party(agent.id, agent.organization_id, agent.scopes)


def link(
    delegator: Agent,
    delegatee: Agent,
    parent: Delegation | None = None,
    *,
    ttl: timedelta = timedelta(hours=1),
    at: timedelta = timedelta(0),
) -> Delegation:
    return Delegation.grant(
        id=DelegationId(random_id()),
        delegator=party(delegator),
        delegatee=party(delegatee),
        scopes=frozenset({"agents:read"}),
        ttl=ttl,
        now=NOW + at,
        parent=parent,
    )


async def three_agents(uow_factory: UnitOfWorkFactory) -> list[Agent]:
    organization = make_organization()
    agents = [
        make_agent(organization_id=organization.id, scopes=frozenset({"agents:read"}))
        for _ in range(3)
    ]
    await save(uow_factory, organization, *agents)
    return agents


async def add(uow_factory: UnitOfWorkFactory, *links: Delegation) -> None:
    async with uow_factory() as uow:
        for delegation in links:
            await uow.delegations.add(delegation)
        await uow.commit()


async def test_add_then_get_round_trips(uow_factory: UnitOfWorkFactory) -> None:
    """A committed link and its extension read back equal, instants and scopes included."""
    a, b, c = await three_agents(uow_factory)
    root = link(a, b)
    child = link(b, c, root, ttl=timedelta(minutes=5), at=timedelta(seconds=1))

    await add(uow_factory, root, child)
    async with uow_factory() as uow:
        assert await uow.delegations.get(root.id) == root
        assert await uow.delegations.get(child.id) == child
        assert await uow.delegations.get(DelegationId(random_id())) is None
        assert await load_chain(uow.delegations, child.id) == [root, child]


async def test_nothing_is_visible_before_commit(uow_factory: UnitOfWorkFactory) -> None:
    """A staged link is not read back, and is gone after leaving without commit."""
    a, b, _ = await three_agents(uow_factory)
    root = link(a, b)
    async with uow_factory() as uow:
        await uow.delegations.add(root)
        assert await uow.delegations.get(root.id) is None
    async with uow_factory() as uow:
        assert await uow.delegations.get(root.id) is None


async def test_find_by_parties_and_parent_newest_first(uow_factory: UnitOfWorkFactory) -> None:
    """``find`` selects by (organization, delegator, delegatee, parent), newest first."""
    a, b, c = await three_agents(uow_factory)
    older = link(a, b)
    newer = link(a, b, at=timedelta(seconds=5))
    other_direction = link(b, a)
    child = link(b, c, older, at=timedelta(seconds=6))
    await add(uow_factory, older, newer, other_direction, child)

    async with uow_factory() as uow:
        roots = await uow.delegations.find(a.organization_id, a.id, b.id, None)
        children = await uow.delegations.find(a.organization_id, b.id, c.id, older.id)
        none_under_newer = await uow.delegations.find(a.organization_id, b.id, c.id, newer.id)
        no_root_b_to_c = await uow.delegations.find(a.organization_id, b.id, c.id, None)

    assert list(roots) == [newer, older]
    assert list(children) == [child]
    assert list(none_under_newer) == []
    assert list(no_root_b_to_c) == []


async def test_revoke_is_first_instant_wins(uow_factory: UnitOfWorkFactory) -> None:
    """Revoking stores status and instant; revoking again keeps the first instant."""
    a, b, _ = await three_agents(uow_factory)
    root = link(a, b)
    await add(uow_factory, root)
    first = root.revoke(NOW + timedelta(seconds=10))
    second = root.revoke(NOW + timedelta(seconds=20))

    for revoked in (first, second):
        async with uow_factory() as uow:
            await uow.delegations.revoke(revoked)
            await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.delegations.get(root.id)
    assert stored == first
    assert stored is not None
    assert stored.status is DelegationStatus.REVOKED


async def test_revoked_root_deactivates_stored_descendants(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """Only the root is written; the grandchild's chain, read back, is inactive at once."""
    a, b, c = await three_agents(uow_factory)
    d = make_agent(organization_id=a.organization_id, scopes=frozenset({"agents:read"}))
    await save(uow_factory, d)
    root = link(a, b)
    child = link(b, c, root)
    grandchild = link(c, d, child)
    await add(uow_factory, root, child, grandchild)
    async with uow_factory() as uow:
        assert chain_is_active(await load_chain(uow.delegations, grandchild.id), NOW)
        await uow.delegations.revoke(root.revoke(NOW))
        await uow.commit()

    async with uow_factory() as uow:
        chain = await load_chain(uow.delegations, grandchild.id)
    assert [stored.id for stored in chain] == [root.id, child.id, grandchild.id]
    assert not chain_is_active(chain, NOW)


async def test_duplicate_id_is_a_conflict(uow_factory: UnitOfWorkFactory) -> None:
    """A second link with a taken id is refused and nothing of its unit of work applies."""
    a, b, _ = await three_agents(uow_factory)
    root = link(a, b)
    await add(uow_factory, root)
    with pytest.raises(Conflict):
        await add(uow_factory, root)


async def test_unknown_agent_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    """A link to an agent that does not exist is refused by the store (a foreign key)."""
    a, _, _ = await three_agents(uow_factory)
    ghost = make_agent(organization_id=a.organization_id, id=AgentId(random_id()))
    with pytest.raises(Exception):  # noqa: B017, PT011 - AgentNotFound or the driver's error
        await add(uow_factory, link(a, ghost))
    async with uow_factory() as uow:
        assert await uow.delegations.find(a.organization_id, a.id, ghost.id, None) == []
