"""The writer thread: every write of a process goes through it, with group commit.

Why: with ``synchronous=FULL`` each COMMIT is an fsync (hundreds of microseconds), and one
process may have many requests committing at the same moment. The writer takes every batch
that is queued (blocking only for the first), runs them all in one ``BEGIN IMMEDIATE``
transaction, each inside its own savepoint, and fsyncs once. A batch that fails is rolled back
to its savepoint without touching the others.

Invariants:
- A batch's future is resolved only after the COMMIT that contains it has returned, so an
  acknowledged unit of work is durable.
- The audit chain head is read inside the write transaction (see :mod:`.chain`), and restored
  to its value before a batch that fails, so the chain never links to a rolled-back event.
- If BEGIN or COMMIT fails, or the transaction dies mid-way, every batch of the group fails
  with ``BackendUnavailable`` and nothing of the group is applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from agentidp.adapters.relational.group_commit import (
    LINGER_BELOW,
    LINGER_SECONDS,
    LingerPolicy,
    Outcome,
    WriterStats,
    drain,
    settle_all,
)
from agentidp.domain.audit import AuditEvent

from .chain import append_events, read_head
from .errors import unavailable
from .staging import Write


@dataclass(slots=True)
class Batch:
    """One unit of work's commit: its writes and audit events, and who awaits the result."""

    writes: Sequence[Write]
    events: Sequence[AuditEvent]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None]


class GroupCommitWriter:
    """Owns the write connection and applies queued batches in group transactions.

    Args:
        connection: a connection in autocommit mode (``isolation_level=None``), used only by
            the writer thread from :meth:`start` on.
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._queue: queue.SimpleQueue[Batch | None] = queue.SimpleQueue()
        # NOTE: daemon, so a store that is never closed cannot hang interpreter exit; an
        # unfinished transaction is simply not committed (and was never acknowledged).
        self._thread = threading.Thread(
            target=self._run, name="agentidp-sqlite-writer", daemon=True
        )
        self.stats = WriterStats()
        self._linger_policy = LingerPolicy()

    def start(self) -> None:
        """Start the writer thread."""
        self._thread.start()

    def submit(self, batch: Batch) -> None:
        """Queue ``batch``; its future settles once its group has committed or failed."""
        self._queue.put(batch)

    def stop(self) -> None:
        """Apply everything queued so far, then end the thread (blocking)."""
        self._queue.put(None)
        self._thread.join()

    @property
    def is_alive(self) -> bool:
        """True while the thread accepts batches."""
        return self._thread.is_alive()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            group, stopping = self._next_group()
            if group:
                self._commit_group(group)

    def _next_group(self) -> tuple[list[Batch], bool]:
        first = self._queue.get()
        if first is None:
            return [], True
        group = [first]
        stopping = self._drain(group)
        if not stopping and self._linger_policy.lingers:
            stopping = self._linger(group)
        self._linger_policy.observe(len(group))
        return group, stopping

    def _linger(self, group: list[Batch]) -> bool:
        """Wait up to :data:`LINGER_SECONDS` for the group to reach :data:`LINGER_BELOW`."""
        deadline = time.monotonic() + LINGER_SECONDS
        while len(group) < LINGER_BELOW:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                batch = self._queue.get(timeout=remaining)
            except queue.Empty:
                break
            if batch is None:
                return True
            group.append(batch)
        return self._drain(group)

    def _drain(self, group: list[Batch]) -> bool:
        """Move queued batches into ``group`` without waiting; True if a stop was queued."""
        return drain(group, self._queue.get_nowait, queue.Empty)

    def _commit_group(self, group: list[Batch]) -> None:
        try:
            outcomes = self._transaction(group)
        except Exception as exc:  # noqa: BLE001 — every batch of the group receives it
            self._abort()
            outcomes = [unavailable(exc) for _ in group]
        else:
            self.stats.groups += 1
            self.stats.batches += len(group)
        _settle_all(group, outcomes)

    def _transaction(self, group: list[Batch]) -> list[Outcome]:
        connection = self._connection
        connection.execute("BEGIN IMMEDIATE")
        head = read_head(connection)
        outcomes = []
        for batch in group:
            head, outcome = self._apply(batch, head)
            outcomes.append(outcome)
        connection.execute("COMMIT")
        return outcomes

    def _apply(self, batch: Batch, head: str) -> tuple[str, Outcome]:
        connection = self._connection
        connection.execute("SAVEPOINT batch")
        try:
            for write in batch.writes:
                write.run(connection)
            new_head = append_events(connection, batch.events, head)
        except Exception as exc:  # handed to this batch's caller, or re-raised
            if isinstance(exc, sqlite3.Error) and not isinstance(exc, sqlite3.IntegrityError):
                raise  # the transaction itself is in trouble (I/O, full disk): fail the group
            # If the transaction is already gone, these raise and the whole group fails.
            connection.execute("ROLLBACK TO batch")
            connection.execute("RELEASE batch")
            return head, exc
        connection.execute("RELEASE batch")
        return new_head, None

    def _abort(self) -> None:
        # Defensive: the transaction may already have been rolled back by SQLite itself.
        with contextlib.suppress(sqlite3.Error):
            if self._connection.in_transaction:
                self._connection.execute("ROLLBACK")


def _settle_all(group: Sequence[Batch], outcomes: Sequence[Outcome]) -> None:
    # One wake-up per event loop rather than per batch: each call_soon_threadsafe writes to
    # the loop's self-pipe.
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[None], Outcome]]] = {}
    for batch, outcome in zip(group, outcomes, strict=True):
        by_loop.setdefault(batch.loop, []).append((batch.future, outcome))
    for loop, settlements in by_loop.items():
        # A closed loop has nobody left waiting for the result.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle_all, settlements)
