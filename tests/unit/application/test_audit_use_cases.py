"""Audit use cases: query the caller organization's events, read one, verify the hash chain."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from usecase_world import START

from agentidp.application.commands import (
    ChangeAgentStatus,
    GetAuditEvent,
    IssueToken,
    QueryAudit,
    VerifyAuditChain,
)
from agentidp.application.errors import (
    AuditEventNotFound,
    InvalidClient,
    InvalidRequest,
    RetentionWindowExceeded,
)
from agentidp.application.principal import Principal
from agentidp.domain.audit import AuditAction, Outcome


def _tamper(world, event_id):
    """Alter one stored event's content in place, keeping its stored hash.

    NOTE: the ``AuditLog`` port is append-only by design (no update, no delete), so no use
    case can alter an event. To see what verification reports after someone edits the table
    behind the IdP's back, the test edits the memory store's chain list directly, which is
    what such an edit looks like to this adapter.
    """
    chain = world.store.audit_chain
    index = next(i for i, stored in enumerate(chain) if stored.event.id == event_id)
    stored = chain[index]
    chain[index] = replace(stored, event=replace(stored.event, metadata={"tampered": True}))


async def _history(world, tenant):
    """A small history at distinct minutes: register, suspend, a failed grant."""
    agent = await world.register(tenant.principal)
    world.clock.advance(60)
    await world.run.suspend_agent(ChangeAgentStatus(tenant.principal, agent.id))
    world.clock.advance(60)
    with pytest.raises(InvalidClient):
        await world.run.issue_token(IssueToken(agent.id, "sk_live_" + "0" * 64))
    world.clock.advance(60)
    return agent


# -- query --------------------------------------------------------------------------------------


async def test_query_returns_only_the_callers_organization_newest_first(
    world, tenant, other_tenant
):
    """Without filters the query lists the caller organization's events, newest first, and
    none of another organization's."""
    await _history(world, tenant)
    await _history(world, other_tenant)
    own = [e for e in await world.chain() if e.event.organization_id == tenant.organization_id]

    page = await world.run.query_audit(QueryAudit(tenant.principal, limit=100))

    assert [e.event.id for e in page.items] == [e.event.id for e in reversed(own)]
    assert page.total == len(own)
    assert {e.event.organization_id for e in page.items} == {tenant.organization_id}


async def test_query_filters_by_agent_action_outcome_and_dates(world, tenant):
    """Each filter narrows the result to the matching events."""
    agent = await _history(world, tenant)
    use_case = world.run.query_audit

    by_agent = await use_case(QueryAudit(tenant.principal, agent_id=agent.id))
    suspended = await use_case(QueryAudit(tenant.principal, action="agent.suspended"))
    failures = await use_case(QueryAudit(tenant.principal, outcome="failure"))
    window = await use_case(QueryAudit(tenant.principal, from_date=START + timedelta(seconds=30),
                                       to_date=START + timedelta(seconds=90)))

    assert [e.event.action for e in by_agent.items] == [
        AuditAction.AUTH_FAILED, AuditAction.AGENT_SUSPENDED, AuditAction.AGENT_CREATED]
    assert [e.event.agent_id for e in suspended.items] == [agent.id]
    assert [e.event.outcome for e in failures.items] == [Outcome.FAILURE]
    assert [e.event.action for e in window.items] == [AuditAction.AGENT_SUSPENDED]


async def test_query_pages_through_the_events(world, tenant):
    """Page and limit slice the newest-first list; ``total`` counts every match."""
    await _history(world, tenant)
    everything = (await world.run.query_audit(QueryAudit(tenant.principal))).items

    pages = [await world.run.query_audit(QueryAudit(tenant.principal, page=n, limit=2))
             for n in (1, 2, 3, 4)]

    assert [e.event.id for p in pages for e in p.items] == [e.event.id for e in everything]
    sizes = [min(2, max(0, len(everything) - 2 * n)) for n in range(4)]
    assert [len(p.items) for p in pages] == sizes
    assert sizes[-1] < 2  # the pages reach past the end
    assert {p.total for p in pages} == {len(everything)}


@pytest.mark.parametrize("command", [
    {"page": 0}, {"limit": 0}, {"limit": 101}, {"action": "agent.deleted"},
    {"outcome": "maybe"},
])
async def test_query_refuses_bad_paging_and_unknown_filters(world, tenant, command):
    """Out-of-range paging and unknown action or outcome values are InvalidRequest."""

    with pytest.raises(InvalidRequest):
        await world.run.query_audit(QueryAudit(tenant.principal, **command))


