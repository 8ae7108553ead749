"""Tier status: the caller organization's plan, its effective limits and its live usage."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from agentidp.domain.tiers import PlanTier, TierLimits

from ..errors import OrganizationNotFound
from ..ports.system import Clock
from ..ports.unit_of_work import UnitOfWorkFactory
from ..principal import Principal
from ..usage_limits import UsageLimits, billing_month


@dataclass(frozen=True, slots=True)
class TierUsage:
    """Live counters: agents not decommissioned, tokens this month, the caller's requests in
    the current rate-limit window."""

    agents_registered: int
    tokens_this_month: int
    requests_this_minute: int


@dataclass(frozen=True, slots=True)
class TierStatus:
    """``GET /api/v1/tiers/status`` (tiers.yaml); a limit of ``None`` is unlimited."""

    organization_id: str
    tier: PlanTier
    limits: TierLimits
    usage: TierUsage
    billing_period_start: date
    billing_period_end: date


class GetTierStatusUseCase:
    """The caller's organization only (taken from the token, never from the request)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, limits: UsageLimits) -> None:
        self._uow = uow
        self._clock = clock
        self._limits = limits

    async def __call__(self, principal: Principal) -> TierStatus:
        """Any authenticated caller may read its own organization's status.

        Raises:
            OrganizationNotFound: the caller's organization does not exist (the operator's
                deployment-wide identity, for instance).
        """
        now = self._clock.now()
        organization_id = principal.organization_id
        async with self._uow() as uow:
            organization = await uow.organizations.get(organization_id)
            if organization is None:
                raise OrganizationNotFound()
            agents = await uow.usage.agents(organization_id)
            tokens = await uow.usage.tokens(organization_id, billing_month(now))
        requests = 0
        if principal.subject is not None:
            requests = await self._limits.requests_this_minute(principal.subject)
        last_day = calendar.monthrange(now.year, now.month)[1]
        return TierStatus(
            organization_id=organization_id,
            tier=organization.plan_tier,
            limits=self._limits.table.limits_of(organization),
            usage=TierUsage(agents, tokens, requests),
            billing_period_start=date(now.year, now.month, 1),
            billing_period_end=date(now.year, now.month, last_day),
        )
