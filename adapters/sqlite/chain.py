"""Linking audit events onto the stored hash chain (writer thread only).

Both functions run on the writer's connection inside its ``BEGIN IMMEDIATE`` transaction.
Reading the head there, under the database write lock, is what keeps the chain from forking
when several processes share the file: no other writer can append between the read and the
insert.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Final

from agentidp.adapters.relational.rows import AUDIT_COLUMNS
from agentidp.application.errors import Conflict
from agentidp.domain.audit import GENESIS_HASH, AuditEvent

from .errors import Constraints
from .rows import ROWS
from .sql import insert_sql

_HEAD: Final = "SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1"
_INSERT: Final = insert_sql("audit_events", AUDIT_COLUMNS)
# A duplicate event id (or, defensively, a second event after the same predecessor).
_CONSTRAINTS: Final = Constraints(duplicate=Conflict)


def read_head(connection: sqlite3.Connection) -> str:
    """The hash of the last event in chain order, or the genesis hash of an empty chain."""
    row = connection.execute(_HEAD).fetchone()
    return GENESIS_HASH if row is None else str(row[0])


def append_events(connection: sqlite3.Connection, events: Sequence[AuditEvent], head: str) -> str:
    """Link ``events`` in order after ``head``, insert them, and return the new head.

    Raises:
        Conflict: an event id is already stored.
    """
    rows, head = ROWS.chained_audit_params(events, head)
    with _CONSTRAINTS.translating():
        connection.executemany(_INSERT, rows)
    return head