async def test_query_from_before_the_retention_window_is_refused(world, tenant):
    """A ``from_date`` older than 90 days is RetentionWindowExceeded; exactly 90 days is fine."""
    world.clock.advance(timedelta(days=200).total_seconds())
    now = world.clock.now()
    use_case = world.run.query_audit

    with pytest.raises(RetentionWindowExceeded) as refused:
        await use_case(QueryAudit(tenant.principal,
                                  from_date=now - timedelta(days=90, microseconds=1)))
    page = await use_case(QueryAudit(tenant.principal, from_date=now - timedelta(days=90)))

    assert refused.value.details["retentionDays"] == 90
    assert page.total == 0


async def test_query_leaves_out_events_older_than_the_retention_window(world, tenant):
    """Without dates the query covers the retention window only: older events drop out."""
    await _history(world, tenant)
    world.clock.advance(timedelta(days=90).total_seconds())
    recent = await world.register(tenant.principal)

    page = await world.run.query_audit(QueryAudit(tenant.principal))

    assert [e.event.agent_id for e in page.items] == [recent.id]


async def test_query_with_from_after_to_is_refused(world, tenant):
    """``from_date`` after ``to_date`` is an InvalidRequest."""

    with pytest.raises(InvalidRequest):
        await world.run.query_audit(QueryAudit(
            tenant.principal, from_date=START, to_date=START - timedelta(seconds=1)))


async def test_query_with_a_naive_date_is_a_validation_error(world, tenant):
    """A date without a timezone is refused as InvalidRequest, not a crash."""

    with pytest.raises(InvalidRequest):
        await world.run.query_audit(
            QueryAudit(tenant.principal, from_date=START.replace(tzinfo=None)))


# -- get ----------------------------------------------------------------------------------------


async def test_get_returns_an_event_of_the_callers_organization(world, tenant):
    """An own event comes back exactly as stored in the chain."""
    [stored] = [e for e in await world.chain() if e.event.action is AuditAction.AGENT_CREATED]

    found = await world.run.get_audit_event(GetAuditEvent(tenant.principal,
                                                                  stored.event.id))

    assert found == stored


async def test_get_a_foreign_event_is_not_found(world, tenant, other_tenant):
    """Another organization's event is indistinguishable from a missing one."""
    foreign = next(e for e in await world.chain()
                   if e.event.organization_id == other_tenant.organization_id)

    with pytest.raises(AuditEventNotFound):
        await world.run.get_audit_event(GetAuditEvent(tenant.principal, foreign.event.id))


async def test_get_an_event_without_organization_is_not_found(world, tenant):
    """Events of unknown tenants (failed grants of unknown clients) belong to nobody."""
    with pytest.raises(InvalidClient):
        await world.issue("c8f5e1d2-3b4a-4c6d-9e8f-7a6b5c4d3e2f", "sk_live_" + "1" * 64)
    orphan = (await world.chain())[-1]

    with pytest.raises(AuditEventNotFound):
        await world.run.get_audit_event(GetAuditEvent(tenant.principal, orphan.event.id))


@pytest.mark.parametrize("event_id", ["4e3d2c1b-0a9f-4e8d-b7c6-a5b4c3d2e1f0", "nope", ""])
async def test_get_an_unknown_event_is_not_found(world, tenant, event_id):
    """Unknown and malformed event ids are AuditEventNotFound."""

    with pytest.raises(AuditEventNotFound):
        await world.run.get_audit_event(GetAuditEvent(tenant.principal, event_id))


async def test_get_an_event_older_than_the_retention_window_is_not_found(world, tenant):
    """Past the retention window an event is no longer served."""
    stored = (await world.chain())[0]
    world.clock.advance(timedelta(days=90, seconds=1).total_seconds())

    with pytest.raises(AuditEventNotFound):
        await world.run.get_audit_event(GetAuditEvent(tenant.principal, stored.event.id))


# -- verify -------------------------------------------------------------------------------------


async def test_verify_an_intact_chain_counts_every_event(world, tenant, other_tenant):
    """An untouched chain is verified, with every event of the deployment checked."""
    await _history(world, tenant)
    await _history(world, other_tenant)

    result = await world.run.verify_audit_chain(VerifyAuditChain(tenant.principal))

    assert result.verified is True
    assert result.checked_count == await world.chain_length()
    assert result.broken_at is None


