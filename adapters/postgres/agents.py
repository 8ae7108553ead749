"""PostgreSQL agent repository: optimistic updates on ``revision``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from agentidp.application.ports.repositories import AgentFilter, Page
from agentidp.domain.agent import Agent
from agentidp.domain.ids import AgentId

from .reader import Reader
from .rows import AGENT_CASTS, AGENT_COLUMNS, agent_params, agent_to_domain
from .sql import insert_sql, optimistic_update_sql, page_sql, select_list, where
from .staging import Staging

_GET: Final = f"SELECT {select_list(AGENT_COLUMNS)} FROM agents WHERE id = %(id)s"  # noqa: S608
# A taken email violates agents_email_key (AgentAlreadyExists); an unknown organization
# violates agents_organization_id_fkey (OrganizationNotFound): see errors.py.
_INSERT: Final = insert_sql("agents", AGENT_COLUMNS, AGENT_CASTS)
_UPDATE: Final = optimistic_update_sql("agents", AGENT_COLUMNS, AGENT_CASTS)
#: Listing filters, keyed by the parameter that switches each one on.
_FILTERS: Final = {
    "organization_id": "organization_id = %(organization_id)s",
    "status": "status = %(status)s",
    "owner": "owner = %(owner)s",
    "agent_type": "agent_type = %(agent_type)s",
}
_NEWEST_FIRST: Final = "created_at DESC, id DESC"


class PostgresAgentRepository:
    """Agents in the ``agents`` table (implements ``AgentRepository``)."""

    def __init__(self, reader: Reader, staging: Staging) -> None:
        self._reader = reader
        self._staging = staging

    async def get(self, agent_id: AgentId) -> Agent | None:
        row = await self._reader.one(_GET, {"id": agent_id})
        return None if row is None else agent_to_domain(row)

    async def list(self, filter: AgentFilter, page: Page) -> tuple[Sequence[Agent], int]:
        params = {
            "organization_id": filter.organization_id,
            "status": None if filter.status is None else filter.status.value,
            "owner": filter.owner,
            "agent_type": None if filter.agent_type is None else str(filter.agent_type),
            "limit": page.size,
            "offset": page.offset,
        }
        sql = page_sql("agents", AGENT_COLUMNS, where(_FILTERS, params), _NEWEST_FIRST)
        rows, total = await self._reader.page(sql, params)
        return [agent_to_domain(row) for row in rows], total

    async def add(self, agent: Agent) -> None:
        self._staging.write(_INSERT, agent_params(agent))

    async def update(self, agent: Agent) -> None:
        self._staging.write(_UPDATE, agent_params(agent), expected_rowcount=1)
