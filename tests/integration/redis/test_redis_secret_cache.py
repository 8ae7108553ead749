"""RedisCachingSecretHasher against a real redis-server: tags shared between workers, final
mismatches, rotation, what Redis holds, and falling back when Redis is gone."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence

import pytest
import redis

from agentidp.adapters.crypto.argon2_hasher import Argon2SecretHasher
from agentidp.adapters.redis import RedisCachingSecretHasher, RedisClient
from agentidp.adapters.redis.secret_cache import cache_key
from tests.contract.redis_backends import RedisServer

Clients = Callable[..., RedisClient]
KEY = secrets.token_bytes(32)
FAST_ARGON2 = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


class CountingHasher:
    """Spy: fast argon2 that counts the calls that reach it."""

    def __init__(self) -> None:
        self._argon2 = Argon2SecretHasher(**FAST_ARGON2)
        self.verify_calls = 0

    async def hash(self, secret: str) -> str:
        hashed: str = await self._argon2.hash(secret)
        return hashed

    async def verify(self, secret: str, secret_hash: str) -> bool:
        self.verify_calls += 1
        ok: bool = await self._argon2.verify(secret, secret_hash)
        return ok

    async def verify_any(self, secret: str, secret_hashes: Sequence[str]) -> int | None:
        for index, secret_hash in enumerate(secret_hashes):
            if await self.verify(secret, secret_hash):
                return index
        return None


def new_secret() -> str:
    return "sk_live_" + secrets.token_hex(32)


def _worker(clients: Clients, key: bytes = KEY) -> tuple[RedisCachingSecretHasher, CountingHasher]:
    """A worker process's hasher: its own client and its own inner (spy) hasher."""
    spy = CountingHasher()
    return RedisCachingSecretHasher(spy, clients(cooldown=0), key), spy


async def test_a_secret_verified_by_one_worker_needs_no_argon2_in_another(
    clients: Clients,
) -> None:
    """The second worker confirms the first worker's verification from Redis alone."""
    (first, first_spy), (second, second_spy) = _worker(clients), _worker(clients)
    secret = new_secret()
    hashed = await first_spy.hash(secret)
    assert await first.verify(secret, hashed)

    results = [await second.verify(secret, hashed) for _ in range(3)]

    assert results == [True] * 3
    assert (first_spy.verify_calls, second_spy.verify_calls) == (1, 0)


async def test_a_wrong_secret_against_a_cached_hash_is_refused_without_argon2(
    clients: Clients,
) -> None:
    """A mismatch against a shared tag is final: False, and the inner hasher is not asked."""
    (first, first_spy), (second, second_spy) = _worker(clients), _worker(clients)
    secret = new_secret()
    hashed = await first_spy.hash(secret)
    await first.verify(secret, hashed)

    result = await second.verify(new_secret(), hashed)

    assert result is False
    assert second_spy.verify_calls == 0


async def test_a_rotated_hash_never_matches_the_old_entry(clients: Clients) -> None:
    """The new hash has its own entry: the old secret is refused on it, the new one verifies."""
    worker, spy = _worker(clients)
    old_secret, new = new_secret(), new_secret()
    old_hash = await spy.hash(old_secret)
    await worker.verify(old_secret, old_hash)
    new_hash = await spy.hash(new)

    old_on_new = await worker.verify(old_secret, new_hash)
    new_on_new = await worker.verify(new, new_hash)

    assert (old_on_new, new_on_new) == (False, True)
    assert spy.verify_calls == 3  # both lookups on the new hash went to argon2
    assert cache_key(old_hash) != cache_key(new_hash)


async def test_a_failed_verification_is_not_shared(clients: Clients, admin: redis.Redis) -> None:
    """A wrong secret on a cold hash leaves nothing in Redis."""
    worker, spy = _worker(clients)
    hashed = await spy.hash(new_secret())

    assert await worker.verify(new_secret(), hashed) is False

    assert admin.exists(cache_key(hashed)) == 0


