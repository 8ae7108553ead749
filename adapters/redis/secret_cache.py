"""Verified-secret tags shared by every worker process through Redis.

Why
    ``CachingSecretHasher`` (adapters/crypto) spares argon2 for a secret its own process has
    already verified. With N worker processes each one pays argon2 once per credential, and a
    client whose requests are spread over the workers pays it N times. Sharing the tags in
    Redis makes one verification, in any worker, enough for all of them.

What is stored
    ``vsc:{sha256_hex(secret_hash)}`` → ``HMAC-SHA256(key, secret)`` (32 bytes), with a TTL.

    * The key is the *stored argon2 hash string*, hashed only to bound the key length. Each
      hash embeds a fresh random salt, so a rotated credential has a new hash and can never hit
      an entry made for the old one; revocation and expiry are checked by the use case on the
      credential itself before ``verify`` is called.
    * The value is keyed with ``key``, a deployment secret (``AGENTIDP_SECRET_KEY``) that
      Redis never sees. Client secrets are 256-bit CSPRNG output, so even an attacker holding
      both Redis and the key could not search them; without the key the tags are useless.
      Nothing secret-equivalent is stored: a Redis dump yields neither secrets nor anything
      that authenticates.
    * Someone who can *write* to Redis cannot forge a tag either (that needs ``key``). They
      can plant wrong tags, which makes the right secret fail for ``ttl_seconds`` (a denial of
      service, no more): a mismatch against a cached tag is final by design, so that guessing
      against a known credential costs one HMAC instead of one argon2 run.

Failure policy
    A cache falls back, it never fails a request: if Redis is unreachable every call goes to
    ``inner`` (normally the in-process ``CachingSecretHasher`` over argon2), and a failed
    write-back is ignored.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from contextlib import suppress
from typing import Final, TypeGuard

from agentidp.application.errors import BackendUnavailable
from agentidp.application.ports.security import SecretHasher

from .client import RedisClient

KEY_PREFIX: Final = "vsc:"
MIN_KEY_BYTES: Final = 32
_TAG_BYTES: Final = hashlib.sha256().digest_size


def cache_key(secret_hash: str) -> str:
    """The Redis key of the tag for ``secret_hash``."""
    # NOTE: surrogatepass so that even a malformed (unencodable) hash string gets a key.
    digest = hashlib.sha256(secret_hash.encode("utf-8", "surrogatepass")).hexdigest()
    return KEY_PREFIX + digest


class RedisCachingSecretHasher:
    """``SecretHasher`` that shares verified-secret tags between processes through Redis.

    Args:
        inner: the hasher asked on a miss and whenever Redis is unavailable.
        client: the process's Redis client.
        key: deployment secret keying the tags, at least 32 bytes.
        ttl_seconds: how long a tag is kept after the last successful slow verification.

    Raises:
        ValueError: ``key`` is too short or ``ttl_seconds`` is not positive.
    """

    def __init__(
        self, inner: SecretHasher, client: RedisClient, key: bytes, ttl_seconds: int = 3600
    ) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"key must hold at least {MIN_KEY_BYTES} bytes")
        if ttl_seconds < 1:
            raise ValueError("ttl_seconds must be at least 1")
        self._inner = inner
        self._client = client
        # SECURITY: never logged or sent to Redis; only HMACs made with it leave the process.
        self._key = bytes(key)
        self._ttl = ttl_seconds

    async def hash(self, secret: str) -> str:
        hashed: str = await self._inner.hash(secret)
        return hashed

    async def verify(self, secret: str, secret_hash: str) -> bool:
        tag = self._tag(secret)
        if tag is None or not isinstance(secret_hash, str):
            return False  # Defensive: the port never raises on malformed input
        try:
            cached = await self._client.run(lambda redis: redis.get(cache_key(secret_hash)))
        except BackendUnavailable:
            ok: bool = await self._inner.verify(secret, secret_hash)
            return ok
        if _is_tag(cached):
            # SECURITY: constant-time compare; a mismatch is final (no slow fallback).
            return hmac.compare_digest(cached, tag)
        if await self._inner.verify(secret, secret_hash):
            await self._share(secret_hash, tag)
            return True
        return False

    async def verify_any(self, secret: str, secret_hashes: Sequence[str]) -> int | None:
        tag = self._tag(secret)
        hashes = list(secret_hashes)
        if tag is None or not hashes:
            return None
        try:
            cached = await self._client.run(
                lambda redis: redis.mget([cache_key(h) for h in hashes])
            )
        except BackendUnavailable:
            return await self._inner_any(secret, hashes)
        # Every cached candidate first: a warm answer never waits behind a slow verification.
        cold = []
        for index, entry in enumerate(cached):
            if not _is_tag(entry):
                cold.append(index)
            elif hmac.compare_digest(entry, tag):
                return index
        if not cold:
            return None
        found = await self._inner_any(secret, [hashes[index] for index in cold])
        if found is None:
            return None
        await self._share(hashes[cold[found]], tag)
        return cold[found]

    async def _inner_any(self, secret: str, hashes: Sequence[str]) -> int | None:
        found: int | None = await self._inner.verify_any(secret, hashes)
        return found

    async def _share(self, secret_hash: str, tag: bytes) -> None:
        # A cache never fails the request: if Redis is gone the tag is simply not shared.
        with suppress(BackendUnavailable):
            await self._client.run(
                lambda redis: redis.set(cache_key(secret_hash), tag, ex=self._ttl)
            )

    def _tag(self, secret: str) -> bytes | None:
        try:
            message = secret.encode("utf-8")
        except (AttributeError, UnicodeEncodeError):
            return None
        return hmac.new(self._key, message, hashlib.sha256).digest()


def _is_tag(entry: object) -> TypeGuard[bytes]:
    """True for a well-formed tag; anything else (absent, truncated) counts as a miss."""
    return isinstance(entry, bytes) and len(entry) == _TAG_BYTES
