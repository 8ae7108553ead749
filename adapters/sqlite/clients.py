"""SQLite client directory: the client-authentication read model in two indexed reads.

Reads are local and take tens of microseconds, so no single-statement join is needed here.
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
from .sql import select_list

#: The agent's columns followed by its organization's status (NULL if it has none).
_AGENT: Final = (
    f"SELECT {select_list(AGENT_COLUMNS)}, "  # noqa: S608
    "(SELECT status FROM organizations WHERE organizations.id = agents.organization_id) "
    "FROM agents WHERE id = :id"
)
_ACTIVE_CREDENTIALS: Final = (
    f"SELECT {select_list(CREDENTIAL_COLUMNS)} FROM credentials "  # noqa: S608
    "WHERE agent_id = :agent_id AND status = :status ORDER BY created_at DESC, id DESC"
)


class SqliteClientDirectory:
    """Implements ``ClientDirectory`` on the store's read connection."""

    def __init__(self, reader: Reader) -> None:
        self._reader = reader

    async def find(self, client_id: AgentId) -> ClientRecord | None:
        row = self._reader.one(_AGENT, {"id": client_id})
        if row is None:
            return None
        rows = self._reader.all(
            _ACTIVE_CREDENTIALS,
            {"agent_id": client_id, "status": CredentialStatus.ACTIVE.value},
        )
        return ClientRecord(
            agent=ROWS.agent_to_domain(row[:-1]),
            active_credentials=[ROWS.credential_to_domain(credential) for credential in rows],
            organization_active=row[-1] == OrganizationStatus.ACTIVE.value,
        )