async def test_redis_holds_keyed_tags_only(clients: Clients, admin: redis.Redis) -> None:
    """The entry is ``vsc:sha256(hash)`` → HMAC(key, secret) with a TTL: neither the secret nor
    an unkeyed digest of it."""
    spy = CountingHasher()
    worker = RedisCachingSecretHasher(spy, clients(), KEY, ttl_seconds=600)
    secret = new_secret()
    hashed = await spy.hash(secret)
    await worker.verify(secret, hashed)

    (key,) = admin.keys("vsc:*")
    tag = admin.get(key)

    assert key.decode() == "vsc:" + hashlib.sha256(hashed.encode()).hexdigest()
    assert tag is not None
    assert len(tag) == 32
    assert secret.encode() not in tag
    assert tag != hashlib.sha256(secret.encode()).digest()
    assert 0 < admin.ttl(key) <= 600


async def test_workers_with_another_key_cannot_use_the_tags(clients: Clients) -> None:
    """A tag made under one deployment key never confirms anything under another."""
    (first, first_spy), (other, other_spy) = _worker(clients), _worker(clients, key=b"k" * 32)
    secret = new_secret()
    hashed = await first_spy.hash(secret)
    await first.verify(secret, hashed)

    assert await other.verify(secret, hashed) is False  # mismatch on a cached hash is final
    assert other_spy.verify_calls == 0


async def test_a_malformed_entry_counts_as_a_miss(clients: Clients, admin: redis.Redis) -> None:
    """Anything in Redis that is not a 32-byte tag is ignored: the inner hasher decides."""
    worker, spy = _worker(clients)
    secret = new_secret()
    hashed = await spy.hash(secret)
    admin.set(cache_key(hashed), b"short")

    assert await worker.verify(secret, hashed) is True
    assert spy.verify_calls == 1


async def test_redis_down_falls_back_to_the_inner_hasher(
    clients: Clients, server: RedisServer
) -> None:
    """Without Redis every answer comes from the inner hasher, still right, never an error."""
    worker, spy = _worker(clients)
    secret = new_secret()
    hashed = await spy.hash(secret)
    await worker.verify(secret, hashed)
    server.stop()

    right = await worker.verify(secret, hashed)
    wrong = await worker.verify(new_secret(), hashed)
    found = await worker.verify_any(secret, [await spy.hash(new_secret()), hashed])

    assert (right, wrong, found) == (True, False, 1)
    assert spy.verify_calls == 1 + 2 + 2


async def test_verify_any_answers_a_warm_candidate_in_one_round_trip(
    clients: Clients, admin: redis.Redis
) -> None:
    """With a cold old hash and a warm new one, the new secret is found with one MGET and no
    inner verification at all."""
    (first, first_spy), (second, second_spy) = _worker(clients), _worker(clients)
    secret = new_secret()
    old_hash, new_hash = await first_spy.hash(new_secret()), await first_spy.hash(secret)
    await first.verify(secret, new_hash)
    admin.config_resetstat()

    found = await second.verify_any(secret, [old_hash, new_hash])

    stats = admin.info("commandstats")
    assert found == 1
    assert second_spy.verify_calls == 0
    assert stats["cmdstat_mget"]["calls"] == 1
    assert "cmdstat_get" not in stats


async def test_verify_any_shares_what_it_verifies_cold(clients: Clients) -> None:
    """A cold match found by the inner hasher is shared, so the next worker needs no argon2."""
    (first, first_spy), (second, second_spy) = _worker(clients), _worker(clients)
    secret = new_secret()
    hashes = [await first_spy.hash(new_secret()), await first_spy.hash(secret)]

    assert await first.verify_any(secret, hashes) == 1
    assert await second.verify_any(secret, hashes) == 1
    assert await second.verify_any(new_secret(), hashes) is None

    assert second_spy.verify_calls == 1  # only the wrong secret's cold candidate (hashes[0])


@pytest.mark.parametrize("key", [b"", b"k" * 31])
def test_a_short_key_is_refused(clients: Clients, key: bytes) -> None:
    """The deployment key must hold at least 256 bits."""
    with pytest.raises(ValueError, match="32 bytes"):
        RedisCachingSecretHasher(CountingHasher(), clients(), key)
