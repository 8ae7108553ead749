"""SQLite membership repository and the bearer-authentication read model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from agentidp.adapters.relational.filters import membership_query_params
from agentidp.adapters.relational.rows import AGENT_COLUMNS, MEMBERSHIP_COLUMNS
from agentidp.application.errors import AgentNotFound, AlreadyMember
from agentidp.application.ports.repositories import AgentMembership, Page
from agentidp.domain.ids import AgentId, OrganizationId
from agentidp.domain.membership import MemberRole, Membership
from agentidp.domain.organization import OrganizationStatus

from .errors import Constraints
from .reader import Reader
from .rows import ROWS
from .sql import insert_sql, select_list
from .staging import Staging

_SELECT: Final = f"SELECT {select_list(MEMBERSHIP_COLUMNS)} FROM organization_members"  # noqa: S608
_GET: Final = f"{_SELECT} WHERE organization_id = :organization_id AND agent_id = :agent_id"
_PAGE: Final = (
    f"{_SELECT} WHERE organization_id = :organization_id "
    "ORDER BY joined_at, id LIMIT :limit OFFSET :offset"
)
_COUNT: Final = "SELECT count(*) FROM organization_members WHERE organization_id = :organization_id"
#: The agent's columns, then its role in its own organization (NULL: not a member), then
#: that organization's status (NULL if it has none).
_AGENT_WITH_ROLE: Final = (
    f"SELECT {select_list(AGENT_COLUMNS)}, "  # noqa: S608
    "(SELECT role FROM organization_members AS m "
    " WHERE m.organization_id = agents.organization_id AND m.agent_id = agents.id), "
    "(SELECT status FROM organizations WHERE organizations.id = agents.organization_id) "
    "FROM agents WHERE id = :id"
)
_INSERT: Final = insert_sql("organization_members", MEMBERSHIP_COLUMNS)
_DELETE: Final = (
    "DELETE FROM organization_members "
    "WHERE organization_id = :organization_id AND agent_id = :agent_id"
)
# A second membership of the agent in the organization breaks the UNIQUE pair; an unknown
# agent or organization breaks a foreign key (SQLite does not say which, and the use case
# checks both first, so the agent is named).
_CONSTRAINTS: Final = Constraints(duplicate=AlreadyMember, missing_parent=AgentNotFound)


class SqliteMembershipRepository:
    """Memberships in ``organization_members`` (implements ``MembershipRepository``)."""

    def __init__(self, reader: Reader, staging: Staging) -> None:
        self._reader = reader
        self._staging = staging

    async def get(self, organization_id: OrganizationId, agent_id: AgentId) -> Membership | None:
        row = self._reader.one(_GET, {"organization_id": organization_id, "agent_id": agent_id})
        return None if row is None else ROWS.membership_to_domain(row)

    async def list(
        self, organization_id: OrganizationId, page: Page
    ) -> tuple[Sequence[Membership], int]:
        rows, total = self._reader.page(
            _PAGE, _COUNT, membership_query_params(organization_id, page)
        )
        return [ROWS.membership_to_domain(row) for row in rows], total

    async def agent_with_role(self, agent_id: AgentId) -> AgentMembership | None:
        row = self._reader.one(_AGENT_WITH_ROLE, {"id": agent_id})
        if row is None:
            return None
        *agent, role, status = row
        return AgentMembership(
            agent=ROWS.agent_to_domain(tuple(agent)),
            role=None if role is None else MemberRole(role),
            organization_active=status == OrganizationStatus.ACTIVE.value,
        )

    async def add(self, membership: Membership) -> None:
        self._staging.write(_INSERT, ROWS.membership_params(membership), constraints=_CONSTRAINTS)

    async def remove(self, membership: Membership) -> None:
        self._staging.write(
            _DELETE,
            {"organization_id": membership.organization_id, "agent_id": membership.agent_id},
            expected_rowcount=1,
        )
