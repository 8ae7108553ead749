"""Changes to what authenticates a client, pushed by PostgreSQL: LISTEN on one connection.

Triggers (migrations/postgres/0008_client_changes.sql) ``pg_notify`` the channel
:data:`CHANNEL` with the agent id whenever an agent or one of its credentials changes, and
with ``*`` whenever an organization changes. PostgreSQL delivers a notification only once its
transaction commits, to every listening connection of every process, whoever wrote: a worker,
the CLI, or an operator with psql. This module keeps one dedicated connection per process
listening, and tells its subscriber which client ids went stale.

The connection is read without a task: the event loop calls :meth:`ClientChangeFeed.drain`
when the socket is readable, and a cache calls it too before trusting an entry, so whatever
notification has reached the socket is applied first. While the connection is down nothing
can be trusted: :attr:`live` is False (and every change counts as "everything changed") until
it is back, and each reconnection again says "everything changed", because notifications sent
while nobody listened are lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Final

import psycopg

logger = logging.getLogger(__name__)

#: The notification channel; the payload is an agent id, or :data:`EVERYTHING`.
CHANNEL: Final = "agentidp_client_changes"
#: Payload meaning "any client may have changed" (an organization changed).
EVERYTHING: Final = "*"
#: Seconds between reconnection attempts while PostgreSQL is unreachable.
RECONNECT_DELAY: Final = 1.0

#: Called with the changed agent id, or :data:`EVERYTHING`.
Subscriber = Callable[[str], None]


class ClientChangeFeed:
    """One process's LISTEN connection for :data:`CHANNEL`.

    Args:
        url: the store's connection string.
        subscriber: told of every change (and of :data:`EVERYTHING` on connection changes).
        connect_timeout: seconds to wait for the connection.
    """

    def __init__(self, url: str, subscriber: Subscriber, connect_timeout: float = 5.0) -> None:
        self._url = url
        self._subscriber = subscriber
        self._connect_timeout = connect_timeout
        self._connection: psycopg.AsyncConnection[object] | None = None
        self._reconnecting: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def live(self) -> bool:
        """True while the connection listens: only then may a cache trust what it holds."""
        return self._connection is not None

    async def open(self) -> None:
        """Connect and LISTEN; if PostgreSQL cannot be reached, keep retrying in the
        background (meanwhile :attr:`live` is False)."""
        self._closed = False
        if not await self._connect():
            self._reconnect_later()

    async def close(self) -> None:
        """Stop listening and close the connection."""
        self._closed = True
        if self._reconnecting is not None:
            self._reconnecting.cancel()
            self._reconnecting = None
        await self._disconnect()

    def drain(self) -> None:
        """Apply every notification that has reached the socket, without waiting.

        A broken connection is noticed here: the subscriber hears :data:`EVERYTHING`, the
        feed stops being :attr:`live` and reconnects in the background.
        """
        connection = self._connection
        if connection is None:
            return
        pgconn = connection.pgconn
        try:
            pgconn.consume_input()
        except psycopg.OperationalError:
            logger.warning("lost the PostgreSQL connection listening for client changes")
            self._lost()
            return
        while (notification := pgconn.notifies()) is not None:
            self._subscriber(notification.extra.decode())

    async def _connect(self) -> bool:
        try:
            connection = await psycopg.AsyncConnection.connect(
                self._url, autocommit=True, connect_timeout=max(1, int(self._connect_timeout))
            )
            await connection.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as exc:
            logger.warning("cannot listen for client changes yet: %s", type(exc).__name__)
            return False
        self._connection = connection
        asyncio.get_running_loop().add_reader(connection.pgconn.socket, self.drain)
        # Whatever changed while nobody listened is unknown.
        self._subscriber(EVERYTHING)
        return True

    def _lost(self) -> None:
        connection, self._connection = self._connection, None
        self._subscriber(EVERYTHING)
        if connection is not None:
            self._forget(connection)
            asyncio.get_running_loop().create_task(connection.close())
        self._reconnect_later()

    def _reconnect_later(self) -> None:
        if self._closed or (self._reconnecting is not None and not self._reconnecting.done()):
            return
        self._reconnecting = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        # Polling on purpose: nothing signals that PostgreSQL is back, only trying tells.
        while not self._closed:
            if await self._connect():
                return
            await asyncio.sleep(RECONNECT_DELAY)

    async def _disconnect(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            self._forget(connection)
            await connection.close()

    @staticmethod
    def _forget(connection: psycopg.AsyncConnection[object]) -> None:
        # The socket may already be gone (the connection broke): nothing to unregister then.
        with contextlib.suppress(psycopg.OperationalError, ValueError):
            asyncio.get_running_loop().remove_reader(connection.pgconn.socket)