async def test_verify_a_date_range_checks_only_the_events_in_it(world, tenant):
    """A range starting mid-chain trusts its first link and counts only the events inside."""
    await _history(world, tenant)
    inside = [e for e in await world.chain()
              if START + timedelta(seconds=30) <= e.event.occurred_at <= START + timedelta(
                  seconds=150)]

    result = await world.run.verify_audit_chain(VerifyAuditChain(
        tenant.principal, from_date=START + timedelta(seconds=30),
        to_date=START + timedelta(seconds=150)))

    assert (result.verified, result.checked_count) == (True, len(inside))
    assert len(inside) == 2


async def test_verify_with_from_after_to_is_refused(world, tenant):
    """``from_date`` after ``to_date`` is an InvalidRequest."""

    with pytest.raises(InvalidRequest):
        await world.run.verify_audit_chain(VerifyAuditChain(
            tenant.principal, from_date=START + timedelta(seconds=1), to_date=START))


async def test_verify_reports_the_first_broken_event_of_the_callers_organization(world, tenant):
    """An altered own event makes the chain unverified at that event's id."""
    agent = await _history(world, tenant)
    chain = await world.chain()
    victim = next(e for e in chain if e.event.action is AuditAction.AGENT_SUSPENDED
                  and e.event.agent_id == agent.id)
    position = [e.event.id for e in chain].index(victim.event.id)
    _tamper(world, victim.event.id)

    result = await world.run.verify_audit_chain(VerifyAuditChain(tenant.principal))

    assert (result.verified, result.checked_count, result.broken_at) == (
        False, position, victim.event.id)


async def test_verify_hides_the_id_of_a_broken_foreign_event(world, tenant, other_tenant):
    """A break inside another organization's events is reported as unverified without its id."""
    await _history(world, other_tenant)
    chain = await world.chain()
    victim = next(e for e in chain if e.event.organization_id == other_tenant.organization_id
                  and e.event.action is AuditAction.AGENT_SUSPENDED)
    position = [e.event.id for e in chain].index(victim.event.id)
    _tamper(world, victim.event.id)

    mine = await world.run.verify_audit_chain(VerifyAuditChain(tenant.principal))
    theirs = await world.run.verify_audit_chain(VerifyAuditChain(other_tenant.principal))

    assert (mine.verified, mine.checked_count, mine.broken_at) == (False, position, None)
    assert (theirs.verified, theirs.broken_at) == (False, victim.event.id)


async def test_verify_detects_a_removed_event(world, tenant):
    """Deleting an event breaks the link of the one after it."""
    await _history(world, tenant)
    chain = world.store.audit_chain
    follower = chain[-1]
    del chain[-2]  # NOTE: direct store edit, for the same reason as _tamper

    result = await world.run.verify_audit_chain(VerifyAuditChain(tenant.principal))

    assert (result.verified, result.broken_at) == (False, follower.event.id)


async def test_verify_reports_the_head_and_an_anchor_catches_tail_truncation(world, tenant):
    """The report names the newest event's hash; verifying later against that anchor fails
    once the newest events were cut off, though the shorter chain still links correctly."""
    await _history(world, tenant)
    anchor = await world.run.verify_audit_chain(VerifyAuditChain(tenant.principal))
    chain = world.store.audit_chain
    assert anchor.head_hash == chain[-1].hash

    del chain[-1]  # NOTE: direct store edit, for the same reason as _tamper
    unanchored = await world.run.verify_audit_chain(VerifyAuditChain(tenant.principal))
    anchored = await world.run.verify_audit_chain(
        VerifyAuditChain(tenant.principal, expected_head=anchor.head_hash)
    )

    assert unanchored.verified
    assert (anchored.verified, anchored.broken_at, anchored.head_hash) == (False, None, None)


async def test_the_deployment_operator_sees_the_id_of_any_broken_event(world, tenant, other_tenant):
    """The local operator's view of the deployment-wide chain hides nothing."""
    await _history(world, other_tenant)
    victim = next(e for e in await world.chain() if e.event.action is AuditAction.AGENT_SUSPENDED)
    _tamper(world, victim.event.id)

    result = await world.run.verify_audit_chain(
        VerifyAuditChain(Principal.deployment_operator())
    )

    assert (result.verified, result.broken_at) == (False, victim.event.id)
