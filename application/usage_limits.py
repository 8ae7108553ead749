"""Enforcing the plan tiers: agents per organization, tokens per month, requests per minute
per client (docs/limits.md).

:class:`TierTable` is the configured table (DECISIONS.md's by default) with each
organization's overrides; :class:`UsageLimits` applies it inside the use cases. Limits are
read from the organization when agents are registered (rare, exact) and from a short
in-process cache on the token and bearer paths (hot): a tier change takes effect within
:data:`LIMITS_CACHE_SECONDS`, which is acceptable because tiers are commercial limits, not
security boundaries. Unlimited (``None``) costs nothing: no counter statement, no rate-limiter
call.

The HTTP layer shows each request's rate-limit decisions in ``X-RateLimit-*`` headers; it
collects them through :func:`collect_rate_decisions`, since the decision is taken deep inside
a use case (possibly in a child task: the collector is a list shared by reference).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from agentidp.domain.ids import AgentId, OrganizationId
from agentidp.domain.organization import Organization
from agentidp.domain.tiers import DEFAULT_TIER_LIMITS, PlanTier, TierLimits

from .errors import RateLimitExceeded
from .ports.rate_limits import RateDecision, RateLimiter
from .ports.system import Clock
from .ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

#: The per-client rate limit counts requests in a sliding window of this many seconds.
RATE_WINDOW_SECONDS: Final = 60
#: How long the token and bearer paths reuse an organization's limits.
LIMITS_CACHE_SECONDS: Final = 5.0
#: The limits of an organization that cannot be found (defensive: the most restrictive tier).
_FALLBACK_TIER: Final = PlanTier.FREE

_decisions: ContextVar[list[RateDecision] | None] = ContextVar("rate_decisions", default=None)


def collect_rate_decisions() -> list[RateDecision]:
    """Start collecting the current request's rate-limit decisions into the returned list."""
    collected: list[RateDecision] = []
    _decisions.set(collected)
    return collected


def record_rate_decision(decision: RateDecision) -> None:
    """Add ``decision`` to the current request's collection (if one was started)."""
    collected = _decisions.get()
    if collected is not None:
        collected.append(decision)


def client_rate_key(client_id: str) -> str:
    """The rate limiter's key of a client (an agent id)."""
    return f"client:{client_id}"


def billing_month(now: datetime) -> str:
    """The calendar month (UTC) that usage at ``now`` counts against: ``YYYY-MM``."""
    return f"{now.year:04d}-{now.month:02d}"


@dataclass(frozen=True, slots=True)
class TierTable:
    """The limits of each tier, and whether they are enforced at all (``TIER_ENFORCEMENT``).

    Organizations without overrides get their tier's row; an organization's
    ``max_agents``/``max_tokens_per_month`` replace the tier's figures.
    """

    limits: Mapping[PlanTier, TierLimits] = field(default_factory=lambda: DEFAULT_TIER_LIMITS)
    enforced: bool = True

    def limits_of(self, organization: Organization | None) -> TierLimits:
        """The effective limits of ``organization`` (the free tier's if it is missing)."""
        if organization is None:
            return self.limits[_FALLBACK_TIER]
        tier = self.limits[organization.plan_tier]
        return TierLimits(
            max_agents=_override(organization.max_agents, tier.max_agents),
            max_tokens_per_month=_override(
                organization.max_tokens_per_month, tier.max_tokens_per_month
            ),
            requests_per_minute=tier.requests_per_minute,
        )


def _override(value: int | None, default: int | None) -> int | None:
    return default if value is None else value


class UsageLimits:
    """Applies a :class:`TierTable` (one per process: it holds the limits cache).

    Args:
        uow: opens units of work (limits are read from the organization).
        clock: the cache's and the billing month's time.
        table: the configured tiers.
        limiter: counts requests per client.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, table: TierTable, limiter: RateLimiter
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._table = table
        self._limiter = limiter
        self._cache: dict[OrganizationId, tuple[datetime, TierLimits]] = {}
        self._ttl = timedelta(seconds=LIMITS_CACHE_SECONDS)

    @property
    def table(self) -> TierTable:
        """The configured tiers."""
        return self._table

    async def admit_client(self, organization_id: OrganizationId, client_id: AgentId) -> None:
        """Count one request of an authenticated client against its organization's
        requests-per-minute; nothing happens when that is unlimited or tiers are off.

        Raises:
            RateLimitExceeded: the client's window is full (``retry_after`` seconds).
        """
        if not self._table.enforced:
            return
        per_minute = (await self.cached_limits(organization_id)).requests_per_minute
        if per_minute is None:
            return
        decision = await self._limiter.hit(
            client_rate_key(client_id), per_minute, RATE_WINDOW_SECONDS
        )
        record_rate_decision(decision)
        if not decision.allowed:
            raise RateLimitExceeded(decision.retry_after_s)

    async def limit_agents(self, uow: UnitOfWork, organization_id: OrganizationId) -> None:
        """Stage the organization's agents limit on ``uow`` (after its ``agents.add``), read
        fresh from the organization. ``commit`` then raises ``AgentLimitReached``."""
        if not self._table.enforced:
            return
        limits = self._table.limits_of(await uow.organizations.get(organization_id))
        if limits.max_agents is not None:
            await uow.usage.limit_agents(organization_id, limits.max_agents)

    async def count_token(
        self, uow: UnitOfWork, organization_id: OrganizationId, now: datetime
    ) -> None:
        """Stage one issued token on ``uow`` against the organization's monthly quota.
        ``commit`` then raises ``TokenQuotaExhausted`` if the quota is used up."""
        if not self._table.enforced:
            return
        quota = (await self.cached_limits(organization_id)).max_tokens_per_month
        if quota is not None:
            await uow.usage.count_token(organization_id, billing_month(now), quota)

    async def cached_limits(self, organization_id: OrganizationId) -> TierLimits:
        """The organization's limits, at most :data:`LIMITS_CACHE_SECONDS` old."""
        now = self._clock.now()
        cached = self._cache.get(organization_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        async with self._uow() as uow:
            limits = self._table.limits_of(await uow.organizations.get(organization_id))
        self._cache[organization_id] = (now + self._ttl, limits)
        return limits

    async def requests_this_minute(self, client_id: AgentId) -> int:
        """The client's requests in the current rate-limit window."""
        return await self._limiter.count(client_rate_key(client_id), RATE_WINDOW_SECONDS)
