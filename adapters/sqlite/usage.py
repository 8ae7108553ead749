"""SQLite usage counters (``usage_counters``, migrations/sqlite/0003_usage.sql).

The agents counter is kept by triggers on ``agents``; limits are conditional statements whose
row count says whether the limit held. The writer thread applies every unit of work of the
process one after another, so each statement sees the effect of all earlier ones.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from agentidp.application.errors import (
    AgentLimitReached,
    ApplicationError,
    ConcurrentUpdate,
    TokenQuotaExhausted,
)
from agentidp.domain.ids import OrganizationId

from .reader import Reader
from .staging import Staging, Write

_GET: Final = (
    "SELECT value FROM usage_counters "
    "WHERE organization_id = :organization_id AND counter = :counter"
)
# Touches the agents row only while it is within the limit: 0 rows means over the limit.
_AGENTS_WITHIN: Final = (
    "UPDATE usage_counters SET value = value "
    "WHERE organization_id = :organization_id AND counter = 'agents' AND value <= :limit"
)
# Creates the month's row with 1, or adds 1 while below the limit: 0 rows means exhausted.
_COUNT_TOKEN: Final = (
    "INSERT INTO usage_counters (organization_id, counter, value) "
    "VALUES (:organization_id, :counter, 1) "
    "ON CONFLICT (organization_id, counter) DO UPDATE SET value = value + 1 "
    "WHERE value < :limit"
)


@dataclass(frozen=True, slots=True)
class _LimitedWrite(Write):
    """A write whose row-count mismatch means "over the limit", not a concurrent update."""

    refusal: Callable[[], ApplicationError] = field(default=ApplicationError)

    def run(self, connection: sqlite3.Connection) -> None:
        try:
            Write.run(self, connection)
        except ConcurrentUpdate:
            raise self.refusal() from None


class SqliteUsageCounters:
    """Usage counters in the ``usage_counters`` table (implements ``UsageCounters``)."""

    def __init__(self, reader: Reader, staging: Staging) -> None:
        self._reader = reader
        self._staging = staging

    async def agents(self, organization_id: OrganizationId) -> int:
        return self._value(organization_id, "agents")

    async def tokens(self, organization_id: OrganizationId, month: str) -> int:
        return self._value(organization_id, f"tokens:{month}")

    async def limit_agents(self, organization_id: OrganizationId, limit: int) -> None:
        params = {"organization_id": organization_id, "limit": limit}
        self._staging.stage(
            _LimitedWrite(
                _AGENTS_WITHIN,
                params,
                expected_rowcount=1,
                refusal=lambda: AgentLimitReached(limit),
            )
        )

    async def count_token(self, organization_id: OrganizationId, month: str, limit: int) -> None:
        params = {"organization_id": organization_id, "counter": f"tokens:{month}", "limit": limit}
        self._staging.stage(
            _LimitedWrite(
                _COUNT_TOKEN,
                params,
                expected_rowcount=1,
                refusal=lambda: TokenQuotaExhausted(limit),
            )
        )

    def _value(self, organization_id: OrganizationId, counter: str) -> int:
        row = self._reader.one(_GET, {"organization_id": organization_id, "counter": counter})
        return 0 if row is None else int(row[0])
