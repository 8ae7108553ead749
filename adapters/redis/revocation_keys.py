"""The Redis side of the revocation cache: keys, Lua scripts, one method per round trip.

Policy (what to do when something fails) lives in :mod:`.revocation_list`; this module only
knows how the data is laid out:

* ``revoked:{jti}`` → the token's ``expires_at`` (unix seconds). The Redis TTL is garbage
  collection only and is *relative* (``EX``), computed from our clock plus an allowance, so an
  offset between our clock and the Redis host's cannot drop an entry early (an absolute
  ``EXAT`` would be read on the Redis host's clock).
* ``revocation-list:loaded`` → the completeness marker; ``revocation-list:rebuilding`` → the
  rebuild lock. They live outside the ``revoked:`` namespace, so no token id can collide.

Every method raises ``BackendUnavailable`` (through :class:`~.client.RedisClient`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, Final

from redis.asyncio import Redis

from .client import RedisClient

ENTRY_PREFIX: Final = "revoked:"
MARKER: Final = "revocation-list:loaded"
LOCK: Final = "revocation-list:rebuilding"
_LOADED: Final = b"1"
#: Entries per pipeline while rebuilding (bounds one round trip's size).
BATCH: Final = 500

logger = logging.getLogger(__name__)

# KEYS[1] entry; ARGV[1] expires_at, ARGV[2] TTL in seconds.
# SECURITY: writes only if it extends the stored entry, so neither a repeated revocation nor
# a rebuild racing a revocation can ever shorten one.
_EXTEND: Final = """
local current = tonumber(redis.call('GET', KEYS[1]))
if current == nil or current < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
return 1
"""
# KEYS[1] lock, KEYS[2] marker; ARGV[1] our lock token, ARGV[2] '1' to set the marker.
# SECURITY: the marker is set only if nobody deleted or re-took the lock since we loaded
# (a failed revocation deletes it), so a stale snapshot can never be declared complete.
_FINISH: Final = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '1' then redis.call('SET', KEYS[2], '1') end
redis.call('DEL', KEYS[1])
return 1
"""


def entry_key(token_id: str) -> str:
    """The Redis key of ``token_id``'s revocation."""
    return ENTRY_PREFIX + token_id


class RevocationKeys:
    """Reads and writes the revocation keys through ``client``.

    Args:
        client: the process's Redis client.
        clock: unix time in seconds (the same clock the revocation list answers with).
        skew_allowance: seconds an entry outlives ``expires_at`` in Redis.
    """

    def __init__(
        self, client: RedisClient, clock: Callable[[], float], skew_allowance: int
    ) -> None:
        self._client = client
        self._clock = clock
        self._skew_allowance = skew_allowance

    async def read(self, token_id: str) -> tuple[bytes | str | None, bool]:
        """The raw entry of ``token_id`` and whether the marker is set, in one ``MGET``."""
        stored, marker = await self._client.run(
            lambda redis: redis.mget([entry_key(token_id), MARKER])
        )
        return stored, marker == _LOADED

    async def extend(self, entries: Sequence[tuple[str, int]]) -> None:
        """Write ``entries`` (``(jti, expires_at)``), one pipeline per :data:`BATCH`."""
        for start in range(0, len(entries), BATCH):
            await self._client.run(partial(self._extend, entries=entries[start : start + BATCH]))

    async def forget_completeness(self) -> None:
        """Delete the marker and the rebuild lock, trying Redis even while it seems down."""
        await self._client.run(lambda redis: redis.delete(MARKER, LOCK), even_if_failing=True)

    async def lock(self, token: str, ttl_ms: int) -> bool:
        """Take the rebuild lock for ``ttl_ms`` if nobody holds it."""
        acquired = await self._client.run(lambda redis: redis.set(LOCK, token, nx=True, px=ttl_ms))
        return bool(acquired)

    async def unlock(self, token: str, *, complete: bool) -> bool:
        """Release our lock, setting the marker first if ``complete``; False if the lock was
        no longer ours (then nothing is changed)."""
        flag = "1" if complete else "0"
        done = await self._client.run(
            lambda redis: redis.eval(_FINISH, 2, LOCK, MARKER, token, flag)
        )
        return bool(done)

    async def may_evict(self) -> bool:
        """True if Redis could evict entries (it must then never be declared complete)."""
        memory: dict[str, Any] = await self._client.run(lambda redis: redis.info("memory"))
        policy, limit = memory.get("maxmemory_policy"), memory.get("maxmemory", 0)
        if policy == "noeviction" or limit == 0:
            return False
        logger.error(
            "Redis maxmemory-policy is %r: revocations stay on the durable list until it is "
            "'noeviction' (an evicted entry would let a revoked token through)",
            policy,
        )
        return True

    async def _extend(self, redis: Redis, entries: Sequence[tuple[str, int]]) -> object:
        now = self._clock()
        async with redis.pipeline(transaction=False) as pipe:
            for token_id, expires_at in entries:
                if expires_at > now:  # an expired token needs no entry
                    ttl = math.ceil(expires_at - now) + self._skew_allowance
                    # NOTE: EVAL, not EVALSHA: the script cache is empty after every restart.
                    pipe.eval(_EXTEND, 1, entry_key(token_id), str(expires_at), str(ttl))
            return await pipe.execute()
