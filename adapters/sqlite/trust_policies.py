"""SQLite trust policy repository (table ``oidc_trust_policies``, migration 0005)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from agentidp.adapters.relational.trust_policy_rows import (
    TRUST_POLICY_COLUMNS,
    trust_policy_params,
    trust_policy_to_domain,
)
from agentidp.application.errors import AgentNotFound, TrustPolicyConflict
from agentidp.domain.ids import AgentId, OrganizationId
from agentidp.domain.trust_policy import TrustPolicy, TrustPolicyId

from .errors import Constraints
from .reader import Reader
from .rows import decode_time, encode_time
from .sql import insert_sql, select_list
from .staging import Staging

_SELECT: Final = f"SELECT {select_list(TRUST_POLICY_COLUMNS)} FROM oidc_trust_policies"  # noqa: S608
_GET: Final = f"{_SELECT} WHERE id = :id"
_LIST: Final = (
    f"{_SELECT} WHERE organization_id = :organization_id "
    "AND (:agent_id IS NULL OR agent_id = :agent_id) ORDER BY created_at, id"
)
_FOR_REPOSITORY: Final = (
    f"{_SELECT} WHERE provider = :provider AND repository_id = :repository_id "
    "ORDER BY created_at, id"
)
_INSERT: Final = insert_sql("oidc_trust_policies", TRUST_POLICY_COLUMNS)
_DELETE: Final = "DELETE FROM oidc_trust_policies WHERE id = :id"
# The use case checks the agent and duplicates first; these cover the races.
_CONSTRAINTS: Final = Constraints(duplicate=TrustPolicyConflict, missing_parent=AgentNotFound)


class SqliteTrustPolicyRepository:
    """Implements ``TrustPolicyRepository``."""

    def __init__(self, reader: Reader, staging: Staging) -> None:
        self._reader = reader
        self._staging = staging

    async def get(self, policy_id: TrustPolicyId) -> TrustPolicy | None:
        row = self._reader.one(_GET, {"id": policy_id})
        return None if row is None else trust_policy_to_domain(row, decode_time)

    async def list(
        self, organization_id: OrganizationId, agent_id: AgentId | None = None
    ) -> Sequence[TrustPolicy]:
        rows = self._reader.all(_LIST, {"organization_id": organization_id, "agent_id": agent_id})
        return [trust_policy_to_domain(row, decode_time) for row in rows]

    async def for_repository(self, provider: str, repository_id: str) -> Sequence[TrustPolicy]:
        rows = self._reader.all(
            _FOR_REPOSITORY, {"provider": provider, "repository_id": repository_id}
        )
        return [trust_policy_to_domain(row, decode_time) for row in rows]

    async def add(self, policy: TrustPolicy) -> None:
        self._staging.write(
            _INSERT, trust_policy_params(policy, encode_time), constraints=_CONSTRAINTS
        )

    async def remove(self, policy: TrustPolicy) -> None:
        self._staging.write(_DELETE, {"id": policy.id}, expected_rowcount=1)
