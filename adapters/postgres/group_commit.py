"""One group transaction: the batches of many units of work, one COMMIT.

A group runs in one of two ways, with the same outcomes:

1. Pipelined, the common case, in three round trips whatever the group's size: BEGIN and
   the chain head lock (see :mod:`.chain`); then every batch's writes, its audit inserts and
   the head update, queued in pipeline mode and sent together; then COMMIT. It commits only
   if every statement succeeded and every expectation held (the row count of each
   optimistic UPDATE). Otherwise it rolls the whole attempt back and takes way 2.
2. Batch by batch: the head is locked again and each batch runs in its own SAVEPOINT; a
   batch that fails is rolled back to its savepoint and handed its own error (a conflict),
   and the head it would have produced is dropped, while the other batches commit.

Why both: a savepoint per batch costs two round trips of its own (SAVEPOINT, RELEASE) on
top of its statements, each waited for, and most groups contain no failing batch at all.
Between the two attempts the head lock is released, so way 2 may see commits of other
processes that way 1 did not: exactly as if the group had been formed a moment later.

Tenancy: one group holds units of work of several organizations, so each batch's statements
are preceded by setting the batch's own tenant (:func:`~.tenancy.set_tenant`, one pipelined
statement): row-level security then checks every row the batch writes, audit events included,
against the organization its unit of work acts for (docs/adr/0011).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from psycopg import AsyncCursor
from psycopg.pq import TransactionStatus
from psycopg.rows import TupleRow

from agentidp.domain.audit import AuditEvent

from .chain import append_events, lock_head, store_head
from .pool import Connection
from .staging import Write
from .tenancy import set_tenant

#: What a batch's caller receives: ``None`` for committed, else the exception to raise.
Outcome = BaseException | None
_IN_TRANSACTION = (TransactionStatus.INTRANS, TransactionStatus.INERROR)


@dataclass(slots=True)
class Batch:
    """One unit of work's commit: its writes and audit events, who awaits the result, and the
    organization it acts for (``*``: every one; ``None``: undeclared, refused by row-level
    security)."""

    writes: Sequence[Write]
    events: Sequence[AuditEvent]
    future: asyncio.Future[None]
    tenant: str | None = None


async def commit_pipelined(connection: Connection, group: Sequence[Batch]) -> bool:
    """Way 1: True if the whole group committed; False if it was rolled back because some
    batch failed (nothing of it was applied: call :func:`commit_batch_by_batch`).

    Raises:
        Exception: the transaction failed as a whole (connection lost, COMMIT refused);
            nothing of the group was applied, as far as this connection could tell.
    """
    expectations: list[tuple[AsyncCursor[TupleRow], int | None]] = []
    try:
        async with connection.pipeline() as pipeline:
            await connection.execute("BEGIN")
            start = head = await lock_head(connection)  # fetching syncs: round trip 1
            for batch in group:
                await set_tenant(connection, batch.tenant)
                for write in batch.writes:
                    cursor = await connection.execute(write.sql, write.params)
                    expectations.append((cursor, write.expected_rowcount))
                head = await append_events(connection, batch.events, head)
            if head != start:
                await store_head(connection, head)
            await pipeline.sync()  # round trip 2: raises the first statement's error
        as_expected = all(
            expected is None or cursor.rowcount == expected for cursor, expected in expectations
        )
    except Exception:  # a batch's own failure, unless the connection is gone
        if connection.broken or connection.closed:
            raise
        as_expected = False
    if not as_expected:
        if connection.info.transaction_status in _IN_TRANSACTION:
            await connection.execute("ROLLBACK")
        return False
    # NOTE: outside the try: a failed COMMIT must fail the group, never be attempted again.
    await connection.execute("COMMIT")  # round trip 3
    return True


async def commit_batch_by_batch(connection: Connection, group: Sequence[Batch]) -> list[Outcome]:
    """Way 2: one savepoint per batch, so each batch succeeds or fails on its own; returns
    one outcome per batch, in order.

    Raises:
        Exception: the transaction failed as a whole (as for :func:`commit_pipelined`).
    """
    async with connection.transaction():  # BEGIN ... COMMIT, or ROLLBACK if this raises
        start = head = await lock_head(connection)
        outcomes = []
        for batch in group:
            head, outcome = await _apply(connection, batch, head)
            outcomes.append(outcome)
        if head != start:
            await store_head(connection, head)
    return outcomes


async def _apply(connection: Connection, batch: Batch, head: str) -> tuple[str, Outcome]:
    """Run one batch inside its own savepoint; return the new head and the batch's outcome.

    Raises:
        Exception: the transaction itself is lost (the whole group fails).
    """
    await connection.execute("SAVEPOINT batch")
    try:
        await set_tenant(connection, batch.tenant)
        for write in batch.writes:
            await write.run(connection)
        new_head = await append_events(connection, batch.events, head)
    except Exception as exc:  # handed to this batch's caller, or re-raised
        if connection.broken or connection.closed:
            raise  # the transaction is gone with the connection: fail the group
        # If the transaction is unusable, this raises and the whole group fails.
        await connection.execute("ROLLBACK TO SAVEPOINT batch; RELEASE SAVEPOINT batch")
        return head, exc
    await connection.execute("RELEASE SAVEPOINT batch")
    return new_head, None
