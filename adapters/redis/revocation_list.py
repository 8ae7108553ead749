"""A Redis cache in front of the durable revocation list, shared by every worker process.

Why Redis at all
    Every authenticated request asks ``is_revoked(jti)``. PostgreSQL answers that correctly but
    costs a pooled connection and a query per request; Redis answers it in one round trip and
    is shared by every worker, so a revocation made by one worker is seen by all the others at
    once (an in-process list could not do that).

Keys
    ``revoked:{jti}`` → the token's ``expires_at`` (unix seconds). Its Redis TTL is only garbage
    collection: the answer compares the stored ``expires_at`` with our clock, like the other
    adapters. The TTL is *relative* (``EX``), computed from our clock plus an allowance, so an
    offset between our clock and the Redis host's clock cannot drop an entry early (an
    absolute ``EXAT`` would be read on the Redis host's clock). A Lua script writes the entry
    only if it extends the stored one: a repeated revocation never shortens an entry, even
    when a rebuild and a revocation race.

    ``revocation-list:loaded`` → the *completeness marker*: "this Redis holds every unexpired
    revocation". ``revocation-list:rebuilding`` → the rebuild lock. Both live outside the
    ``revoked:`` namespace, so no token id can ever collide with them.

Why a marker
    Redis here keeps nothing on disk (``--save "" --appendonly no``). After a restart, a
    ``FLUSHALL`` or a failover to an empty replica it is *empty*, and an empty cache would
    answer "not revoked" for every revoked token: revocation would fail open. A missing key
    only means "not revoked" if we know the cache is complete, and that is exactly what the
    marker says. The marker vanishes together with the data (same server, same flush), so
    its absence is the signal to rebuild:

    * marker present → answer from Redis alone (one ``MGET`` of the entry and the marker);
    * marker missing → a revocation found in Redis is still definite (True); otherwise answer
      from the durable list, and rebuild in the background: take the lock (``SET NX PX``),
      load every unexpired revocation through ``loader``, write them, then set the marker only
      if the lock is still ours (one Lua script). A revocation written to the durable list
      after the loader's snapshot reaches Redis through its own ``revoke`` call.

Why a Redis-write failure must fail the revocation
    ``revoke`` writes the durable list first, then Redis. If the Redis write fails while the
    marker stays (Redis alive but timing out, or refusing writes when out of memory), the
    other workers would keep answering "not revoked" from an incomplete Redis. Reporting
    success would tell the caller the token is dead while it still works. So the failure is
    raised as ``BackendUnavailable`` (the HTTP layer answers 503 with Retry-After): the caller
    retries until both stores hold the entry. What was written stays written, which is the
    safe direction. Before raising, the marker and the rebuild lock are deleted (best effort):
    that sends every worker to the durable list, and makes a rebuild that loaded its snapshot
    before this revocation unable to set the marker.

Failure table (``is_revoked``)
    =====================  ==================  ===========================================
    Redis                  durable list        answer
    =====================  ==================  ===========================================
    up, marker present     (not asked)         Redis
    up, marker missing     up                  durable list (rebuild in the background)
    down or erroring       up                  durable list
    any but "marker"       down                ``BackendUnavailable``, never False
    =====================  ==================  ===========================================

Deployment requirements
    * ``maxmemory-policy noeviction`` (or no ``maxmemory``): an evicted entry under a present
      marker would be a silent fail-open. The rebuild checks ``INFO memory`` and refuses to set
      the marker otherwise, so a misconfigured Redis degrades to the durable list, not to wrong
      answers. With ``noeviction`` a full Redis refuses writes, which ``revoke`` reports.
    * One Redis primary (not Redis Cluster). A failover to a replica that missed recent writes
      keeps the marker while losing entries; run the replica empty or flush it on promotion.
    * Clocks of the IdP hosts within ``skew_allowance`` of each other.
"""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import suppress
from functools import partial
from typing import Any, Final

