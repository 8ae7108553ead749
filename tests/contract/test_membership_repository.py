"""Contract of MembershipRepository (through UnitOfWork) for every backend."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from agentidp.adapters.memory.memberships import InMemoryMembershipRepository
from agentidp.adapters.postgres.memberships import PostgresMembershipRepository
from agentidp.adapters.sqlite.memberships import SqliteMembershipRepository
from agentidp.application.errors import AgentNotFound, AlreadyMember, ConcurrentUpdate
from agentidp.application.ports.repositories import MembershipRepository, Page
from agentidp.application.ports.unit_of_work import UnitOfWorkFactory
from agentidp.domain.agent import Agent, AgentStatus
from agentidp.domain.ids import AgentId, OrganizationId
from agentidp.domain.membership import MemberRole, Membership, MembershipId
from agentidp.domain.organization import Organization
from tests.builders import NOW, make_agent, make_organization, random_id

from .support import save


def _conformance(
    memory: InMemoryMembershipRepository,
    sqlite: SqliteMembershipRepository,
    postgres: PostgresMembershipRepository,
) -> None:
    """Never called: mypy checks each adapter against the port (STYLE §6)."""
    _memory: MembershipRepository = memory
    _sqlite: MembershipRepository = sqlite
    _postgres: MembershipRepository = postgres


def membership_of(
    agent: Agent, role: MemberRole = MemberRole.MEMBER, joined_at: datetime = NOW
) -> Membership:
    """A membership of ``agent`` in its own organization."""
    return Membership.create(
        id=MembershipId(random_id()),
        organization_id=agent.organization_id,
        agent_id=agent.id,
        role=role,
        now=joined_at,
    )


async def organization_with_agents(
    uow_factory: UnitOfWorkFactory, count: int
) -> tuple[Organization, list[Agent]]:
    """A committed organization and ``count`` committed agents of it."""
    organization = make_organization()
    agents = [make_agent(organization_id=organization.id) for _ in range(count)]
    await save(uow_factory, organization, *agents)
    return organization, agents


async def add(uow_factory: UnitOfWorkFactory, *memberships: Membership) -> None:
    async with uow_factory() as uow:
        for membership in memberships:
            await uow.memberships.add(membership)
        await uow.commit()


async def test_add_then_get(uow_factory: UnitOfWorkFactory) -> None:
    """A committed membership reads back equal by (organization, agent)."""
    _, [agent] = await organization_with_agents(uow_factory, 1)
    membership = membership_of(agent, MemberRole.ADMIN)

    await add(uow_factory, membership)
    async with uow_factory() as uow:
        found = await uow.memberships.get(agent.organization_id, agent.id)
        elsewhere = await uow.memberships.get(OrganizationId(random_id()), agent.id)

    assert found == membership
    assert elsewhere is None


async def test_nothing_is_visible_before_commit(uow_factory: UnitOfWorkFactory) -> None:
    """A staged membership is not read back, and is gone after leaving without commit."""
    _, [agent] = await organization_with_agents(uow_factory, 1)

    async with uow_factory() as uow:
        await uow.memberships.add(membership_of(agent))
        assert await uow.memberships.get(agent.organization_id, agent.id) is None
    async with uow_factory() as uow:
        assert await uow.memberships.get(agent.organization_id, agent.id) is None


async def test_a_second_membership_is_already_member_and_applies_nothing(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """(organization, agent) is unique; the failed commit keeps none of its changes."""
    organization, [agent, bystander] = await organization_with_agents(uow_factory, 2)
    await add(uow_factory, membership_of(agent))

    async with uow_factory() as uow:
        await uow.memberships.add(membership_of(bystander))
        await uow.memberships.add(membership_of(agent, MemberRole.ADMIN))
        with pytest.raises(AlreadyMember):
            await uow.commit()
    async with uow_factory() as uow:
        kept = await uow.memberships.get(organization.id, agent.id)
        assert await uow.memberships.get(organization.id, bystander.id) is None

    assert kept is not None
    assert kept.role is MemberRole.MEMBER


async def test_an_unknown_agent_cannot_be_a_member(uow_factory: UnitOfWorkFactory) -> None:
    """The agent must exist (a foreign key)."""
    organization = make_organization()
    await save(uow_factory, organization)
    ghost = make_agent(organization_id=organization.id)

    async with uow_factory() as uow:
        await uow.memberships.add(membership_of(ghost))
        with pytest.raises(AgentNotFound):
            await uow.commit()


async def test_list_is_per_organization_oldest_first_and_paged(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """Only the organization's memberships, by joined_at then id, with the total."""
    organization, agents = await organization_with_agents(uow_factory, 5)
    _, [stranger] = await organization_with_agents(uow_factory, 1)
    memberships = [
        membership_of(agent, joined_at=NOW + timedelta(seconds=n % 2))
        for n, agent in enumerate(agents)
    ]
    await add(uow_factory, *memberships, membership_of(stranger))
    oldest_first = sorted(memberships, key=lambda m: (m.joined_at, m.id))

    async with uow_factory() as uow:
        pages = [await uow.memberships.list(organization.id, Page(n, 2)) for n in (1, 2, 3, 4)]

    assert [list(items) for items, _ in pages] == [
        oldest_first[0:2],
        oldest_first[2:4],
        oldest_first[4:5],
        [],
    ]
    assert {total for _, total in pages} == {5}


