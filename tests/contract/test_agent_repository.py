"""Contract of AgentRepository (through UnitOfWork) for every backend."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest

from agentidp.application.errors import (
    AgentAlreadyExists,
    ConcurrentUpdate,
    OrganizationNotFound,
)
from agentidp.application.ports.repositories import AgentFilter, Page
from agentidp.application.ports.unit_of_work import UnitOfWorkFactory
from agentidp.domain.agent import AgentStatus
from agentidp.domain.ids import AgentId, OrganizationId
from tests.builders import NOW, make_agent, make_audit_event, make_organization, random_id

from .support import save


@pytest.fixture
async def organization_id(uow_factory: UnitOfWorkFactory) -> OrganizationId:
    """A committed organization to put agents in."""
    organization = make_organization()
    await save(uow_factory, organization)
    return organization.id


async def test_add_then_get_round_trips_every_field(
    uow_factory: UnitOfWorkFactory, organization_id: OrganizationId
) -> None:
    """A committed agent comes back equal in every field, instants included."""
    paris = timezone(timedelta(hours=1))
    agent = make_agent(
        organization_id=organization_id,
        now=(NOW + timedelta(microseconds=123456)).astimezone(paris),
        metadata={"team": "ünïcode ✓", "limits": {"rps": 2.5, "burst": 10}, "tags": ["a", None]},
    )
    agent.suspend(now=agent.created_at + timedelta(microseconds=1))

    await save(uow_factory, agent)
    async with uow_factory() as uow:
        loaded = await uow.agents.get(agent.id)

    assert loaded == agent
    assert loaded is not None
    assert loaded.created_at.utcoffset() is not None
    assert loaded.updated_at - loaded.created_at == timedelta(microseconds=1)


async def test_get_unknown_returns_none(uow_factory: UnitOfWorkFactory) -> None:
    """An id that was never stored reads as None."""
    async with uow_factory() as uow:
        assert await uow.agents.get(AgentId(random_id())) is None


async def test_reads_do_not_see_staged_writes(
    uow_factory: UnitOfWorkFactory, organization_id: OrganizationId
) -> None:
    """Neither the staging unit of work nor another one sees an add before commit."""
    agent = make_agent(organization_id=organization_id)

    async with uow_factory() as uow, uow_factory() as other:
        await uow.agents.add(agent)
        seen_by_self = await uow.agents.get(agent.id)
        seen_by_other = await other.agents.get(agent.id)
        await uow.commit()
        seen_after_commit = await other.agents.get(agent.id)

    assert seen_by_self is None
    assert seen_by_other is None
    assert seen_after_commit == agent


async def test_leaving_without_commit_discards_staged_changes(
    uow_factory: UnitOfWorkFactory, organization_id: OrganizationId
) -> None:
    """Exiting the context without commit applies nothing, not even at a later commit."""
    agent = make_agent(organization_id=organization_id)

    async with uow_factory() as uow:
        await uow.agents.add(agent)
    await uow.commit()

    async with uow_factory() as reader:
        assert await reader.agents.get(agent.id) is None


async def test_rollback_discards_staged_changes(
    uow_factory: UnitOfWorkFactory, organization_id: OrganizationId
) -> None:
    """An explicit rollback drops what was staged; later stages still commit."""
    dropped, kept = (
        make_agent(organization_id=organization_id),
        make_agent(organization_id=organization_id),
    )

    async with uow_factory() as uow:
        await uow.agents.add(dropped)
        await uow.rollback()
        await uow.agents.add(kept)
        await uow.commit()

    async with uow_factory() as reader:
        assert await reader.agents.get(dropped.id) is None
        assert await reader.agents.get(kept.id) == kept


async def test_returned_agents_are_private_copies(
    uow_factory: UnitOfWorkFactory, organization_id: OrganizationId
) -> None:
    """Changing a loaded or a staged agent changes nothing stored until update and commit."""
    agent = make_agent(organization_id=organization_id, metadata={"nested": {"k": 1}})
    async with uow_factory() as uow:
        await uow.agents.add(agent)
        agent.metadata["nested"]["k"] = 2  # after add: must not leak into the commit
        await uow.commit()

    async with uow_factory() as uow:
        loaded = await uow.agents.get(agent.id)
        assert loaded is not None
        loaded.owner = "someone-else"
        loaded.metadata["nested"]["k"] = 3
        reloaded = await uow.agents.get(agent.id)

    assert reloaded is not None
    assert reloaded.owner == agent.owner
    assert reloaded.metadata == {"nested": {"k": 1}}


async def test_duplicate_email_fails_the_whole_commit(
    uow_factory: UnitOfWorkFactory, organization_id: OrganizationId
) -> None:
    """An email taken in another case raises AgentAlreadyExists and nothing of that unit of
    work is applied, its audit event included."""
    await save(uow_factory, make_agent(organization_id=organization_id, email="scout@example.com"))
    innocent = make_agent(organization_id=organization_id)
    duplicate = make_agent(organization_id=organization_id)
    duplicate.email = "Scout@Example.COM"  # bypasses the domain's lower-casing on purpose
    event = make_audit_event(organization_id=organization_id)

    async with uow_factory() as uow:
        await uow.agents.add(innocent)
        await uow.agents.add(duplicate)
        await uow.audit.append(event)
        with pytest.raises(AgentAlreadyExists):
            await uow.commit()

    async with uow_factory() as reader:
        assert await reader.agents.get(innocent.id) is None
        assert await reader.agents.get(duplicate.id) is None
        assert await reader.audit.get(event.id) is None
        assert len(await reader.audit.chain()) == 0


async def test_duplicate_email_within_one_unit_of_work_conflicts(
    uow_factory: UnitOfWorkFactory, organization_id: OrganizationId
) -> None:
    """Two staged agents with the same email conflict at commit."""
    first = make_agent(organization_id=organization_id, email="twin@example.com")
    second = make_agent(organization_id=organization_id, email="twin@example.com")

    async with uow_factory() as uow:
        await uow.agents.add(first)
        await uow.agents.add(second)
        with pytest.raises(AgentAlreadyExists):
            await uow.commit()

    async with uow_factory() as reader:
        assert await reader.agents.get(first.id) is None


async def test_agent_of_unknown_organization_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    """An agent must belong to a stored organization."""
    agent = make_agent()

    async with uow_factory() as uow:
        await uow.agents.add(agent)
        with pytest.raises(OrganizationNotFound):
            await uow.commit()


async def test_update_persists_changes_and_bumps_the_revision(
    uow_factory: UnitOfWorkFactory, organization_id: OrganizationId
) -> None:
    """A committed update is visible and the stored revision is the loaded one plus one."""
    agent = make_agent(organization_id=organization_id)
    await save(uow_factory, agent)

    async with uow_factory() as uow:
        loaded = await uow.agents.get(agent.id)
        assert loaded is not None
        loaded.update({"owner": "team-b", "scopes": ["agents:write"]}, now=NOW + timedelta(1))
        await uow.agents.update(loaded)
        await uow.commit()
    async with uow_factory() as reader:
        stored = await reader.agents.get(agent.id)

    assert stored is not None
    assert (stored.owner, stored.scopes) == ("team-b", frozenset({"agents:write"}))
    assert stored.updated_at == NOW + timedelta(1)
    assert stored.revision == agent.revision + 1


async def test_stale_revision_raises_concurrent_update(
    uow_factory: UnitOfWorkFactory, organization_id: OrganizationId
) -> None:
    """Of two updates from the same loaded revision, the second to commit loses."""
    agent = make_agent(organization_id=organization_id)
    await save(uow_factory, agent)
    async with uow_factory() as first, uow_factory() as second:
        mine, theirs = await first.agents.get(agent.id), await second.agents.get(agent.id)
        assert mine is not None
        assert theirs is not None
        mine.suspend(now=NOW)
        theirs.update({"owner": "team-c"}, now=NOW)
        await first.agents.update(mine)
        await second.agents.update(theirs)
        await first.commit()

        with pytest.raises(ConcurrentUpdate):
            await second.commit()

    async with uow_factory() as reader:
        stored = await reader.agents.get(agent.id)
    assert stored is not None
    assert (stored.status, stored.owner, stored.revision) == (AgentStatus.SUSPENDED, agent.owner, 2)


async def test_update_of_a_missing_agent_raises_concurrent_update(
    uow_factory: UnitOfWorkFactory, organization_id: OrganizationId
) -> None:
    """Updating an agent that was never stored matches no revision."""
    async with uow_factory() as uow:
        await uow.agents.update(make_agent(organization_id=organization_id))
        with pytest.raises(ConcurrentUpdate):
            await uow.commit()


async def test_two_updates_from_one_revision_in_one_unit_of_work_conflict(
    uow_factory: UnitOfWorkFactory, organization_id: OrganizationId
) -> None:
    """The second staged update of the same loaded revision is stale by commit time."""
    agent = make_agent(organization_id=organization_id)
    await save(uow_factory, agent)

    async with uow_factory() as uow:
        loaded = await uow.agents.get(agent.id)
        assert loaded is not None
        await uow.agents.update(loaded)
        await uow.agents.update(loaded)
        with pytest.raises(ConcurrentUpdate):
            await uow.commit()


async def test_list_is_tenant_scoped_newest_first_with_total(
    uow_factory: UnitOfWorkFactory, organization_id: OrganizationId
) -> None:
    """Listing returns only the organization's agents, by created_at then id descending."""
    other = make_organization()
    agents = [
        make_agent(organization_id=organization_id, now=NOW + timedelta(seconds=i))
        for i in range(3)
    ]
    tied = [
        make_agent(organization_id=organization_id, now=NOW + timedelta(seconds=3))
        for _ in range(2)
    ]
    await save(uow_factory, other, *agents, *tied, make_agent(organization_id=other.id))

    async with uow_factory() as uow:
        listed, total = await uow.agents.list(AgentFilter(organization_id), Page(1, 10))

    expected = sorted(tied, key=lambda a: a.id, reverse=True) + agents[::-1]
    assert [a.id for a in listed] == [a.id for a in expected]
    assert listed == expected
    assert total == 5


