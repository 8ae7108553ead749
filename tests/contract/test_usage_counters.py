"""Contract of UsageCounters (``uow.usage``) for every backend: agents follow the agents
themselves, tokens are counted per month, and the limits are checked at commit."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from agentidp.adapters.memory.usage import InMemoryUsageCounters
from agentidp.adapters.postgres.usage import PostgresUsageCounters
from agentidp.adapters.sqlite.usage import SqliteUsageCounters
from agentidp.application.errors import AgentLimitReached, TokenQuotaExhausted
from agentidp.application.ports.unit_of_work import UnitOfWorkFactory
from agentidp.application.ports.usage import UsageCounters
from agentidp.domain.agent import AgentStatus
from agentidp.domain.ids import OrganizationId
from tests.builders import NOW, make_agent, make_audit_event, make_organization

from .support import save

# Conformance: mypy checks each adapter against the port.
_conforms: tuple[type[UsageCounters], ...] = (
    InMemoryUsageCounters,
    SqliteUsageCounters,
    PostgresUsageCounters,
)
MONTH = "2026-03"


async def _organization(uow_factory: UnitOfWorkFactory) -> OrganizationId:
    organization = make_organization()
    await save(uow_factory, organization)
    return organization.id


async def _usage(
    uow_factory: UnitOfWorkFactory, organization_id: OrganizationId
) -> tuple[int, int]:
    async with uow_factory() as uow:
        return (
            await uow.usage.agents(organization_id),
            await uow.usage.tokens(organization_id, MONTH),
        )


async def test_a_new_organization_has_used_nothing(uow_factory: UnitOfWorkFactory) -> None:
    """No agents, no tokens."""
    organization_id = await _organization(uow_factory)

    assert await _usage(uow_factory, organization_id) == (0, 0)


async def test_agents_count_until_decommissioned(uow_factory: UnitOfWorkFactory) -> None:
    """Adding an agent counts it (a decommissioned one is not), decommissioning uncounts it,
    suspending does not; other organizations are not affected."""
    organization_id, other_id = await _organization(uow_factory), await _organization(uow_factory)
    kept, retired = (
        make_agent(organization_id=organization_id),
        make_agent(organization_id=organization_id),
    )
    await save(
        uow_factory,
        kept,
        retired,
        make_agent(organization_id=organization_id, status=AgentStatus.DECOMMISSIONED),
        make_agent(organization_id=other_id),
    )
    counted = await _usage(uow_factory, organization_id)

    kept.suspend(now=NOW)
    retired.decommission(now=NOW)
    async with uow_factory() as uow:
        await uow.agents.update(kept)
        await uow.agents.update(retired)
        await uow.commit()

    assert counted == (2, 0)
    assert await _usage(uow_factory, organization_id) == (1, 0)
    assert await _usage(uow_factory, other_id) == (1, 0)


async def test_the_agents_limit_refuses_the_whole_unit_of_work(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """Up to the limit the agents commit; beyond it the commit raises AgentLimitReached
    naming the limit, and neither the agent nor the unit's audit event is stored."""
    organization_id = await _organization(uow_factory)
    agents = [make_agent(organization_id=organization_id) for _ in range(3)]
    event = make_audit_event(organization_id=organization_id)

    for agent in agents[:2]:
        async with uow_factory() as uow:
            await uow.agents.add(agent)
            await uow.usage.limit_agents(organization_id, 2)
            await uow.commit()
    async with uow_factory() as uow:
        await uow.agents.add(agents[2])
        await uow.usage.limit_agents(organization_id, 2)
        await uow.audit.append(event)
        with pytest.raises(AgentLimitReached) as refused:
            await uow.commit()

    assert refused.value.details == {"limit": 2}
    async with uow_factory() as uow:
        assert await uow.agents.get(agents[2].id) is None
        assert await uow.audit.get(event.id) is None
    assert await _usage(uow_factory, organization_id) == (2, 0)


async def test_tokens_are_counted_per_month_up_to_the_quota(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """count_token adds one per commit while below the quota, then raises
    TokenQuotaExhausted and counts nothing; another month starts from zero."""
    organization_id = await _organization(uow_factory)

    for _ in range(3):
        async with uow_factory() as uow:
            await uow.usage.count_token(organization_id, MONTH, 3)
            await uow.commit()
    async with uow_factory() as uow:
        await uow.usage.count_token(organization_id, MONTH, 3)
        with pytest.raises(TokenQuotaExhausted):
            await uow.commit()
    async with uow_factory() as uow:
        await uow.usage.count_token(organization_id, "2026-04", 3)
        await uow.commit()
        next_month = await uow.usage.tokens(organization_id, "2026-04")

    assert await _usage(uow_factory, organization_id) == (0, 3)
    assert next_month == 1


async def test_a_refused_commit_counts_no_token(uow_factory: UnitOfWorkFactory) -> None:
    """The count is part of the unit of work: if anything else in it fails, it is undone."""
    organization_id = await _organization(uow_factory)
    duplicate = make_organization(slug=make_organization().slug)
    await save(uow_factory, duplicate)

    async with uow_factory() as uow:
        await uow.usage.count_token(organization_id, MONTH, 10)
        await uow.organizations.add(replace(make_organization(), slug=duplicate.slug))
        with pytest.raises(Exception):  # noqa: B017, PT011 — the slug conflict; its type is not the point
            await uow.commit()

    assert await _usage(uow_factory, organization_id) == (0, 0)


async def test_concurrent_units_never_exceed_the_limits(uow_factory: UnitOfWorkFactory) -> None:
    """50 concurrent registrations against a limit of 10 and 50 tokens against a quota of 7
    leave exactly 10 agents and 7 tokens (the checks run on the committed value)."""
    organization_id = await _organization(uow_factory)

    async def register() -> bool:
        async with uow_factory() as uow:
            await uow.agents.add(make_agent(organization_id=organization_id))
            await uow.usage.limit_agents(organization_id, 10)
            try:
                await uow.commit()
            except AgentLimitReached:
                return False
            return True

    async def issue() -> bool:
        async with uow_factory() as uow:
            await uow.usage.count_token(organization_id, MONTH, 7)
            try:
                await uow.commit()
            except TokenQuotaExhausted:
                return False
            return True

    registered = await asyncio.gather(*(register() for _ in range(50)))
    issued = await asyncio.gather(*(issue() for _ in range(50)))

    assert sum(registered) == 10
    assert sum(issued) == 7
    assert await _usage(uow_factory, organization_id) == (10, 7)
