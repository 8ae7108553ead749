"""Organization: the tenant every agent, credential, token and audit event belongs to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .errors import InvalidValue
from .ids import OrganizationId
from .tiers import PlanTier

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


class OrganizationStatus(StrEnum):
    """Lifecycle of a tenant; only an active organization's agents may get tokens."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    DELETED = "deleted"  # soft-deleted: kept for audit, irreversible through the API


@dataclass(frozen=True, slots=True)
class Organization:
    """A tenant. The slug is globally unique and immutable."""

    id: OrganizationId
    slug: str
    name: str
    status: OrganizationStatus
    created_at: datetime
    plan_tier: PlanTier = PlanTier.FREE
    #: Per-organization overrides of the tier's limits (``None``: the tier's figure).
    max_agents: int | None = None
    max_tokens_per_month: int | None = None

    @classmethod
    def create(cls, *, id: OrganizationId, slug: str, name: str, now: datetime) -> Organization:
        """Validate and create an active organization.

        Raises:
            InvalidValue: the slug is not 1-64 lower-case letters, digits and inner hyphens,
                or the name is empty or longer than 256 characters.
        """
        if not _SLUG.fullmatch(slug):
            raise InvalidValue(
                "slug", "slug must contain only lowercase letters, digits, and hyphens."
            )
        name = name.strip()
        if not 1 <= len(name) <= 256:
            raise InvalidValue("name", "name must be 1 to 256 characters.")
        return cls(id=id, slug=slug, name=name, status=OrganizationStatus.ACTIVE, created_at=now)

    @property
    def is_active(self) -> bool:
        """True while the organization may use the IdP."""
        return self.status is OrganizationStatus.ACTIVE
