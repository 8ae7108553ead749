"""Plan tiers and the limits each one grants (DECISIONS.md, "Tiers and limits")."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PlanTier(StrEnum):
    """The commercial plan of an organization; upgrades only go up this list."""

    FREE = "free"
    PRO = "pro"
    ENTERPRISE = "enterprise"


@dataclass(frozen=True, slots=True)
class TierLimits:
    """What a tier allows; ``None`` means unlimited."""

    max_agents: int | None
    max_tokens_per_month: int | None
    requests_per_minute: int | None


#: The default table (DECISIONS.md); operators may override it by configuration and each
#: organization may override its agent and token limits.
DEFAULT_TIER_LIMITS: dict[PlanTier, TierLimits] = {
    PlanTier.FREE: TierLimits(max_agents=100, max_tokens_per_month=10_000, requests_per_minute=100),
    PlanTier.PRO: TierLimits(
        max_agents=1_000, max_tokens_per_month=100_000, requests_per_minute=1_000
    ),
    PlanTier.ENTERPRISE: TierLimits(
        max_agents=None, max_tokens_per_month=None, requests_per_minute=None
    ),
}