async def test_list_pages_through_matches(
    uow_factory: UnitOfWorkFactory, organization_id: OrganizationId
) -> None:
    """Pages partition the ordered matches and every page reports the same total."""
    agents = [
        make_agent(organization_id=organization_id, now=NOW + timedelta(seconds=i))
        for i in range(5)
    ]
    await save(uow_factory, *agents)

    async with uow_factory() as uow:
        pages = [
            await uow.agents.list(AgentFilter(organization_id), Page(n, 2)) for n in (1, 2, 3, 4)
        ]

    assert [[a.id for a in page] for page, _ in pages] == [
        [agents[4].id, agents[3].id],
        [agents[2].id, agents[1].id],
        [agents[0].id],
        [],
    ]
    assert {total for _, total in pages} == {5}


async def test_list_filters_narrow_the_matches(
    uow_factory: UnitOfWorkFactory, organization_id: OrganizationId
) -> None:
    """Owner (exact), agent type and status filters each narrow the listing and its total."""
    plain = make_agent(organization_id=organization_id)
    owned = make_agent(organization_id=organization_id, owner="team-z")
    typed = make_agent(organization_id=organization_id, agent_type="router")
    suspended = make_agent(organization_id=organization_id)
    suspended.suspend(now=NOW)
    await save(uow_factory, plain, owned, typed, suspended)

    async def ids(**criteria: object) -> tuple[set[str], int]:
        async with uow_factory() as uow:
            found, total = await uow.agents.list(
                AgentFilter(organization_id, **criteria),  # type: ignore[arg-type]
                Page(1, 50),
            )
        return {agent.id for agent in found}, total

    assert await ids(owner="team-z") == ({owned.id}, 1)
    assert await ids(owner="team") == (set(), 0)
    assert await ids(agent_type="router") == ({typed.id}, 1)
    assert await ids(status=AgentStatus.SUSPENDED) == ({suspended.id}, 1)
    assert await ids(status=AgentStatus.ACTIVE, owner=plain.owner) == ({plain.id, typed.id}, 2)
