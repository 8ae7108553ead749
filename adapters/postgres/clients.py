"""PostgreSQL client directory: the client-authentication read model in ONE statement.

Agent, organization status and active credentials come back together: one round trip, one
snapshot. The agent LEFT JOINs its active credentials, so the result is one row per active
credential (newest first) repeating the agent's columns, or a single row with NULL
credential columns when it has none, and no row for an unknown agent. Every part is decoded
by the row mappers of rows.py (``ROWS``), exactly like the repositories' reads.
"""

from __future__ import annotations

from typing import Final

from agentidp.adapters.relational.rows import AGENT_COLUMNS, CREDENTIAL_COLUMNS
from agentidp.application.ports.repositories import ClientRecord
from agentidp.domain.credential import CredentialStatus
from agentidp.domain.ids import AgentId
from agentidp.domain.organization import OrganizationStatus

from .reader import Reader
from .rows import ROWS


def _qualified(alias: str, columns: tuple[str, ...]) -> str:
    return ", ".join(f"{alias}.{column}" for column in columns)


_FIND: Final = (
    f"SELECT {_qualified('a', AGENT_COLUMNS)}, o.status, "  # noqa: S608
    f"{_qualified('c', CREDENTIAL_COLUMNS)} "
    "FROM agents AS a "
    "LEFT JOIN organizations AS o ON o.id = a.organization_id "
    "LEFT JOIN credentials AS c ON c.agent_id = a.id AND c.status = %(status)s "
    "WHERE a.id = %(id)s "
    "ORDER BY c.created_at DESC, c.id DESC"
)
_AGENT_END: Final = len(AGENT_COLUMNS)
_CREDENTIAL_START: Final = _AGENT_END + 1


class PostgresClientDirectory:
    """Implements ``ClientDirectory`` with one pooled statement per lookup."""

    def __init__(self, reader: Reader) -> None:
        self._reader = reader

    async def find(self, client_id: AgentId) -> ClientRecord | None:
        rows = await self._reader.all(
            _FIND, {"id": client_id, "status": CredentialStatus.ACTIVE.value}
        )
        if not rows:
            return None
        first = rows[0]
        return ClientRecord(
            agent=ROWS.agent_to_domain(first[:_AGENT_END]),
            active_credentials=[
                ROWS.credential_to_domain(row[_CREDENTIAL_START:])
                for row in rows
                if row[_CREDENTIAL_START] is not None
            ],
            organization_active=first[_AGENT_END] == OrganizationStatus.ACTIVE.value,
        )
