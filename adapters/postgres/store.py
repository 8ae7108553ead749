"""The production store: PostgreSQL through a psycopg async connection pool.

Shape (one per process, e.g. per uvicorn worker):
- a pool of autocommit connections (:mod:`.pool`); reads borrow one for a single statement;
- one writer task that applies units of work in group transactions (see :mod:`.writer`).

Several processes may share one database: the chain head row lock taken first in every
group transaction serialises their writers (see :mod:`.chain`), so the chain never forks,
and migrations run under an advisory lock (see :mod:`.migrations`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from functools import partial

from agentidp.adapters.relational.store import StoreLifecycle
from agentidp.application.ports import tenant_context
from agentidp.domain.audit import AuditEvent

from .client_cache import ClientRecordCache
from .errors import translating
from .group_commit import Batch
from .migrations import apply_migrations
from .pool import Connections, PoolSettings
from .reader import Reader
from .staging import Write
from .unit_of_work import PostgresUnitOfWork
from .writer import GroupCommitWriter, WriterStats


class PostgresStore(StoreLifecycle[Reader]):
    """Pool, migrations and the writer task of one PostgreSQL database.

    Args:
        url: a libpq connection string or URL, e.g. ``postgresql://idp@db:5432/agentidp``.
        pool_min: connections kept open even when idle.
        pool_max: the most connections this process opens (reads plus one for the writer).
        idle_timeout: seconds an idle connection above ``pool_min`` is kept.
        connect_timeout: seconds to wait for a new connection, and for a free pooled
            connection, before the operation fails with ``BackendUnavailable``.

    Use ``await store.open()`` / ``await store.close()`` (or ``async with``), then
    :meth:`unit_of_work` for each operation. The store belongs to the event loop that opened
    it.
    """

    backend = "PostgreSQL"

    def __init__(
        self,
        url: str,
        *,
        pool_min: int = 2,
        pool_max: int = 20,
        idle_timeout: float = 30.0,
        connect_timeout: float = 5.0,
    ) -> None:
        self._settings = PoolSettings(url, pool_min, pool_max, idle_timeout, connect_timeout)
        self._connections: Connections | None = None
        self._reader: Reader | None = None
        self._writer: GroupCommitWriter | None = None
        self._clients: ClientRecordCache | None = None

    async def open(self) -> None:
        """Connect the pool, apply pending migrations and start the writer.

        Raises:
            MigrationFailed: a migration failed (it names the file).
            BackendUnavailable: PostgreSQL cannot be reached within ``connect_timeout``.
        """
        if self._writer is not None:
            return
        # NOTE: a pool cannot be reopened once closed, so every open() builds a new one.
        connections = Connections(self._settings)
        try:
            with translating():
                await connections.open()
                async with connections.borrow() as connection:
                    await apply_migrations(connection)
        except BaseException:
            await connections.close()
            raise
        self._connections, self._reader = connections, Reader(connections)
        # After the migrations: the triggers that feed the client cache must exist.
        self._clients = ClientRecordCache(self._settings.url, self._settings.connect_timeout)
        await self._clients.feed.open()
        self._writer = GroupCommitWriter(connections)
        self._writer.start()

    async def close(self) -> None:
        """Commit what is already queued, stop the writer and close the pool."""
        writer, self._writer, self._reader = self._writer, None, None
        connections, self._connections = self._connections, None
        clients, self._clients = self._clients, None
        try:
            if writer is not None:
                await writer.stop()
            if clients is not None:
                await clients.feed.close()
        finally:
            if connections is not None:
                await connections.close()

    async def ping(self) -> None:
        """Health check: ``SELECT 1`` succeeds and the writer task is running.

        Raises:
            BackendUnavailable: either is not the case.
        """
        await self.reader.ping()
        if self._writer is None or not self._writer.is_alive:
            raise self.writer_not_running()

    def unit_of_work(self) -> PostgresUnitOfWork:
        """A fresh unit of work (the ``UnitOfWorkFactory`` of this store), acting for the
        tenant context current now (:mod:`agentidp.application.ports.tenant_context`): its
        reads and its commit are scoped by row-level security to that organization."""
        tenant = tenant_context.current()
        reader = self.reader.bound(tenant)
        if self._clients is None:
            raise self.not_open()
        return PostgresUnitOfWork(
            reader, partial(self.submit, tenant=tenant), self._clients.directory(reader, tenant)
        )

    @property
    def stats(self) -> WriterStats:
        """Group-commit counters of this process's writer."""
        return WriterStats() if self._writer is None else self._writer.stats

    async def submit(
        self, writes: Sequence[Write], events: Sequence[AuditEvent], tenant: str | None = None
    ) -> None:
        """Apply ``writes`` and link ``events`` in one batch acting for ``tenant`` (see
        :mod:`.tenancy`); returns once durably committed.

        Raises:
            ApplicationError: the batch's own conflict (nothing of it applied), or
                ``BackendUnavailable``.
        """
        writer = self._writer
        if writer is None or not writer.is_alive:
            raise self.not_open()
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        writer.submit(Batch(writes, events, future, tenant))
        await future
