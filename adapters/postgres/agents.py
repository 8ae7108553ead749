"""PostgreSQL agent repository: optimistic updates on ``revision``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from agentidp.adapters.relational.filters import agent_filters, agent_query_params
from agentidp.adapters.relational.rows import AGENT_COLUMNS
from agentidp.application.ports.repositories import AgentFilter, Page
from agentidp.application.ports.tenant_context import ALL_TENANTS
from agentidp.domain.agent import Agent
from agentidp.domain.ids import AgentId

from .reader import Reader
from .rows import AGENT_CASTS, ROWS
from .sql import insert_sql, optimistic_update_sql, page_sql, param, select_list, where
from .staging import Staging

_GET: Final = f"SELECT {select_list(AGENT_COLUMNS)} FROM agents WHERE id = %(id)s"  # noqa: S608
# A taken email violates agents_email_key (AgentAlreadyExists); an unknown organization
# violates agents_organization_id_fkey (OrganizationNotFound): see errors.py.
_INSERT: Final = insert_sql("agents", AGENT_COLUMNS, AGENT_CASTS)
_UPDATE: Final = optimistic_update_sql("agents", AGENT_COLUMNS, AGENT_CASTS)
_FILTERS: Final = agent_filters(param)
_NEWEST_FIRST: Final = "created_at DESC, id DESC"


class PostgresAgentRepository:
    """Agents in the ``agents`` table (implements ``AgentRepository``)."""

    def __init__(self, reader: Reader, staging: Staging) -> None:
        self._reader = reader
        self._staging = staging

    async def get(self, agent_id: AgentId) -> Agent | None:
        # DECISIONS.md: another organization's agent is a 403 AUTHORIZATION_ERROR, not a 404,
        # so this one read by id looks across tenants and the application's tenant check
        # (application/tenancy.py load_agent) decides. Row-level security still walls off
        # every listing and every write (docs/adr/0011).
        row = await self._reader.bound(ALL_TENANTS).one(_GET, {"id": agent_id})
        return None if row is None else ROWS.agent_to_domain(row)

    async def list(self, filter: AgentFilter, page: Page) -> tuple[Sequence[Agent], int]:
        params = agent_query_params(filter, page)
        sql = page_sql("agents", AGENT_COLUMNS, where(_FILTERS, params), _NEWEST_FIRST)
        rows, total = await self._reader.page(sql, params)
        return [ROWS.agent_to_domain(row) for row in rows], total

    async def add(self, agent: Agent) -> None:
        self._staging.write(_INSERT, ROWS.agent_params(agent))

    async def update(self, agent: Agent) -> None:
        self._staging.write(_UPDATE, ROWS.agent_params(agent), expected_rowcount=1)
