"""Membership: an agent's role in its organization (``member`` or ``admin``).

An agent belongs to exactly one organization (``Agent.organization_id``); a membership adds a
role there. A tenant administrator is an agent holding ``admin:orgs`` *and* the ``admin`` role
in its own organization.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NewType

from .errors import InvalidValue
from .ids import AgentId, OrganizationId

MembershipId = NewType("MembershipId", str)


class MemberRole(StrEnum):
    """What a member may do in its organization."""

    MEMBER = "member"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Membership:
    """One agent's role in one organization; ``(organization_id, agent_id)`` is unique."""

    id: MembershipId
    organization_id: OrganizationId
    agent_id: AgentId
    role: MemberRole
    joined_at: datetime

    @classmethod
    def create(
        cls,
        *,
        id: MembershipId,
        organization_id: OrganizationId,
        agent_id: AgentId,
        role: object,
        now: datetime,
    ) -> Membership:
        """Validate and create a membership.

        Raises:
            InvalidValue: ``role`` is not ``member`` or ``admin``.
        """
        return cls(
            id=id,
            organization_id=organization_id,
            agent_id=agent_id,
            role=member_role(role),
            joined_at=now,
        )


def member_role(value: object) -> MemberRole:
    """``value`` as a :class:`MemberRole`.

    Raises:
        InvalidValue: it names no role.
    """
    if isinstance(value, str) and value in _ROLE_VALUES:
        return MemberRole(value)
    roles = ", ".join(role.value for role in MemberRole)
    raise InvalidValue("role", f"role must be one of: {roles}.")


_ROLE_VALUES = frozenset(role.value for role in MemberRole)