from redis.asyncio import Redis

from agentidp.application.errors import BackendUnavailable
from agentidp.application.ports.security import RevocationList

from .client import RedisClient

#: Every unexpired ``(jti, expires_at)`` of the durable store (expired ones are skipped).
RevocationLoader = Callable[[], Awaitable[Iterable[tuple[str, int]]]]

ENTRY_PREFIX: Final = "revoked:"
MARKER: Final = "revocation-list:loaded"
LOCK: Final = "revocation-list:rebuilding"
_LOADED: Final = b"1"
_BATCH: Final = 500

logger = logging.getLogger(__name__)

# KEYS[1] entry; ARGV[1] expires_at, ARGV[2] TTL in seconds. Writes only if it extends.
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


class RedisRevocationList:
    """Implements ``RevocationList`` with Redis in front of a durable ``RevocationList``.

    Args:
        client: the process's Redis client.
        durable: the record of truth (PostgreSQL in production).
        loader: every unexpired revocation of ``durable``, used to rebuild an empty Redis.
        clock: unix time in seconds; a token is revoked while ``clock() < expires_at``.
        skew_allowance: seconds Redis keeps an entry beyond ``expires_at`` (clock offsets).
        lock_ttl: seconds a rebuild may take before its lock lapses (it then cannot set the
            marker, and the next reader retries).
        rebuild_interval: least seconds between two rebuild attempts of this instance.
        require_noeviction: refuse to declare Redis complete unless it can never evict.
    """

    def __init__(
        self,
        client: RedisClient,
        durable: RevocationList,
        *,
        loader: RevocationLoader,
        clock: Callable[[], float] = time.time,
        skew_allowance: int = 60,
        lock_ttl: float = 30.0,
        rebuild_interval: float = 5.0,
        require_noeviction: bool = True,
    ) -> None:
        self._client = client
        self._durable = durable
        self._loader = loader
        self._clock = clock
        self._skew_allowance = skew_allowance
        self._lock_ms = int(lock_ttl * 1000)
        self._rebuild_interval = rebuild_interval
        self._require_noeviction = require_noeviction
        self._rebuilding: asyncio.Task[bool] | None = None
        self._next_rebuild = 0.0

    async def revoke(self, token_id: str, expires_at: int) -> None:
        # The record of truth first: if it fails, nothing claims the token is revoked.
        await self._durable.revoke(token_id, expires_at)
        try:
            await self._client.run(lambda redis: self._extend(redis, [(token_id, expires_at)]))
        except BackendUnavailable:
            # SECURITY: see the module docstring; never report a revocation Redis may lack.
            await self._forget_completeness()
            raise

    async def is_revoked(self, token_id: str) -> bool:
        try:
            stored, marker = await self._client.run(
                lambda redis: redis.mget([entry_key(token_id), MARKER])
            )
        except BackendUnavailable:
            # Redis is down: the durable list answers (slower, still correct) or raises.
            return await self._durable.is_revoked(token_id)
        expires_at = _expiry(stored)
        if expires_at is not None and self._clock() < expires_at:
            return True  # entries are only ever written for revoked tokens: definite
        if marker == _LOADED and (stored is None or expires_at is not None):
            return False
        # SECURITY: an incomplete (or unreadable) cache never answers "not revoked".
        self._schedule_rebuild()
        return await self._durable.is_revoked(token_id)

    async def rebuild(self) -> bool:
        """Load every unexpired revocation into Redis and mark Redis complete.

        Safe to call from every worker at once: one holds the lock, the others return False.
        Readers call it in the background when the marker is missing; it may also be awaited
        at startup to warm Redis.

        Returns:
            True if this call set the marker.

        Raises:
            BackendUnavailable: Redis or the durable store failed (the marker is not set).
        """
        token = secrets.token_hex(16)
        acquired = await self._client.run(
            lambda redis: redis.set(LOCK, token, nx=True, px=self._lock_ms)
        )
        if not acquired:
            return False
        try:
            complete = await self._load()
        except BaseException:
            await self._release_quietly(token)
            raise
        # Sets the marker only after a full load, and only if the lock is still ours.
        finished = await self._client.run(lambda redis: self._finish(redis, token, complete))
        return complete and finished

    async def wait_for_rebuild(self) -> None:
        """Wait until a background rebuild started by ``is_revoked`` (if any) has ended."""
        running = self._rebuilding
        if running is not None:
            await asyncio.wait([running])

    async def aclose(self) -> None:
        """Cancel a background rebuild (shutdown); Redis and the durable list stay open."""
        running, self._rebuilding = self._rebuilding, None
        if running is not None and not running.done():
            running.cancel()
            await asyncio.wait([running])

    async def _load(self) -> bool:
        """Copy every unexpired durable revocation into Redis; False if Redis may evict."""
        if await self._may_evict():
            return False
        now = self._clock()
        live = [(jti, int(exp)) for jti, exp in await self._loader() if exp > now]
        for start in range(0, len(live), _BATCH):
            await self._client.run(partial(self._extend, entries=live[start : start + _BATCH]))
        return True

    async def _extend(self, redis: Redis, entries: Sequence[tuple[str, int]]) -> object:
        """Write ``entries`` in one round trip, never shortening a stored entry."""
        now = self._clock()
        async with redis.pipeline(transaction=False) as pipe:
            for token_id, expires_at in entries:
                if expires_at > now:  # an expired token needs no entry
                    ttl = math.ceil(expires_at - now) + self._skew_allowance
                    # NOTE: EVAL, not EVALSHA: the script cache is empty after every restart.
                    pipe.eval(_EXTEND, 1, entry_key(token_id), str(expires_at), str(ttl))
            return await pipe.execute()

    async def _finish(self, redis: Redis, token: str, complete: bool) -> bool:
        flag = "1" if complete else "0"
        done = await redis.eval(_FINISH, 2, LOCK, MARKER, token, flag)
        return bool(done)

    async def _release_quietly(self, token: str) -> None:
        # If Redis cannot be told, the lock lapses after lock_ttl on its own.
        with suppress(BackendUnavailable):
            await self._client.run(partial(self._finish, token=token, complete=False))

    async def _may_evict(self) -> bool:
        """True if Redis could evict entries (then it must never be declared complete)."""
        if not self._require_noeviction:
            return False
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

    def _schedule_rebuild(self) -> None:
        now = time.monotonic()
        running = self._rebuilding
        if (running is not None and not running.done()) or now < self._next_rebuild:
            return
        # One attempt per interval per worker: a failing rebuild must not reload the whole
        # durable list on every request.
        self._next_rebuild = now + self._rebuild_interval
        self._rebuilding = asyncio.get_running_loop().create_task(self._rebuild_quietly())

    async def _rebuild_quietly(self) -> bool:
        try:
            return await self.rebuild()
        except BackendUnavailable:
            logger.warning("revocation cache rebuild failed; answering from the durable list")
        except Exception:  # Defensive: a background task has nobody to raise to; log, retry later
            logger.exception("revocation cache rebuild crashed; answering from the durable list")
        return False

    async def _forget_completeness(self) -> None:
        try:
            await self._client.run(lambda redis: redis.delete(MARKER, LOCK), even_if_failing=True)
        except BackendUnavailable:
            # Unreachable from here: if Redis was restarted it is empty and has no marker; if
            # only this worker is cut off, the caller's retry (after the 503) completes it.
            logger.warning("could not drop the revocation cache marker after a failed write")


def _expiry(stored: bytes | str | None) -> int | None:
    """The ``expires_at`` stored in an entry, or None if absent or unreadable."""
    if stored is None:
        return None
    try:
        return int(stored)
    except ValueError:
        return None
