"""Contract of AuditLog (through UnitOfWork) for every backend."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from agentidp.application.errors import AgentAlreadyExists, Conflict
from agentidp.application.ports.repositories import AuditFilter, Page
from agentidp.application.ports.unit_of_work import UnitOfWorkFactory
from agentidp.domain.audit import GENESIS_HASH, AuditAction, Outcome, verify_chain
from agentidp.domain.ids import AuditEventId, OrganizationId
from tests.builders import NOW, make_agent, make_audit_event, make_organization, random_id

from .support import save


async def test_appended_events_form_a_verifiable_chain(uow_factory: UnitOfWorkFactory) -> None:
    """Events from several commits are linked in commit order from the genesis hash."""
    batches = [[make_audit_event() for _ in range(size)] for size in (1, 3, 2)]

    for batch in batches:
        await save(uow_factory, *batch)
    async with uow_factory() as uow:
        chain = await uow.audit.chain()

    assert [stored.event for stored in chain] == [event for batch in batches for event in batch]
    assert chain[0].previous_hash == GENESIS_HASH
    assert verify_chain(chain).verified
    assert verify_chain(chain).checked_count == 6


async def test_get_round_trips_an_event(uow_factory: UnitOfWorkFactory) -> None:
    """A stored event reads back equal, with its links; unknown ids read as None."""
    event = make_audit_event(
        occurred_at=NOW + timedelta(microseconds=42),
        organization_id=None,
        actor_id=None,
        agent_id=None,
        ip_address=None,
        user_agent=None,
        metadata={"reason": "unknown client", "attempt": 3, "nested": {"ok": False}},
    )

    await save(uow_factory, event)
    async with uow_factory() as uow:
        stored = await uow.audit.get(event.id)
        missing = await uow.audit.get(AuditEventId(random_id()))

    assert stored is not None
    assert stored.event == event
    assert stored.previous_hash == GENESIS_HASH
    assert verify_chain([stored]).verified
    assert missing is None


async def test_query_is_tenant_scoped_newest_first_and_paged(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """A query sees one organization's events in reverse chain order, a page at a time."""
    organization_id = OrganizationId(random_id())
    mine = [make_audit_event(organization_id=organization_id) for _ in range(5)]
    for event in mine:
        await save(uow_factory, event, make_audit_event(organization_id=random_id()))

    async with uow_factory() as uow:
        pages = [
            await uow.audit.query(AuditFilter(organization_id), Page(number, 2))
            for number in (1, 2, 3)
        ]

    assert [[stored.event.id for stored in page] for page, _ in pages] == [
        [mine[4].id, mine[3].id],
        [mine[2].id, mine[1].id],
        [mine[0].id],
    ]
    assert {total for _, total in pages} == {5}


async def test_query_filters_narrow_the_matches(uow_factory: UnitOfWorkFactory) -> None:
    """Agent, action, outcome and the inclusive time bounds each narrow the result."""
    organization_id = OrganizationId(random_id())
    agent_id = random_id()
    by_agent = make_audit_event(organization_id=organization_id, agent_id=agent_id)
    failed = make_audit_event(
        organization_id=organization_id, action=AuditAction.AUTH_FAILED, outcome=Outcome.FAILURE
    )
    early = make_audit_event(organization_id=organization_id, occurred_at=NOW - timedelta(hours=1))
    late = make_audit_event(organization_id=organization_id, occurred_at=NOW + timedelta(hours=1))
    await save(uow_factory, by_agent, failed, early, late)

    async def ids(**criteria: object) -> tuple[set[str], int]:
        async with uow_factory() as uow:
            found, total = await uow.audit.query(
                AuditFilter(organization_id, **criteria),  # type: ignore[arg-type]
                Page(1, 50),
            )
        return {stored.event.id for stored in found}, total

    assert await ids(agent_id=agent_id) == ({by_agent.id}, 1)
    assert await ids(action=AuditAction.AUTH_FAILED) == ({failed.id}, 1)
    assert await ids(outcome=Outcome.FAILURE) == ({failed.id}, 1)
    assert await ids(since=NOW + timedelta(hours=1)) == ({late.id}, 1)
    assert await ids(until=NOW - timedelta(hours=1)) == ({early.id}, 1)
    assert await ids(since=NOW, until=NOW) == ({by_agent.id, failed.id}, 2)


async def test_chain_can_be_limited_to_a_time_range(uow_factory: UnitOfWorkFactory) -> None:
    """chain(since, until) keeps chain order and includes both bounds."""
    events = [make_audit_event(occurred_at=NOW + timedelta(minutes=i)) for i in range(4)]
    await save(uow_factory, *events)

    async with uow_factory() as uow:
        middle = await uow.audit.chain(NOW + timedelta(minutes=1), NOW + timedelta(minutes=2))

    assert [stored.event for stored in middle] == events[1:3]
    assert verify_chain(middle, expected_previous=None).verified


async def test_failed_commit_leaves_the_chain_untouched(uow_factory: UnitOfWorkFactory) -> None:
    """An event of a unit of work that fails is not linked; the next one links to the old head."""
    organization = make_organization()
    agent = make_agent(organization_id=organization.id)
    await save(uow_factory, organization, agent, make_audit_event())

    async with uow_factory() as uow:
        await uow.agents.add(make_agent(organization_id=organization.id, email=agent.email))
        await uow.audit.append(make_audit_event())
        with pytest.raises(AgentAlreadyExists):
            await uow.commit()
    await save(uow_factory, make_audit_event())

    async with uow_factory() as reader:
        chain = await reader.audit.chain()
    assert len(chain) == 2
    assert verify_chain(chain).verified


async def test_duplicate_event_id_conflicts(uow_factory: UnitOfWorkFactory) -> None:
    """An event id can be stored only once."""
    event = make_audit_event()
    await save(uow_factory, event)

    async with uow_factory() as uow:
        await uow.audit.append(event)
        with pytest.raises(Conflict):
            await uow.commit()


async def test_concurrent_appends_never_fork_the_chain(uow_factory: UnitOfWorkFactory) -> None:
    """Fifty units of work committing at once yield one chain of fifty verified events."""
    events = [make_audit_event() for _ in range(50)]

    async def append(event: object) -> None:
        await save(uow_factory, event)

    await asyncio.gather(*(append(event) for event in events))
    async with uow_factory() as uow:
        chain = await uow.audit.chain()

    verification = verify_chain(chain)
    assert verification.verified
    assert verification.checked_count == 50
    assert {stored.event.id for stored in chain} == {event.id for event in events}
