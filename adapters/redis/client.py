"""One lazily created ``redis.asyncio`` client per process, with fail-fast settings.

Redis is a cache here: every caller has a slower but correct path when it is gone (the durable
revocation list, the in-process secret cache). So the client is tuned to give up quickly
rather than to wait for Redis:

* socket and connect timeouts of 0.5 s (a request never waits longer than that for Redis);
* at most one immediate retry, and only after a *connection* error: the first command on a
  pooled connection to a Redis that has since restarted fails with "connection closed", and
  the retry on a fresh connection makes that invisible. Timeouts are not retried, so a
  black-holed Redis costs one timeout, not several;
* a short circuit breaker: after Redis could not be reached, calls fail at once for
  ``cooldown`` seconds instead of each paying a connect timeout, then Redis is tried again.
  Reconnection needs no restart of the IdP: the pool opens new connections on demand.

Nothing connects at construction (STYLE §5/§8): the redis-py client is created on first use.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from agentidp.application.errors import BackendUnavailable

from .errors import connection_lost, translating

T = TypeVar("T")

Command = Callable[[Redis], Awaitable[T]]


class RedisClient:
    """The process's connection to Redis, seen by the adapters of this package.

    Args:
        url: ``redis://`` or ``rediss://`` URL (credentials and db number included).
        timeout: socket connect and read timeout in seconds.
        cooldown: seconds to skip Redis after it could not be reached (0 disables the breaker).
        clock: monotonic seconds (injectable for tests).
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 0.5,
        cooldown: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._timeout = timeout
        self._cooldown = cooldown
        self._clock = clock
        self._redis: Redis | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._skip_until = 0.0

    async def run(self, command: Command[T], *, even_if_failing: bool = False) -> T:
        """Run ``command`` against the shared redis-py client.

        Args:
            command: receives the client, returns the awaitable of one command or pipeline.
            even_if_failing: try Redis even while the breaker is open (for a best-effort call
                whose only alternative is doing nothing).

        Raises:
            BackendUnavailable: Redis failed, or the breaker is open.
        """
        if not even_if_failing and self._clock() < self._skip_until:
            raise BackendUnavailable("Redis is unavailable.", backend="redis")
        redis = self._connection()
        try:
            with translating():
                result = await command(redis)
        except BackendUnavailable as error:
            if connection_lost(error) and self._cooldown > 0:
                self._skip_until = self._clock() + self._cooldown
            raise
        self._skip_until = 0.0
        return result

    async def ping(self) -> None:
        """Round trip to Redis, ignoring the breaker (health checks want the truth).

        Raises:
            BackendUnavailable: Redis cannot be reached or refuses the command.
        """
        await self.run(lambda redis: redis.ping(), even_if_failing=True)

    async def close(self) -> None:
        """Close the pooled connections; the client reopens them if used again."""
        redis, loop = self._redis, self._loop
        self._redis = self._loop = None
        if redis is not None and loop is asyncio.get_running_loop():
            with translating():
                await redis.aclose()

    def _connection(self) -> Redis:
        loop = asyncio.get_running_loop()
        if self._redis is None or self._loop is not loop:
            # NOTE: redis.asyncio connections belong to the event loop that opened them. A
            # server has one loop per process; a client reused under another loop (a CLI run,
            # a test) gets a fresh pool rather than a RuntimeError from a foreign loop.
            self._redis = Redis.from_url(
                self._url,
                socket_timeout=self._timeout,
                socket_connect_timeout=self._timeout,
                retry=Retry(NoBackoff(), retries=1, supported_errors=(RedisConnectionError,)),
                decode_responses=False,
            )
            self._loop = loop
        return self._redis
