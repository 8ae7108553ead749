"""Tiers: ``GET /api/v1/tiers/status`` (the caller organization's plan, limits and usage)."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency

from agentidp.application.principal import Principal
from agentidp.application.use_cases.tiers import GetTierStatusUseCase, TierStatus

from ..features import FEATURE
from ..openapi import AUTHENTICATED, BEARER_SECURITY, error_responses
from ..schemas import TierLimitsOut, TierStatusOut, TierUsageOut


class TierController(Controller):
    """Any authenticated caller reads its own organization's status (the organization comes
    from the token). Part of tier enforcement: 404 when ``AGENTIDP_TIER_ENFORCEMENT`` is off,
    since limits that are not applied would only mislead."""

    path = "/api/v1/tiers"
    tags = ["tiers"]
    security = BEARER_SECURITY
    opt = {FEATURE: "tier_enforcement"}

    @get(
        "/status",
        summary="The organization's tier, limits and live usage",
        responses=error_responses(*AUTHENTICATED, 404),
    )
    async def tier_status(
        self,
        principal: NamedDependency[Principal],
        get_tier_status: NamedDependency[GetTierStatusUseCase],
    ) -> TierStatusOut:
        """Billing period: the current calendar month (UTC); a ``null`` limit is unlimited."""
        return tier_status_out(await get_tier_status(principal))


def tier_status_out(status: TierStatus) -> TierStatusOut:
    """The wire form of a :class:`TierStatus`."""
    return TierStatusOut(
        organization_id=status.organization_id,
        tier=status.tier.value,
        limits=TierLimitsOut(
            max_agents=status.limits.max_agents,
            max_tokens_per_month=status.limits.max_tokens_per_month,
            rate_limit_per_minute=status.limits.requests_per_minute,
        ),
        usage=TierUsageOut(
            agents_registered=status.usage.agents_registered,
            tokens_this_month=status.usage.tokens_this_month,
            requests_this_minute=status.usage.requests_this_minute,
        ),
        billing_period_start=status.billing_period_start,
        billing_period_end=status.billing_period_end,
    )
