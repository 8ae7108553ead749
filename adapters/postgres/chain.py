"""Linking audit events onto the stored hash chain (writer task only).

Design choice (of the two the schema allows): the head lives in the one-row table
``audit_chain_head``, and every group transaction starts with
``SELECT hash FROM audit_chain_head WHERE id = 1 FOR UPDATE``.

- The row lock is held until COMMIT or ROLLBACK, so it serialises the writers of every
  process sharing the database, exactly as SQLite's ``BEGIN IMMEDIATE`` does: no other
  writer can append between our read of the head and our insert, and the chain never forks.
  Since every group takes it first, two groups can never deadlock on rows either.
- Under READ COMMITTED a ``FOR UPDATE`` that had to wait returns the row as committed by the
  transaction it waited for, so the head read after the wait is never stale. (An advisory
  lock plus ``SELECT ... ORDER BY seq DESC`` would need the lock and the read as two
  statements, because a statement's snapshot is taken before it could wait for the lock.)
- Reading one row by primary key is O(1) however long the log grows.

The head is updated once per group, after the last batch; a batch rolled back to its
savepoint simply does not advance the head the writer carries in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from agentidp.adapters.relational.rows import AUDIT_COLUMNS
from agentidp.domain.audit import AuditEvent

from .errors import translating
from .pool import Connection
from .rows import AUDIT_CASTS, ROWS
from .sql import insert_sql

_LOCK_HEAD: Final = "SELECT hash FROM audit_chain_head WHERE id = 1 FOR UPDATE"
_SET_HEAD: Final = "UPDATE audit_chain_head SET hash = %(hash)s WHERE id = 1"
_INSERT: Final = insert_sql("audit_events", AUDIT_COLUMNS, AUDIT_CASTS)


class ChainHeadMissing(RuntimeError):
    """The ``audit_chain_head`` row is gone (the schema was tampered with): nothing can be
    appended safely, so the whole group fails."""


async def lock_head(connection: Connection) -> str:
    """Lock the chain head for this transaction and return its hash (genesis: ``""``)."""
    cursor = await connection.execute(_LOCK_HEAD)
    row = await cursor.fetchone()
    if row is None:
        raise ChainHeadMissing("audit_chain_head has no row; run the migrations again")
    return str(row[0])


async def append_events(connection: Connection, events: Sequence[AuditEvent], head: str) -> str:
    """Link ``events`` in order after ``head``, insert them, and return the new head.

    Raises:
        Conflict: an event id is already stored.
    """
    rows, head = ROWS.chained_audit_params(events, head)
    with translating():
        if len(rows) == 1:
            await connection.execute(_INSERT, rows[0])
        elif rows:
            # executemany pipelines the rows: one round trip for the whole batch.
            await connection.cursor().executemany(_INSERT, rows)
    return head


async def store_head(connection: Connection, head: str) -> None:
    """Record ``head`` as the chain head (inside the transaction that locked it)."""
    await connection.execute(_SET_HEAD, {"hash": head})
