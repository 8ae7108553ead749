"""The client directory of a PostgreSQL process, kept in memory and invalidated by PostgreSQL.

Every token request authenticates its client; reading the agent and its credentials from
PostgreSQL for each one cost more CPU (in PostgreSQL and in the worker) than anything else
on the token endpoint (docs/benchmarks.md). Records change rarely, so each process keeps
them and drops one the moment PostgreSQL says it changed (:mod:`.client_changes`).

What keeps it correct (docs/adr/0015-client-cache.md):
- a change reaches every process through NOTIFY, sent by triggers at commit, whoever wrote;
- before trusting an entry, the notifications already on the socket are applied;
- a read that raced with a change is not cached: a record is stored only if no change at all
  arrived while it was being read (:attr:`_changes` is a counter of every notification);
- while the LISTEN connection is down nothing is served from memory or stored.
Unknown client ids are never cached, so guessing ids cannot fill memory; the size is bounded.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Final

from agentidp.application.ports.repositories import ClientDirectory, ClientRecord
from agentidp.application.ports.tenant_context import ALL_TENANTS
from agentidp.domain.ids import AgentId

from .client_changes import EVERYTHING, ClientChangeFeed
from .clients import PostgresClientDirectory
from .reader import Reader

#: Most records one process keeps; past it the cache starts again from empty.
MAX_ENTRIES: Final = 10_000


class ClientRecordCache:
    """The process-wide records and the change feed that invalidates them.

    Args:
        url: the store's connection string (the feed opens its own connection).
        connect_timeout: seconds to wait for that connection.
    """

    def __init__(self, url: str, connect_timeout: float = 5.0) -> None:
        self._records: dict[str, ClientRecord] = {}
        self._changes = 0
        self.feed = ClientChangeFeed(url, self._changed, connect_timeout)

    def directory(self, reader: Reader, tenant: str | None) -> ClientDirectory:
        """The ``ClientDirectory`` of one unit of work acting for ``tenant``, reading through
        ``reader`` on a miss. Only the all-tenants context (the token endpoint, before any
        caller is known) is served from memory: a unit acting for one organization reads
        PostgreSQL, where row-level security applies to it."""
        database = PostgresClientDirectory(reader)
        return CachingClientDirectory(self, database) if tenant == ALL_TENANTS else database

    def get(self, client_id: str) -> ClientRecord | None:
        """A private copy of the record, if one is held and may be trusted now."""
        self.feed.drain()
        record = self._records.get(client_id) if self.feed.live else None
        if record is None:
            return None
        # The port promises private copies (agent metadata nests): ~35 µs, against the
        # ~300 µs of CPU (worker and PostgreSQL) of the read it replaces.
        return deepcopy(record)

    def changes_seen(self) -> int:
        """How many changes have been heard so far (compare before and after a read)."""
        return self._changes

    def keep(self, client_id: str, record: ClientRecord, changes_before: int) -> None:
        """Store ``record`` unless any change arrived since ``changes_before`` or the feed is
        down (the record may then be stale)."""
        self.feed.drain()
        if not self.feed.live or self._changes != changes_before:
            return
        if len(self._records) >= MAX_ENTRIES:
            self._records.clear()
        self._records[client_id] = deepcopy(record)  # the caller's copy stays its own

    def _changed(self, client_id: str) -> None:
        self._changes += 1
        if client_id == EVERYTHING:
            self._records.clear()
        else:
            self._records.pop(client_id, None)


class CachingClientDirectory:
    """Implements ``ClientDirectory``: memory first, PostgreSQL on a miss."""

    def __init__(self, cache: ClientRecordCache, database: PostgresClientDirectory) -> None:
        self._cache = cache
        self._database = database

    async def find(self, client_id: AgentId) -> ClientRecord | None:
        record = self._cache.get(client_id)
        if record is not None:
            return record
        before = self._cache.changes_seen()
        record = await self._database.find(client_id)
        if record is not None:
            self._cache.keep(client_id, record, before)
        return record
