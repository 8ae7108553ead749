"""A Redis cache in front of the durable revocation list, shared by every worker process.

Why Redis at all
    Every authenticated request asks ``is_revoked(jti)``. PostgreSQL answers that correctly but
    costs a pooled connection and a query per request; Redis answers it in one round trip and
    is shared by every worker, so a revocation made by one worker is seen by all the others at
    once (an in-process list could not do that).

Keys
    ``revoked:{jti}`` → ``expires_at``; a completeness marker; a rebuild lock. The layout, the
    Lua scripts and the reasons for a relative TTL are in :mod:`.revocation_keys`. An entry is
    only ever written for a revoked token and never shortened, so an entry Redis holds is a
    definite "revoked" whatever else is going on.

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

    If Redis cannot even be told that (it is unreachable from this worker, or frozen, but
    comes back with its data), the worker keeps the entry in memory: it answers "revoked" for
    it at once, and writes it to Redis in the background (backing off to every few seconds)
    until Redis takes it. Residual risk, accepted: other workers may answer from the stale
    Redis between its return and that write, and the entry is lost from Redis if this worker
    also dies and the client never retries the 503. A periodic :meth:`rebuild` bounds that.

Failure table (``is_revoked``)
    =====================  ==================  ===========================================
    Redis                  durable list        answer
    =====================  ==================  ===========================================
    up, marker present     (not asked)         Redis
    up, marker missing     up                  durable list (rebuild in the background)
    (this worker's own revocations not yet in Redis: "revoked", from memory)
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
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from contextlib import suppress
from typing import Final

from agentidp.application.errors import BackendUnavailable
from agentidp.application.ports.security import RevocationList

from .client import RedisClient
from .revocation_keys import RevocationKeys

#: Every unexpired ``(jti, expires_at)`` of the durable store (expired ones are skipped).
RevocationLoader = Callable[[], Awaitable[Iterable[tuple[str, int]]]]

#: Longest pause between two attempts to write revocations Redis missed.
MAX_RESYNC_DELAY: Final = 5.0

logger = logging.getLogger(__name__)


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
        rebuild_interval: least seconds between two background rebuilds of this instance.
        resync_delay: first pause before rewriting a revocation Redis missed (then doubled).
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
        resync_delay: float = 0.1,
        require_noeviction: bool = True,
    ) -> None:
        self._keys = RevocationKeys(client, clock, skew_allowance)
        self._durable = durable
        self._loader = loader
        self._clock = clock
        self._lock_ms = int(lock_ttl * 1000)
        self._rebuild_interval = rebuild_interval
        self._resync_delay = resync_delay
        self._require_noeviction = require_noeviction
        self._next_rebuild = 0.0
        self._rebuilding: asyncio.Task[bool] | None = None
        self._resyncing: asyncio.Task[None] | None = None
        #: Revocations this worker made that Redis may lack: ``jti → expires_at``.
        self._unsynced: dict[str, int] = {}

    async def revoke(self, token_id: str, expires_at: int) -> None:
        # The record of truth first: if it fails, nothing claims the token is revoked.
        await self._durable.revoke(token_id, expires_at)
        try:
            await self._keys.extend([(token_id, expires_at)])
        except BackendUnavailable:
            # SECURITY: see the module docstring; never report a revocation Redis may lack.
            previous = self._unsynced.get(token_id, expires_at)
            self._unsynced[token_id] = max(expires_at, previous)
            await self._forget_completeness()
            self._start_resync()
            raise

    async def is_revoked(self, token_id: str) -> bool:
        now = self._clock()
        if now < self._unsynced.get(token_id, 0):
            return True  # revoked by this worker; Redis has not taken it yet
        try:
            stored, complete = await self._keys.read(token_id)
        except BackendUnavailable:
            # Redis is down: the durable list answers (slower, still correct) or raises.
            return await self._durable.is_revoked(token_id)
        expires_at = _expiry(stored)
        if expires_at is not None and now < expires_at:
            return True  # entries are only ever written for revoked tokens: definite
        if complete and (stored is None or expires_at is not None):
            return False
        # SECURITY: an incomplete (or unreadable) cache never answers "not revoked".
        self._start_rebuild()
        return await self._durable.is_revoked(token_id)

    async def rebuild(self) -> bool:
        """Load every unexpired revocation into Redis and mark Redis complete.

        Safe to call from every worker at once: one holds the lock, the others return False.
        Readers start it in the background when the marker is missing; it may also be awaited
        at startup (to warm Redis) and now and then (to repair what no resync could).

        Returns:
            True if this call set the marker.

        Raises:
            BackendUnavailable: Redis or the durable store failed (the marker is not set).
        """
        token = secrets.token_hex(16)
        if not await self._keys.lock(token, self._lock_ms):
            return False
        try:
            complete = not (self._require_noeviction and await self._keys.may_evict())
            if complete:
                now = self._clock()
                live = [(jti, int(exp)) for jti, exp in await self._loader() if exp > now]
                await self._keys.extend(live)
        except BaseException:
            # If Redis cannot be told, the lock lapses after lock_ttl on its own.
            with suppress(BackendUnavailable):
                await self._keys.unlock(token, complete=False)
            raise
        # Sets the marker only after a full load, and only if the lock is still ours.
        return await self._keys.unlock(token, complete=complete) and complete

    async def settle(self) -> None:
        """Wait for this instance's background work to end: a rebuild, and a resync (which
        lasts until Redis has taken every revocation it missed, so only while Redis is up)."""
        for task in (self._rebuilding, self._resyncing):
            if task is not None:
                await asyncio.wait([task])

    async def aclose(self) -> None:
        """Cancel background work (at shutdown), after one last try to write what Redis
        missed. The client stays open."""
        for task in (self._rebuilding, self._resyncing):
            if task is not None and not task.done():
                task.cancel()
                await asyncio.wait([task])
        self._rebuilding = self._resyncing = None
        if self._unsynced:
            try:
                await self._keys.extend(list(self._unsynced.items()))
                self._unsynced.clear()
            except BackendUnavailable:
                logger.error(
                    "closing with %d revocations Redis lacks (they are on the durable list; "
                    "a rebuild will restore them)",
                    len(self._unsynced),
                )

    def _start_rebuild(self) -> None:
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
            await self._keys.forget_completeness()
        except BackendUnavailable:
            logger.warning("revocation cache unreachable after a failed write; resyncing")

    def _start_resync(self) -> None:
        if self._resyncing is None or self._resyncing.done():
            self._resyncing = asyncio.get_running_loop().create_task(self._resync())

    async def _resync(self) -> None:
        """Write the revocations Redis missed until it takes them, backing off."""
        delay = self._resync_delay
        while self._unsynced:
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RESYNC_DELAY)
            now = self._clock()
            pending = {jti: exp for jti, exp in self._unsynced.items() if exp > now}
            try:
                await self._keys.extend(list(pending.items()))
            except BackendUnavailable:
                continue
            # Keep what was revoked again (with a later expiry) while we were writing.
            self._unsynced = {
                jti: exp
                for jti, exp in self._unsynced.items()
                if exp > now and exp > pending.get(jti, 0)
            }


def _expiry(stored: bytes | str | None) -> int | None:
    """The ``expires_at`` stored in an entry, or None if absent or unreadable."""
    if stored is None:
        return None
    try:
        return int(stored)
    except ValueError:
        return None
