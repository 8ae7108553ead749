"""Tier limits in the use cases (memory world): the effective limits of an organization, the
monthly quota on issuance, the limits cache of the token path, and the agents limit."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from usecase_world import Tenant, World

from agentidp.application.errors import AgentLimitReached, TokenQuotaExhausted
from agentidp.application.usage_limits import LIMITS_CACHE_SECONDS, TierTable, billing_month
from agentidp.domain.audit import AuditAction
from agentidp.domain.tiers import DEFAULT_TIER_LIMITS, PlanTier
from tests.builders import make_organization

overrides = st.none() | st.integers(1, 10**6)


@given(tier=st.sampled_from(list(PlanTier)), agents=overrides, tokens=overrides)
def test_an_organizations_overrides_replace_its_tiers_figures(
    tier: PlanTier, agents: int | None, tokens: int | None
) -> None:
    """maxAgents / maxTokensPerMonth win when set; otherwise (and always for requests per
    minute) the tier's figure applies."""
    organization = replace(
        make_organization(), plan_tier=tier, max_agents=agents, max_tokens_per_month=tokens
    )

    limits = TierTable().limits_of(organization)

    row = DEFAULT_TIER_LIMITS[tier]
    assert limits.max_agents == (row.max_agents if agents is None else agents)
    assert limits.max_tokens_per_month == (row.max_tokens_per_month if tokens is None else tokens)
    assert limits.requests_per_minute == row.requests_per_minute


def test_a_missing_organization_gets_the_free_tier() -> None:
    """Defensive: limits of an organization that cannot be found are the most restrictive."""
    assert TierTable().limits_of(None) == DEFAULT_TIER_LIMITS[PlanTier.FREE]


async def _set_limits(world: World, tenant: Tenant, **changes: object) -> None:
    async with world.container.uow()() as uow:
        organization = await uow.organizations.get(tenant.organization_id)
        assert organization is not None
        await uow.organizations.update(replace(organization, **changes))  # type: ignore[arg-type]
        await uow.commit()


async def test_a_quota_change_reaches_the_token_path_within_the_cache_time(
    world: World, tenant: Tenant
) -> None:
    """The token path reuses an organization's limits for LIMITS_CACHE_SECONDS: lowering the
    quota to 1 after two tokens takes effect once that time has passed; the refusal is
    audited and counts nothing."""
    await world.issue(tenant.admin.id, tenant.client_secret)
    await _set_limits(world, tenant, max_tokens_per_month=1)

    await world.issue(tenant.admin.id, tenant.client_secret)  # limits still cached
    world.clock.advance(LIMITS_CACHE_SECONDS + 1)
    with pytest.raises(TokenQuotaExhausted):
        await world.issue(tenant.admin.id, tenant.client_secret)

    async with world.container.uow()() as uow:
        counted = await uow.usage.tokens(tenant.organization_id, billing_month(world.clock.now()))
    refusals = [
        stored.event
        for stored in world.store.audit_chain
        if stored.event.action is AuditAction.AUTH_FAILED
        and stored.event.metadata.get("reason") == "token_quota_exhausted"
    ]
    assert counted == 2
    assert len(refusals) == 1


async def test_registration_reads_the_agents_limit_fresh(world: World, tenant: Tenant) -> None:
    """No cache on registration: a new maxAgents applies to the very next registration."""
    await _set_limits(world, tenant, max_agents=2)

    await world.register(tenant.principal)
    with pytest.raises(AgentLimitReached):
        await world.register(tenant.principal)
