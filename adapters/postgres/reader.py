"""Reads straight through the pool: one autocommit statement per read.

Each read borrows a connection for a single statement, so it sees the latest committed
state and never a unit of work's staged writes (those exist only in the unit of work until
the writer commits them).

A SELECT changes nothing, so a read whose connection turns out to be dead (cut off by a
server restart or a terminated backend a moment before) is sent once more on another
connection: after a restart readers see no error at all. Anything else is not retried.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import psycopg

from agentidp.adapters.relational.rows import Row

from .errors import translating
from .pool import Connections

#: A read is sent at most twice: once more only if its connection was found dead.
_ATTEMPTS: Final = (1, 2)


class Reader:
    """Runs SELECTs and maps every connection failure to ``BackendUnavailable``.

    Args:
        connections: the store's open pool.
    """

    def __init__(self, connections: Connections) -> None:
        self._connections = connections

    async def one(self, sql: str, params: Mapping[str, Any]) -> Row | None:
        """The first row, or ``None``."""
        rows = await self._fetch(sql, params, limit=1)
        return rows[0] if rows else None

    async def all(self, sql: str, params: Mapping[str, Any]) -> list[Row]:
        """Every row."""
        return await self._fetch(sql, params, limit=None)

    async def page(self, sql: str, params: Mapping[str, Any]) -> tuple[list[Row], int]:
        """One page of rows and the total count from a :func:`~.sql.page_sql` statement.

        Returns the rows without their trailing total column.
        """
        rows = await self.all(sql, params)
        total = int(rows[0][-1]) if rows else 0
        # An empty page is a single row of NULLs next to the total (LEFT JOIN LATERAL).
        return [row[:-1] for row in rows if row[0] is not None], total

    async def ping(self) -> None:
        """``SELECT 1``; raises ``BackendUnavailable`` if PostgreSQL cannot be reached."""
        await self.one("SELECT 1", {})

    async def _fetch(self, sql: str, params: Mapping[str, Any], limit: int | None) -> list[Row]:
        with translating():
            for attempt in _ATTEMPTS:
                async with self._connections.borrow() as connection:
                    try:
                        cursor = await connection.execute(sql, params)
                        if limit is None:
                            return await cursor.fetchall()
                        return await cursor.fetchmany(limit)
                    except psycopg.OperationalError:
                        if attempt == _ATTEMPTS[-1] or not connection.broken:
                            raise
                        # NOTE: dead before it could answer: try the next connection.
        raise AssertionError("unreachable: the last attempt returns or raises")
