"""PostgreSQL membership repository and the bearer-authentication read model.

Constraint violations are translated by name in errors.py: a second membership of the agent
in the organization (``organization_members_member_key``) is ``AlreadyMember``, an unknown
agent or organization (the two foreign keys) ``AgentNotFound`` / ``OrganizationNotFound``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from agentidp.adapters.relational.filters import membership_query_params
from agentidp.adapters.relational.rows import AGENT_COLUMNS, MEMBERSHIP_COLUMNS
from agentidp.application.ports.repositories import AgentMembership, Page
from agentidp.domain.ids import AgentId, OrganizationId
from agentidp.domain.membership import MemberRole, Membership
from agentidp.domain.organization import OrganizationStatus

from .reader import Reader
from .rows import ROWS
from .sql import insert_sql, page_sql, select_list
from .staging import Staging

_GET: Final = (
    f"SELECT {select_list(MEMBERSHIP_COLUMNS)} FROM organization_members "  # noqa: S608
    "WHERE organization_id = %(organization_id)s AND agent_id = %(agent_id)s"
)
_PAGE: Final = page_sql(
    "organization_members",
    MEMBERSHIP_COLUMNS,
    "organization_id = %(organization_id)s",
    "joined_at, id",
)
_AGENT_COLUMNS: Final = ", ".join(f"a.{column}" for column in AGENT_COLUMNS)
#: ONE statement: the agent's columns, its role in its own organization (NULL: not a
#: member) and that organization's status (NULL if it has none).
_AGENT_WITH_ROLE: Final = (
    f"SELECT {_AGENT_COLUMNS}, m.role, o.status FROM agents AS a "  # noqa: S608
    "LEFT JOIN organization_members AS m "
    "ON m.organization_id = a.organization_id AND m.agent_id = a.id "
    "LEFT JOIN organizations AS o ON o.id = a.organization_id "
    "WHERE a.id = %(id)s"
)
_INSERT: Final = insert_sql("organization_members", MEMBERSHIP_COLUMNS)
_DELETE: Final = (
    "DELETE FROM organization_members "
    "WHERE organization_id = %(organization_id)s AND agent_id = %(agent_id)s"
)


class PostgresMembershipRepository:
    """Memberships in ``organization_members`` (implements ``MembershipRepository``)."""

    def __init__(self, reader: Reader, staging: Staging) -> None:
        self._reader = reader
        self._staging = staging

    async def get(self, organization_id: OrganizationId, agent_id: AgentId) -> Membership | None:
        row = await self._reader.one(
            _GET, {"organization_id": organization_id, "agent_id": agent_id}
        )
        return None if row is None else ROWS.membership_to_domain(row)

    async def list(
        self, organization_id: OrganizationId, page: Page
    ) -> tuple[Sequence[Membership], int]:
        rows, total = await self._reader.page(_PAGE, membership_query_params(organization_id, page))
        return [ROWS.membership_to_domain(row) for row in rows], total

    async def agent_with_role(self, agent_id: AgentId) -> AgentMembership | None:
        row = await self._reader.one(_AGENT_WITH_ROLE, {"id": agent_id})
        if row is None:
            return None
        *agent, role, status = row
        return AgentMembership(
            agent=ROWS.agent_to_domain(tuple(agent)),
            role=None if role is None else MemberRole(role),
            organization_active=status == OrganizationStatus.ACTIVE.value,
        )

    async def add(self, membership: Membership) -> None:
        self._staging.write(_INSERT, ROWS.membership_params(membership))

    async def remove(self, membership: Membership) -> None:
        self._staging.write(
            _DELETE,
            {"organization_id": membership.organization_id, "agent_id": membership.agent_id},
            expected_rowcount=1,
        )
