"""Redis sliding-window rate limiter: exact across every worker sharing Redis.

Each key is a sorted set of the requests allowed in the window (member: a unique request id,
score: Redis's own clock in microseconds). One Lua script per hit removes what left the
window, counts, adds the request if it fits and renews the key's expiry; Redis runs scripts
one at a time, so concurrent workers can never both take the last slot. Redis's clock (not
each worker's) places every request, so workers with skewed clocks still share one window.

If Redis cannot be reached the limiter counts in process (``fallback``) rather than failing
the request or letting it through unlimited; it logs the switch once, reports itself
degraded (:attr:`degraded`) and goes back to Redis as soon as Redis answers again (the
client's short circuit breaker decides when to try). While it falls back each worker counts
alone, so the deployment allows up to ``workers * limit`` (see docs/adr/0010).
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
from typing import Any, Final

from redis.asyncio import Redis
from redis.exceptions import NoScriptError

from agentidp.application.errors import BackendUnavailable
from agentidp.application.ports.rate_limits import RateDecision, RateLimiter

from .client import RedisClient

logger = logging.getLogger("agentidp.rate_limits")

#: KEYS[1] the window; ARGV: limit, window in microseconds, member.
#: Returns {allowed (0/1), counted, now_us, oldest_us}.
_HIT: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local counted = redis.call('ZCARD', KEYS[1])
local allowed = 0
if counted < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  counted = counted + 1
  allowed = 1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local oldest_us = now
if oldest[2] then oldest_us = tonumber(oldest[2]) end
if counted > 0 then redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000)) end
return {allowed, counted, now, oldest_us}
"""
#: KEYS[1] the window; ARGV: window in microseconds. Returns the requests in the window.
_COUNT: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
return redis.call('ZCOUNT', KEYS[1], string.format('(%.0f', now - tonumber(ARGV[1])), '+inf')
"""
_MICROS: Final = 1_000_000


class _Script:
    """A Lua script run by its SHA1 (one round trip), loaded on first use per server."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()

    async def __call__(self, redis: Redis, key: str, *args: int | str) -> Any:
        try:
            return await redis.evalsha(self.sha, 1, key, *args)
        except NoScriptError:  # a restarted (or flushed-scripts) server: EVAL loads it again
            return await redis.eval(self.source, 1, key, *args)


_HIT_SCRIPT: Final = _Script(_HIT)
_COUNT_SCRIPT: Final = _Script(_COUNT)


class RedisRateLimiter:
    """Sliding log per key in Redis, ``fallback`` while Redis is away (implements
    ``RateLimiter``).

    Args:
        client: the process's Redis client.
        fallback: the in-process limiter used while Redis cannot be reached.
        prefix: namespace of the keys in Redis.
    """

    def __init__(
        self, client: RedisClient, fallback: RateLimiter, *, prefix: str = "rate-limit:"
    ) -> None:
        self._client = client
        self._fallback = fallback
        self._prefix = prefix
        # Unique members: several requests may arrive in the same microsecond.
        self._instance = f"{os.getpid()}-{os.urandom(4).hex()}-"
        self._sequence = itertools.count()
        self._degraded = False

    @property
    def degraded(self) -> bool:
        """True while the last attempt to reach Redis failed (counting in process)."""
        return self._degraded

    async def hit(self, key: str, limit: int, window_seconds: int) -> RateDecision:
        member = f"{self._instance}{next(self._sequence)}"
        window_us = window_seconds * _MICROS
        try:
            reply = await self._client.run(
                lambda redis: _HIT_SCRIPT(redis, self._prefix + key, limit, window_us, member)
            )
        except BackendUnavailable:
            self._fall_back()
            return await self._fallback.hit(key, limit, window_seconds)
        self._recover()
        allowed, counted, now_us, oldest_us = (int(value) for value in reply)
        return RateDecision.from_window(
            allowed=allowed == 1,
            limit=limit,
            counted=counted,
            oldest=oldest_us / _MICROS,
            now=now_us / _MICROS,
            window=window_seconds,
        )

    async def count(self, key: str, window_seconds: int) -> int:
        try:
            reply = await self._client.run(
                lambda redis: _COUNT_SCRIPT(redis, self._prefix + key, window_seconds * _MICROS)
            )
        except BackendUnavailable:
            self._fall_back()
            return await self._fallback.count(key, window_seconds)
        self._recover()
        counted: int = int(reply)
        return counted

    def _fall_back(self) -> None:
        if not self._degraded:
            self._degraded = True
            logger.warning(
                "Redis is unreachable: rate limits are counted in process until it is back."
            )

    def _recover(self) -> None:
        if self._degraded:
            self._degraded = False
            logger.warning("Redis is back: rate limits are counted in Redis again.")
