"""SQLite credential repository: optimistic updates on ``revision``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from agentidp.adapters.relational.rows import CREDENTIAL_COLUMNS
from agentidp.application.errors import AgentNotFound, Conflict
from agentidp.domain.credential import Credential, CredentialStatus
from agentidp.domain.ids import AgentId, CredentialId

from .errors import Constraints
from .reader import Reader
from .rows import ROWS
from .sql import insert_sql, optimistic_update_sql, select_list
from .staging import Staging

_SELECT: Final = f"SELECT {select_list(CREDENTIAL_COLUMNS)} FROM credentials"  # noqa: S608
_GET: Final = f"{_SELECT} WHERE id = :id"
_NEWEST_FIRST: Final = "ORDER BY created_at DESC, id DESC"
_BY_AGENT: Final = f"{_SELECT} WHERE agent_id = :agent_id {_NEWEST_FIRST}"
_BY_AGENT_AND_STATUS: Final = (
    f"{_SELECT} WHERE agent_id = :agent_id AND status = :status {_NEWEST_FIRST}"
)
_INSERT: Final = insert_sql("credentials", CREDENTIAL_COLUMNS)
_UPDATE: Final = optimistic_update_sql("credentials", CREDENTIAL_COLUMNS)
# NOTE: ids are random UUIDs, so a duplicate id is a bug rather than a user conflict.
_CONSTRAINTS: Final = Constraints(duplicate=Conflict, missing_parent=AgentNotFound)


class SqliteCredentialRepository:
    """Credentials in the ``credentials`` table (implements ``CredentialRepository``)."""

    def __init__(self, reader: Reader, staging: Staging) -> None:
        self._reader = reader
        self._staging = staging

    async def get(self, credential_id: CredentialId) -> Credential | None:
        row = self._reader.one(_GET, {"id": credential_id})
        return None if row is None else ROWS.credential_to_domain(row)

    async def list_by_agent(
        self, agent_id: AgentId, status: CredentialStatus | None = None
    ) -> Sequence[Credential]:
        if status is None:
            rows = self._reader.all(_BY_AGENT, {"agent_id": agent_id})
        else:
            rows = self._reader.all(
                _BY_AGENT_AND_STATUS, {"agent_id": agent_id, "status": status.value}
            )
        return [ROWS.credential_to_domain(row) for row in rows]

    async def add(self, credential: Credential) -> None:
        self._staging.write(_INSERT, ROWS.credential_params(credential), constraints=_CONSTRAINTS)

    async def update(self, credential: Credential) -> None:
        self._staging.write(
            _UPDATE,
            ROWS.credential_params(credential),
            constraints=_CONSTRAINTS,
            expected_rowcount=1,
        )
