"""Reads on the event-loop thread through the store's one read connection.

An indexed read takes tens of microseconds, less than a hop to a worker thread would cost, so
repositories query directly on the loop. The connection is in autocommit mode: each statement
reads the latest committed WAL snapshot, so reads never see a unit of work's staged writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from agentidp.adapters.relational.rows import Row

from .errors import reading


class Reader:
    """Runs SELECTs and maps any sqlite3 failure to ``BackendUnavailable``.

    Args:
        connection: the store's read connection (``query_only``, autocommit); must be used
            only from the event loop thread.
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def one(self, sql: str, params: Mapping[str, Any]) -> Row | None:
        """The first row, or ``None``."""
        with reading():
            row: Row | None = self._connection.execute(sql, params).fetchone()
        return row

    def all(self, sql: str, params: Mapping[str, Any]) -> list[Row]:
        """Every row."""
        with reading():
            return self._connection.execute(sql, params).fetchall()

    def page(
        self, rows_sql: str, count_sql: str, params: Mapping[str, Any]
    ) -> tuple[list[Row], int]:
        """One page of rows and the total count, both from the same snapshot (so a commit
        landing between the two statements cannot make them disagree)."""
        with reading(), self._snapshot():
            rows = self._connection.execute(rows_sql, params).fetchall()
            (total,) = self._connection.execute(count_sql, params).fetchone()
        return rows, int(total)

    def ping(self) -> None:
        """``SELECT 1``; raises ``BackendUnavailable`` if the database cannot be read."""
        with reading():
            self._connection.execute("SELECT 1").fetchone()

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        # NOTE: no await happens inside, so no other coroutine can use the connection while
        # this read transaction is open.
        self._connection.execute("BEGIN")
        try:
            yield
        finally:
            self._connection.execute("COMMIT")
