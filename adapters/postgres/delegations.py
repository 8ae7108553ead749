"""PostgreSQL delegation repository (table ``delegations``, migration 0007; row-level
security like every tenant table)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from agentidp.adapters.relational.rows import DELEGATION_COLUMNS
from agentidp.domain.delegation import Delegation, DelegationId
from agentidp.domain.ids import AgentId, OrganizationId

from .reader import Reader
from .rows import ROWS
from .sql import insert_sql, select_list
from .staging import Staging

_SELECT: Final = f"SELECT {select_list(DELEGATION_COLUMNS)} FROM delegations"  # noqa: S608
_GET: Final = f"{_SELECT} WHERE id = %(id)s"
_FIND: Final = (
    f"{_SELECT} WHERE organization_id = %(organization_id)s "
    "AND delegator_agent_id = %(delegator)s AND delegatee_agent_id = %(delegatee)s "
    "AND parent_id IS NOT DISTINCT FROM %(parent_id)s::text "
    "ORDER BY created_at DESC, id DESC"
)
_INSERT: Final = insert_sql("delegations", DELEGATION_COLUMNS)
# Only an active link changes: a concurrent revocation keeps its own instant (idempotent).
_REVOKE: Final = (
    "UPDATE delegations SET status = 'revoked', revoked_at = %(revoked_at)s "
    "WHERE id = %(id)s AND status = 'active'"
)


class PostgresDelegationRepository:
    """Delegation links in ``delegations`` (implements ``DelegationRepository``)."""

    def __init__(self, reader: Reader, staging: Staging) -> None:
        self._reader = reader
        self._staging = staging

    async def get(self, delegation_id: DelegationId) -> Delegation | None:
        row = await self._reader.one(_GET, {"id": delegation_id})
        return None if row is None else ROWS.delegation_to_domain(row)

    async def find(
        self,
        organization_id: OrganizationId,
        delegator_id: AgentId,
        delegatee_id: AgentId,
        parent_id: DelegationId | None,
    ) -> Sequence[Delegation]:
        rows = await self._reader.all(
            _FIND,
            {
                "organization_id": organization_id,
                "delegator": delegator_id,
                "delegatee": delegatee_id,
                "parent_id": parent_id,
            },
        )
        return [ROWS.delegation_to_domain(row) for row in rows]

    async def add(self, delegation: Delegation) -> None:
        self._staging.write(_INSERT, ROWS.delegation_params(delegation))

    async def revoke(self, delegation: Delegation) -> None:
        params = ROWS.delegation_params(delegation)
        self._staging.write(_REVOKE, {"id": params["id"], "revoked_at": params["revoked_at"]})
