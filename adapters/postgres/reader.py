"""Reads straight through the pool: one autocommit statement per read.

Each read borrows a connection for a single statement, so it sees the latest committed
state and never a unit of work's staged writes (those exist only in the unit of work until
the writer commits them).

A SELECT changes nothing, so a read whose connection turns out to be dead (cut off by a
server restart or a terminated backend a moment before) is sent once more on another
connection: after a restart readers see no error at all. Anything else is not retried.

Tenant scope (row-level security, docs/adr/0011): a reader bound to a tenant (see
:meth:`Reader.bound`) makes sure its connection's session acts for that tenant before the
query (:func:`~.tenancy.ensure_session_tenant`: a pipelined ``set_config``, sent only when the
connection last served another tenant). The store's own reader is unbound and sends bare
statements: it reads only tables without tenant data (revoked tokens, health).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import psycopg

from agentidp.adapters.relational.rows import Row

from .errors import translating
from .pool import Connection, Connections
from .tenancy import (
    NO_TENANT,
    ensure_session_tenant,
    forget_session_tenant,
    remember_session_tenant,
    session_tenant_is,
)

#: A read is sent at most twice: once more only if its connection was found dead.
_ATTEMPTS: Final = (1, 2)


class Reader:
    """Runs SELECTs and maps every connection failure to ``BackendUnavailable``.

    Args:
        connections: the store's open pool.
        tenant: the organization the reads act for (``*``: every one; ``""``: none), or
            ``None`` for an unbound reader (see the module docstring).
    """

    def __init__(self, connections: Connections, tenant: str | None = None) -> None:
        self._connections = connections
        self._tenant = tenant

    def bound(self, tenant: str | None) -> Reader:
        """A reader on the same pool whose reads act for ``tenant`` (a unit of work's);
        ``None`` (undeclared) sees no tenant's rows at all."""
        return Reader(self._connections, NO_TENANT if tenant is None else tenant)

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
                        return await self._run(connection, sql, params, limit)
                    except psycopg.OperationalError:
                        if attempt == _ATTEMPTS[-1] or not connection.broken:
                            raise
                        # NOTE: dead before it could answer: try the next connection.
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _run(
        self, connection: Connection, sql: str, params: Mapping[str, Any], limit: int | None
    ) -> list[Row]:
        tenant = self._tenant
        if tenant is None or session_tenant_is(connection, tenant):
            cursor = await connection.execute(sql, params)
        else:
            try:
                async with connection.pipeline():  # set_config and query: one round trip
                    await ensure_session_tenant(connection, tenant)
                    cursor = await connection.execute(sql, params)
            except BaseException:
                forget_session_tenant(connection)
                raise
            remember_session_tenant(connection, tenant)
        return await cursor.fetchall() if limit is None else await cursor.fetchmany(limit)
