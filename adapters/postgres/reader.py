"""Reads straight through the pool: one autocommit statement per read.

Each read borrows a connection for a single statement, so it sees the latest committed
state and never a unit of work's staged writes (those exist only in the unit of work until
the writer commits them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import translating
from .pool import Pool
from .rows import Row


class Reader:
    """Runs SELECTs and maps every connection failure to ``BackendUnavailable``.

    Args:
        pool: the store's open pool.
    """

    def __init__(self, pool: Pool) -> None:
        self._pool = pool

    async def one(self, sql: str, params: Mapping[str, Any]) -> Row | None:
        """The first row, or ``None``."""
        with translating():
            async with self._pool.connection() as connection:
                cursor = await connection.execute(sql, params)
                return await cursor.fetchone()

    async def all(self, sql: str, params: Mapping[str, Any]) -> list[Row]:
        """Every row."""
        with translating():
            async with self._pool.connection() as connection:
                cursor = await connection.execute(sql, params)
                return await cursor.fetchall()

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
