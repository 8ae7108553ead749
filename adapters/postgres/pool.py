"""The psycopg connection pool every read and every group transaction draws from.

Connections are in autocommit mode: a read is one statement, hence one snapshot of committed
state with no transaction left open, and the writer issues BEGIN/COMMIT itself.

Recovery after a PostgreSQL restart (or terminated backends) needs no restart of the IdP:
- every connection is checked when the pool hands it out (:meth:`Connections._check`), so
  dead connections left in the pool are discarded and replaced before anyone uses them;
- a connection that turns out dead when used (cut off a moment before) costs a read nothing
  (the reader sends it once more, see :mod:`.reader`) and fails a group commit with
  ``BackendUnavailable``; the pool discards it, and :meth:`Connections.borrow` then checks
  every idle connection (they were most likely cut off too), so a retry gets a live one;
- the pool reconnects in the background, and a caller that finds no connection waits at most
  ``connect_timeout`` seconds (``PoolTimeout`` → ``BackendUnavailable``).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import select
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Final

import psycopg
from psycopg import AsyncConnection
from psycopg.rows import TupleRow
from psycopg_pool import AsyncConnectionPool

Connection = AsyncConnection[TupleRow]
Pool = AsyncConnectionPool[Connection]

#: Shown in ``pg_stat_activity.application_name`` unless the URL names one.
APPLICATION_NAME: Final = "agentidp"
#: libpq's smallest effective ``connect_timeout`` (it rounds smaller values up to 2 s).
_MIN_CONNECT_TIMEOUT: Final = 2


@dataclass(frozen=True, slots=True)
class PoolSettings:
    """Sizing and timeouts of the pool (see :class:`~.store.PostgresStore` for meanings)."""

    url: str
    min_size: int = 2
    max_size: int = 20
    idle_timeout: float = 30.0
    connect_timeout: float = 5.0


def _input_waiting(connection: Connection) -> bool:
    poll = getattr(select, "poll", None)
    if poll is None:  # NOTE: no poll() on Windows: always run the full check there
        return True
    poller = poll()
    poller.register(connection.pgconn.socket, select.POLLIN)
    return bool(poller.poll(0))


class Connections:
    """The store's pool, and the one way its connections are borrowed (:meth:`borrow`)."""

    def __init__(self, settings: PoolSettings) -> None:
        self._settings = settings
        self._sweep: asyncio.Task[None] | None = None
        kwargs: dict[str, Any] = {
            "autocommit": True,
            "connect_timeout": max(_MIN_CONNECT_TIMEOUT, math.ceil(settings.connect_timeout)),
        }
        if "application_name" not in settings.url:
            kwargs["application_name"] = APPLICATION_NAME
        self.pool: Pool = AsyncConnectionPool(
            settings.url,
            kwargs=kwargs,
            min_size=settings.min_size,
            max_size=settings.max_size,
            max_idle=settings.idle_timeout,
            timeout=settings.connect_timeout,
            check=self._check,
            name="agentidp-postgres",
            open=False,
        )

    async def open(self) -> None:
        """Connect ``min_size`` connections, waiting at most ``connect_timeout``.

        Raises:
            psycopg_pool.PoolTimeout: not in time (the pool is closed again).
        """
        await self.pool.open(wait=True, timeout=self._settings.connect_timeout)

    async def close(self) -> None:
        """Close every connection; the pool cannot be reopened."""
        if self._sweep is not None:
            await self._sweep  # a sweep still running must not outlive the pool
        await self.pool.close()

    @contextlib.asynccontextmanager
    async def borrow(self) -> AsyncIterator[Connection]:
        """A connection for one read or one group transaction, returned to the pool after.

        Raises:
            psycopg.Error: whatever the block raises; ``PoolTimeout`` when no connection
                could be had within ``connect_timeout``.
        """
        lost = False
        try:
            async with self.pool.connection() as connection:
                try:
                    yield connection
                finally:
                    lost = connection.broken  # the pool discards it when it comes back
        finally:
            if lost:
                await self._check_idle()

    async def _check(self, connection: Connection) -> None:
        """The pool's check of a connection it is about to hand out, usually without a round
        trip.

        An idle PostgreSQL connection receives nothing unless the server is ending it: a
        FATAL message when its backend is terminated or the server shuts down, end-of-file
        when the server crashed. So only a connection with input waiting gets psycopg's full
        check (an empty query), which raises for a dead connection and passes a live one.
        (psycopg's own ``check_connection`` on every checkout made each read cost two round
        trips instead of one.)

        A dead connection means the others idle in the pool were most likely cut off at the
        same moment, so they are all tested before this one is reported: psycopg_pool waits
        1 s, 2 s, 4 s ... between consecutive failed checks, so otherwise a pool full of dead
        connections would make the next caller time out.
        """
        if connection.closed or _input_waiting(connection):
            try:
                await AsyncConnectionPool.check_connection(connection)
            except psycopg.Error:
                await self._check_idle()
                raise

    async def _check_idle(self) -> None:
        """Test every idle connection now, replacing the dead ones (one sweep at a time:
        callers arriving during a sweep wait for it)."""
        if self._sweep is None or self._sweep.done():
            self._sweep = asyncio.get_running_loop().create_task(self._sweep_idle())
        await asyncio.shield(self._sweep)

    async def _sweep_idle(self) -> None:
        with contextlib.suppress(psycopg.Error):
            await self.pool.check()
