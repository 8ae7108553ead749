"""Organization: the tenant every agent, credential, token and audit event belongs to.

Lifecycle::

    active ⇄ suspended          (a platform administrator's PATCH)
    active | suspended → deleted (DELETE: one-way; a deleted organization never changes again)

An organization is a frozen value: every change returns a new one with ``updated_at`` moved
and ``revision`` kept (the store bumps it, like an agent's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from .errors import DomainError, InvalidValue
from .ids import OrganizationId
from .tiers import PlanTier

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
MAX_NAME_LENGTH: Final = 256
_TIER_VALUES: Final = frozenset(tier.value for tier in PlanTier)


class OrganizationStatus(StrEnum):
    """Lifecycle of a tenant; only an active organization's agents may get tokens."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    DELETED = "deleted"  # soft-deleted: kept for audit, irreversible through the API


#: The statuses an update may set; ``deleted`` is reached only through :meth:`Organization.delete`.
SETTABLE_STATUSES: Final = (OrganizationStatus.ACTIVE, OrganizationStatus.SUSPENDED)


class OrganizationDeleted(DomainError):
    """The organization is deleted: a terminal state that accepts no further change."""

    code = "ORG_ALREADY_DELETED"

    def __init__(self, organization_id: str) -> None:
        super().__init__(
            "This organization has already been deleted.", organization_id=organization_id
        )
        self.organization_id = organization_id


@dataclass(frozen=True, slots=True)
class Organization:
    """A tenant. The slug is globally unique and immutable."""

    id: OrganizationId
    slug: str
    name: str
    status: OrganizationStatus
    created_at: datetime
    updated_at: datetime
    plan_tier: PlanTier = PlanTier.FREE
    #: Per-organization overrides of the tier's limits (``None``: the tier's figure).
    max_agents: int | None = None
    max_tokens_per_month: int | None = None
    #: Optimistic-locking counter: the store only updates the revision that was read.
    revision: int = 0

    @classmethod
    def create(
        cls,
        *,
        id: OrganizationId,
        slug: str,
        name: str,
        now: datetime,
        plan_tier: str = PlanTier.FREE,
        max_agents: int | None = None,
        max_tokens_per_month: int | None = None,
    ) -> Organization:
        """Validate and create an active organization.

        Raises:
            InvalidValue: the slug is not 1-64 lower-case letters, digits and inner hyphens,
                the name is empty or longer than 256 characters, the tier is unknown, or an
                override is not an integer of at least 1.
        """
        if not _SLUG.fullmatch(slug):
            raise InvalidValue(
                "slug", "slug must contain only lowercase letters, digits, and hyphens."
            )
        return cls(
            id=id,
            slug=slug,
            name=_name(name),
            status=OrganizationStatus.ACTIVE,
            created_at=now,
            updated_at=now,
            plan_tier=_plan_tier(plan_tier),
            max_agents=_limit("maxAgents", max_agents),
            max_tokens_per_month=_limit("maxTokensPerMonth", max_tokens_per_month),
        )

    @property
    def is_active(self) -> bool:
        """True while the organization may use the IdP."""
        return self.status is OrganizationStatus.ACTIVE

    @property
    def is_deleted(self) -> bool:
        """True once the organization is soft-deleted (terminal)."""
        return self.status is OrganizationStatus.DELETED

    def ensure_not_deleted(self) -> None:
        """Raises:
        OrganizationDeleted: the organization is deleted.
        """
        if self.is_deleted:
            raise OrganizationDeleted(self.id)

    def update(self, changes: dict[str, Any], *, now: datetime) -> Organization:
        """A copy with ``changes`` applied (keys: ``name``, ``plan_tier``, ``max_agents``,
        ``max_tokens_per_month``, ``status``), validated one by one.

        Raises:
            OrganizationDeleted: the organization is deleted (checked first).
            InvalidValue: an unknown field, or a value that breaks its rule; ``status`` may
                only be ``active`` or ``suspended``.
        """
        self.ensure_not_deleted()
        unknown = sorted(set(changes) - set(_VALIDATORS))
        if unknown:
            raise InvalidValue(unknown[0], f"{unknown[0]} cannot be changed.")
        values = {field: _VALIDATORS[field](value) for field, value in changes.items()}
        return replace(self, **values, updated_at=now)

    def delete(self, *, now: datetime) -> Organization:
        """The soft-deleted copy: status ``deleted``, every other field kept for audit.

        Raises:
            OrganizationDeleted: it is already deleted.
        """
        self.ensure_not_deleted()
        return replace(self, status=OrganizationStatus.DELETED, updated_at=now)


def _name(value: object) -> str:
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= MAX_NAME_LENGTH:
        raise InvalidValue("name", f"name must be 1 to {MAX_NAME_LENGTH} characters.")
    return value.strip()


def _plan_tier(value: object) -> PlanTier:
    if isinstance(value, str) and value in _TIER_VALUES:
        return PlanTier(value)
    tiers = ", ".join(tier.value for tier in PlanTier)
    raise InvalidValue("planTier", f"planTier must be one of: {tiers}.")


def _limit(field: str, value: object) -> int | None:
    # NOTE: bool is an int subclass; True must not read as a limit of 1.
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValue(field, f"{field} must be an integer of at least 1.")
    return value


def _settable_status(value: object) -> OrganizationStatus:
    if value not in SETTABLE_STATUSES:
        allowed = ", ".join(status.value for status in SETTABLE_STATUSES)
        raise InvalidValue("status", f"status must be one of: {allowed}.")
    return OrganizationStatus(str(value))


def _required_limit(field: str) -> Any:
    def validate(value: object) -> int:
        limit = _limit(field, value)
        if limit is None:
            raise InvalidValue(field, f"{field} must be an integer of at least 1.")
        return limit

    return validate


#: Every field an update may change, with its validator (domain field → checked value).
_VALIDATORS: Final[dict[str, Any]] = {
    "name": _name,
    "plan_tier": _plan_tier,
    "max_agents": _required_limit("maxAgents"),
    "max_tokens_per_month": _required_limit("maxTokensPerMonth"),
    "status": _settable_status,
}
