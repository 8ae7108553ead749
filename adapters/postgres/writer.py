"""The writer task: every write of a process goes through it, with group commit.

Why: each COMMIT costs PostgreSQL a WAL flush (an fsync) and the client a few round trips,
and one process may have many requests committing at the same moment. The writer (an
asyncio task on the store's event loop; psycopg is async, so no thread is needed) takes every
batch that is queued (waiting only for the first) and runs them all in ONE transaction on
one pool connection, committed once (see :mod:`.group_commit`: pipelined, and batch by batch
with one savepoint each when a batch fails, which is then rolled back without touching the
others).

Invariants:
- A batch's future is resolved only after the COMMIT that contains it has returned, so an
  acknowledged unit of work is durable.
- The chain head is locked and read first in every group transaction (see :mod:`.chain`);
  a batch that fails does not advance the head, so the chain never links to a rolled-back
  event.
- If BEGIN or COMMIT fails, or the connection dies mid-way, every batch of the group fails
  with ``BackendUnavailable`` and nothing of the group is applied. (NOTE: as with any
  database client, a connection lost while the COMMIT itself is in flight leaves the outcome
  unknown to us; the group is still reported as failed, never as acknowledged.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from agentidp.adapters.relational.group_commit import (
    LINGER_BELOW,
    LINGER_SECONDS,
    LingerPolicy,
    drain,
    settle_all,
)
from agentidp.adapters.relational.group_commit import WriterStats as SharedWriterStats
from agentidp.application.errors import BackendUnavailable

from .errors import unavailable
from .group_commit import Batch, Outcome, commit_batch_by_batch, commit_pipelined
from .pool import Connections


@dataclass(slots=True)
class WriterStats(SharedWriterStats):
    """Group-commit counters; ``redone`` counts groups whose pipelined attempt failed and
    that were redone batch by batch (see :mod:`.group_commit`)."""

    redone: int = 0


class GroupCommitWriter:
    """Applies queued batches in group transactions on connections from ``connections``.

    Args:
        connections: the store's open pool; the writer borrows one connection per group, so
            it holds none while idle and picks up a fresh one after PostgreSQL restarts.
    """

    def __init__(self, connections: Connections) -> None:
        self._connections = connections
        self._queue: asyncio.Queue[Batch | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.stats = WriterStats()
        self._linger_policy = LingerPolicy()

    def start(self) -> None:
        """Start the writer task on the running event loop."""
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name="agentidp-postgres-writer"
        )

    def submit(self, batch: Batch) -> None:
        """Queue ``batch``; its future settles once its group has committed or failed."""
        self._queue.put_nowait(batch)

    async def stop(self) -> None:
        """Apply everything queued so far, then end the task."""
        if self._task is None:
            return
        self._queue.put_nowait(None)
        await self._task

    @property
    def is_alive(self) -> bool:
        """True while the task accepts batches."""
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        try:
            stopping = False
            while not stopping:
                group, stopping = await self._next_group()
                if group:
                    await self._commit_group(group)
        finally:
            # Defensive: whatever ends the task, nobody may wait forever on a queued batch.
            self._fail_queued()

    async def _next_group(self) -> tuple[list[Batch], bool]:
        first = await self._queue.get()
        if first is None:
            return [], True
        group = [first]
        stopping = self._drain(group)
        if not stopping and self._linger_policy.lingers:
            stopping = await self._linger(group)
        self._linger_policy.observe(len(group))
        return group, stopping

    async def _linger(self, group: list[Batch]) -> bool:
        """Wait up to :data:`LINGER_SECONDS` for the group to reach :data:`LINGER_BELOW`."""
        deadline = asyncio.get_running_loop().time() + LINGER_SECONDS
        while len(group) < LINGER_BELOW:
            try:
                async with asyncio.timeout_at(deadline):
                    batch = await self._queue.get()
            except TimeoutError:
                break
            if batch is None:
                return True
            group.append(batch)
        return self._drain(group)

    def _drain(self, group: list[Batch]) -> bool:
        """Move queued batches into ``group`` without waiting; True if a stop was queued."""
        return drain(group, self._queue.get_nowait, asyncio.QueueEmpty)

    async def _commit_group(self, group: list[Batch]) -> None:
        try:
            outcomes = await self._transaction(group)
        except asyncio.CancelledError as exc:
            _settle(group, [unavailable(exc) for _ in group])
            raise
        except Exception as exc:  # noqa: BLE001 — every batch of the group receives it
            outcomes = [unavailable(exc) for _ in group]
        else:
            self.stats.groups += 1
            self.stats.batches += len(group)
        _settle(group, outcomes)

    async def _transaction(self, group: list[Batch]) -> list[Outcome]:
        async with self._connections.borrow() as connection:
            if await commit_pipelined(connection, group):
                return [None] * len(group)
            self.stats.redone += 1
            return await commit_batch_by_batch(connection, group)

    def _fail_queued(self) -> None:
        leftovers = []
        while not self._queue.empty():
            batch = self._queue.get_nowait()
            if batch is not None:
                leftovers.append(batch)
        _settle(leftovers, [BackendUnavailable("The store is closed.") for _ in leftovers])


def _settle(group: Sequence[Batch], outcomes: Sequence[Outcome]) -> None:
    settle_all((batch.future, outcome) for batch, outcome in zip(group, outcomes, strict=True))
