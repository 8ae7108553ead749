"""A verified-secret cache in front of argon2: the token endpoint's fast path.

Why it exists
    Every ``client_credentials`` request presents the client secret. A full argon2id
    verification costs ~100 ms of CPU, which caps a 2-core node at ~20 token requests per
    second and lets anyone who can reach ``/token`` burn CPU. Once a secret has been verified
    against a stored hash, proving the same thing again needs no argon2.

How it works
    A random 32-byte key is drawn from the OS CSPRNG when the cache is built and lives only in
    process memory. The cache maps the *stored argon2 hash string* to
    ``HMAC-SHA256(process_key, secret)``:

    * hit: compare ``HMAC(process_key, presented)`` with the cached tag in constant time and
      answer from that alone. A mismatch on a cached hash is a definite wrong secret, so
      guessing against a known credential costs one HMAC, not one argon2 run.
    * miss: ask the inner hasher (argon2 in a worker thread); on success, store the tag.
      Concurrent misses for the same ``(hash, tag)`` share one inner verification.

    The entry count is bounded (LRU eviction).

Rotation and revocation take effect at once
    The key is the hash string, which embeds a fresh random salt. A rotated credential has a
    new hash, so it can never hit an entry made for the old one, and the old entry is simply
    never looked up again until it is evicted. Revocation and expiry are not the hasher's
    business: the use case reads the credential's status from the store on every request and
    only then calls ``verify``. A cache keyed by hash cannot bring anything back to life.

Threat model
    * Database dump: the cache is never persisted, so the attacker gets argon2id hashes only.
    * Process memory dump: the attacker gets the process key and ``HMAC(key, secret)`` per
      recently used credential. That is an offline oracle as fast as SHA-256, but client
      secrets are 256 bits from a CSPRNG (``sk_live_`` + 64 hex), which no oracle can search.
      Anyone who can read this process's memory also sees secrets in request bodies as they
      arrive, so the cache adds no meaningful exposure. A dump of the cache *without* the key
      (a leaked heap fragment) yields values that are useless outside this process, and the
      key dies with it.
    * Why not store ``SHA-256(secret)`` in the database instead of argon2? For 256-bit random
      secrets it would be safe against brute force, but the decision is argon2id at rest
      (DECISIONS.md) so that a database leak stays expensive to attack even for any secret that
      was *not* full-entropy (imported credentials, a future generator bug). A fast, unkeyed,
      persisted digest would be the one artefact that makes such secrets cheap to crack; the
      keyed, in-memory tag keeps the speed without that artefact.
    * Timing: a hit answers in microseconds, a miss in ~100 ms, so an observer can tell that a
      client authenticated recently. That reveals activity, not secrets. Wrong guesses against a
      *cold* hash still cost a full argon2 run; rate limiting in front of ``/token`` bounds that.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Final

from agentidp.application.ports.security import SecretHasher

_KEY_BYTES: Final = 32


class CachingSecretHasher:
    """``SecretHasher`` that remembers successful verifications as keyed HMAC tags.

    Args:
        inner: the hasher that does the real work (normally ``Argon2SecretHasher``).
        max_entries: bound on remembered hashes; the least recently used is evicted first.

    Raises:
        ValueError: ``max_entries`` is smaller than 1.
    """

    def __init__(self, inner: SecretHasher, max_entries: int = 100_000) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._inner = inner
        self._max_entries = max_entries
        # SECURITY: per-process random key; never logged, persisted or shared between processes.
        self._key = secrets.token_bytes(_KEY_BYTES)
        self._tags: OrderedDict[str, bytes] = OrderedDict()
        # NOTE: the lock keeps the LRU consistent if one instance is shared between threads
        # (each with its own event loop); it is never held across an await.
        self._lock = threading.Lock()
        self._in_flight: dict[tuple[str, bytes], asyncio.Task[bool]] = {}

    def __len__(self) -> int:
        """How many hashes are currently remembered."""
        return len(self._tags)

    async def hash(self, secret: str) -> str:
        hashed: str = await self._inner.hash(secret)
        return hashed

    async def verify(self, secret: str, secret_hash: str) -> bool:
        tag = self._tag(secret)
        if tag is None or not isinstance(secret_hash, str):
            return False  # Defensive: the port never raises on malformed input
        with self._lock:
            cached = self._tags.get(secret_hash)
            if cached is not None:
                self._tags.move_to_end(secret_hash)
        if cached is not None:
            # SECURITY: constant-time compare; a mismatch is final (no argon2 fallback), which
            # also makes guessing against a known credential cheap to reject.
            return hmac.compare_digest(cached, tag)
        return await asyncio.shield(self._cold_verification(secret, secret_hash, tag))

    async def verify_any(self, secret: str, secret_hashes: Sequence[str]) -> int | None:
        tag = self._tag(secret)
        if tag is None:
            return None
        cold = []
        # Warm entries first: a definite answer from the cache never waits behind argon2.
        for index, secret_hash in enumerate(secret_hashes):
            with self._lock:
                cached = self._tags.get(secret_hash)
            if cached is None:
                cold.append(index)
            elif hmac.compare_digest(cached, tag):
                return index
        if len(cold) == 1:  # the common case: coalesced with concurrent verifications
            return cold[0] if await self.verify(secret, secret_hashes[cold[0]]) else None
        # Several cold candidates: one call, so a shared (Redis) layer below can answer for
        # all of them before anything pays for argon2.
        matched = await self._inner.verify_any(secret, [secret_hashes[i] for i in cold])
        if matched is None:
            return None
        self._remember(secret_hashes[cold[matched]], tag)
        return cold[matched]

    def _tag(self, secret: str) -> bytes | None:
        try:
            message = secret.encode("utf-8")
        except (AttributeError, UnicodeEncodeError):
            return None
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def _cold_verification(self, secret: str, secret_hash: str, tag: bytes) -> asyncio.Task[bool]:
        """The running inner verification for ``(secret_hash, tag)``, started if none is.

        The work runs as its own task and callers await it through ``shield``: a caller that is
        cancelled (client hung up) neither cancels nor orphans the others waiting on it.
        """
        loop = asyncio.get_running_loop()
        flight_key = (secret_hash, tag)
        running = self._in_flight.get(flight_key)
        if running is not None and running.get_loop() is loop:
            return running
        task = loop.create_task(self._verify_and_remember(secret, secret_hash, tag))
        self._in_flight[flight_key] = task
        task.add_done_callback(lambda done: self._land(flight_key, done))
        return task

    async def _verify_and_remember(self, secret: str, secret_hash: str, tag: bytes) -> bool:
        ok: bool = await self._inner.verify(secret, secret_hash)
        if ok:
            self._remember(secret_hash, tag)
        return ok

    def _land(self, flight_key: tuple[str, bytes], task: asyncio.Task[bool]) -> None:
        if self._in_flight.get(flight_key) is task:
            del self._in_flight[flight_key]

    def _remember(self, secret_hash: str, tag: bytes) -> None:
        with self._lock:
            self._tags[secret_hash] = tag
            self._tags.move_to_end(secret_hash)
            while len(self._tags) > self._max_entries:
                self._tags.popitem(last=False)
