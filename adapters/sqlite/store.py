"""The embedded default store: one SQLite file in WAL mode.

Shape (one per process):
- one read connection used directly on the event loop thread (indexed reads are cheaper than
  a thread hop), ``query_only`` so nothing can write around the writer;
- one writer thread with its own connection and ``synchronous=FULL`` (a returned commit has
  been fsynced), applying units of work in group transactions (see :mod:`.writer`).

Several processes (uvicorn workers) may open the same file: ``BEGIN IMMEDIATE`` plus
``busy_timeout`` serialise their writers, and the audit chain head is read inside each write
transaction, so the chain never forks.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from agentidp.adapters.relational.group_commit import WriterStats
from agentidp.adapters.relational.store import StoreLifecycle
from agentidp.domain.audit import AuditEvent

from .errors import unavailable
from .migrations import apply_migrations
from .reader import Reader
from .staging import Write
from .unit_of_work import SqliteUnitOfWork
from .writer import Batch, GroupCommitWriter


class SqliteStore(StoreLifecycle[Reader]):
    """Connections, migrations and the writer thread of one database file.

    Args:
        path: the database file; missing parent directories are created by :meth:`open`.
        busy_timeout_ms: how long a connection waits for another process's lock before the
            operation fails with ``BackendUnavailable``.

    Use ``await store.open()`` / ``await store.close()`` (or ``async with``), then
    :meth:`unit_of_work` for each operation.
    """

    backend = "SQLite"

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout_ms: int = 5000) -> None:
        self.path = Path(path)
        self._busy_timeout_ms = busy_timeout_ms
        self._reader: Reader | None = None
        self._read_connection: sqlite3.Connection | None = None
        self._writer: GroupCommitWriter | None = None
        self._write_connection: sqlite3.Connection | None = None

    async def open(self) -> None:
        """Create the file if needed, apply pending migrations and start the writer.

        Raises:
            MigrationFailed: a migration failed (it names the file).
            BackendUnavailable: the file cannot be opened.
        """
        if self._writer is not None:
            return
        try:
            write, read = await asyncio.to_thread(self._connect)
        except sqlite3.Error as exc:
            raise unavailable(exc) from exc
        self._write_connection, self._read_connection = write, read
        self._reader = Reader(read)
        self._writer = GroupCommitWriter(write)
        self._writer.start()

    async def close(self) -> None:
        """Commit what is already queued, stop the writer and close both connections."""
        writer, self._writer, self._reader = self._writer, None, None
        if writer is not None:
            await asyncio.to_thread(writer.stop)
        if self._write_connection is not None:
            with contextlib.suppress(sqlite3.Error):
                self._write_connection.execute("PRAGMA optimize")
            self._write_connection.close()
        if self._read_connection is not None:
            self._read_connection.close()
        self._write_connection = self._read_connection = None

    async def ping(self) -> None:
        """Health check: the file is readable and the writer thread is running.

        Raises:
            BackendUnavailable: either is not the case.
        """
        self.reader.ping()
        if self._writer is None or not self._writer.is_alive:
            raise self.writer_not_running()

    def unit_of_work(self) -> SqliteUnitOfWork:
        """A fresh unit of work (the ``UnitOfWorkFactory`` of this store)."""
        return SqliteUnitOfWork(self.reader, self.submit)

    @property
    def stats(self) -> WriterStats:
        """Group-commit counters of this process's writer."""
        return WriterStats() if self._writer is None else self._writer.stats

    async def submit(self, writes: Sequence[Write], events: Sequence[AuditEvent]) -> None:
        """Apply ``writes`` and link ``events`` in one batch; returns once durably committed.

        Raises:
            ApplicationError: the batch's own conflict (nothing of it applied), or
                ``BackendUnavailable``.
        """
        writer = self._writer
        if writer is None or not writer.is_alive:
            raise self.not_open()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        writer.submit(Batch(writes, events, loop, future))
        await future

    def _connect(self) -> tuple[sqlite3.Connection, sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write = self._connection()
        try:
            mode = write.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode != "wal":
                raise sqlite3.OperationalError(f"journal_mode is {mode!r}, WAL is required")
            write.execute("PRAGMA synchronous = FULL")  # durability: a commit is an fsync
            write.execute("PRAGMA foreign_keys = ON")
            apply_migrations(write)
            read = self._connection()
        except BaseException:
            write.close()
            raise
        # Defensive: every write must go through the writer thread and its group commit.
        read.execute("PRAGMA query_only = ON")
        return write, read

    def _connection(self) -> sqlite3.Connection:
        # isolation_level=None: autocommit, we issue BEGIN/COMMIT ourselves.
        # check_same_thread=False: opened in a worker thread, then used by one other thread.
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        connection.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
        return connection
