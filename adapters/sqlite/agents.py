"""SQLite agent repository: optimistic updates on ``revision``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from agentidp.adapters.relational.filters import agent_filters, agent_query_params
from agentidp.adapters.relational.rows import AGENT_COLUMNS
from agentidp.application.errors import AgentAlreadyExists, OrganizationNotFound
from agentidp.application.ports.repositories import AgentFilter, Page
from agentidp.domain.agent import Agent
from agentidp.domain.ids import AgentId

from .errors import Constraints
from .reader import Reader
from .rows import ROWS
from .sql import insert_sql, optimistic_update_sql, param, select_list, where
from .staging import Staging

_SELECT: Final = f"SELECT {select_list(AGENT_COLUMNS)} FROM agents"  # noqa: S608
_GET: Final = f"{_SELECT} WHERE id = :id"
_INSERT: Final = insert_sql("agents", AGENT_COLUMNS)
_UPDATE: Final = optimistic_update_sql("agents", AGENT_COLUMNS)
_FILTERS: Final = agent_filters(param)
# A taken email (or id) is a duplicate; an unknown organization breaks the foreign key.
_CONSTRAINTS: Final = Constraints(duplicate=AgentAlreadyExists, missing_parent=OrganizationNotFound)


class SqliteAgentRepository:
    """Agents in the ``agents`` table (implements ``AgentRepository``)."""

    def __init__(self, reader: Reader, staging: Staging) -> None:
        self._reader = reader
        self._staging = staging

    async def get(self, agent_id: AgentId) -> Agent | None:
        row = self._reader.one(_GET, {"id": agent_id})
        return None if row is None else ROWS.agent_to_domain(row)

    async def list(self, filter: AgentFilter, page: Page) -> tuple[Sequence[Agent], int]:
        params = agent_query_params(filter, page)
        condition = where(_FILTERS, params)
        rows, total = self._reader.page(
            f"{_SELECT} WHERE {condition} "
            "ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset",
            f"SELECT count(*) FROM agents WHERE {condition}",  # noqa: S608
            params,
        )
        return [ROWS.agent_to_domain(row) for row in rows], total

    async def add(self, agent: Agent) -> None:
        self._staging.write(_INSERT, ROWS.agent_params(agent), constraints=_CONSTRAINTS)

    async def update(self, agent: Agent) -> None:
        self._staging.write(
            _UPDATE, ROWS.agent_params(agent), constraints=_CONSTRAINTS, expected_rowcount=1
        )