async def test_remove_then_remove_again(uow_factory: UnitOfWorkFactory) -> None:
    """A removed membership is gone; removing it twice is a ConcurrentUpdate."""
    _, [agent] = await organization_with_agents(uow_factory, 1)
    membership = membership_of(agent)
    await add(uow_factory, membership)

    async with uow_factory() as uow:
        await uow.memberships.remove(membership)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.memberships.get(agent.organization_id, agent.id) is None
        await uow.memberships.remove(membership)
        with pytest.raises(ConcurrentUpdate):
            await uow.commit()


async def test_agent_with_role_reads_agent_role_and_organization_status(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """One read gives the agent, its role in its own organization (None: not a member) and
    whether that organization is active; unknown agents are None."""
    organization, [admin, plain] = await organization_with_agents(uow_factory, 2)
    await add(uow_factory, membership_of(admin, MemberRole.ADMIN))

    async with uow_factory() as uow:
        as_admin = await uow.memberships.agent_with_role(admin.id)
        as_plain = await uow.memberships.agent_with_role(plain.id)
        unknown = await uow.memberships.agent_with_role(AgentId(random_id()))

    assert as_admin is not None
    assert as_plain is not None
    assert (as_admin.agent, as_admin.role, as_admin.organization_active) == (
        admin,
        MemberRole.ADMIN,
        True,
    )
    assert (as_plain.agent, as_plain.role) == (plain, None)
    assert unknown is None

    async with uow_factory() as uow:
        await uow.organizations.update(organization.update({"status": "suspended"}, now=NOW))
        await uow.commit()
    async with uow_factory() as uow:
        suspended = await uow.memberships.agent_with_role(admin.id)

    assert suspended is not None
    assert suspended.organization_active is False


async def test_a_membership_in_another_organization_is_not_the_agents_role(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """agent_with_role reports the role in the agent's *own* organization only."""
    _, [agent] = await organization_with_agents(uow_factory, 1)
    other = make_organization()
    await save(uow_factory, other)
    foreign = Membership.create(
        id=MembershipId(random_id()),
        organization_id=other.id,
        agent_id=agent.id,
        role=MemberRole.ADMIN,
        now=NOW,
    )
    await add(uow_factory, foreign)

    async with uow_factory() as uow:
        found = await uow.memberships.agent_with_role(agent.id)

    assert found is not None
    assert found.role is None
    assert found.agent.status is AgentStatus.ACTIVE
