"""Contract of the ``SecretHasher`` port, run against every adapter.

Argon2 runs with test-only parameters (t=1, m=1 MiB, p=1) so the suite stays fast; the
production profile is checked in ``tests/integration/crypto/test_argon2_hasher.py``.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import AsyncIterator, Callable, Sequence

import pytest

from agentidp.adapters.crypto.argon2_hasher import Argon2SecretHasher
from agentidp.adapters.crypto.verified_cache import CachingSecretHasher
from agentidp.adapters.redis import RedisCachingSecretHasher, RedisClient
from agentidp.application.ports.security import SecretHasher

from .redis_backends import RedisServer, redis_server  # noqa: F401 (fixture)

FAST = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


class CountingHasher:
    """Spy: a fast Argon2 hasher that counts inner calls and can hold verifications back."""

    def __init__(self) -> None:
        self._argon2 = Argon2SecretHasher(**FAST)
        self.hash_calls = 0
        self.verify_calls = 0
        self.release = asyncio.Event()
        self.release.set()

    async def hash(self, secret: str) -> str:
        self.hash_calls += 1
        hashed: str = await self._argon2.hash(secret)
        return hashed

    async def verify(self, secret: str, secret_hash: str) -> bool:
        self.verify_calls += 1
        await self.release.wait()
        ok: bool = await self._argon2.verify(secret, secret_hash)
        return ok

    async def verify_any(self, secret: str, secret_hashes: Sequence[str]) -> int | None:
        for index, secret_hash in enumerate(secret_hashes):
            if await self.verify(secret, secret_hash):
                return index
        return None


# Conformance: mypy checks each adapter against the port (STYLE §6).
_argon2_conforms: SecretHasher = Argon2SecretHasher(**FAST)
_cache_conforms: SecretHasher = CachingSecretHasher(CountingHasher())
# Nothing connects before first use, so this client never opens a socket.
_redis_conforms: SecretHasher = RedisCachingSecretHasher(
    CountingHasher(), RedisClient("redis://127.0.0.1:1"), secrets.token_bytes(32)
)

FACTORIES: dict[str, Callable[[], SecretHasher]] = {
    "argon2": lambda: Argon2SecretHasher(**FAST),
    "caching": lambda: CachingSecretHasher(Argon2SecretHasher(**FAST)),
}

MALFORMED_HASHES = [
    "",
    "garbage",
    "$argon2id$v=19$m=1024,t=1,p=1$$",
    "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ",
    "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
    "\x00\xff",
]


def new_secret() -> str:
    return "sk_live_" + secrets.token_hex(32)


#: Needs a Redis server, so it is built by the fixture rather than listed in FACTORIES.
REDIS_CACHING = "redis-caching"


@pytest.fixture(params=[*sorted(FACTORIES), REDIS_CACHING])
async def hasher(request: pytest.FixtureRequest) -> AsyncIterator[SecretHasher]:
    if request.param != REDIS_CACHING:
        yield FACTORIES[request.param]()
        return
    # Shared tags in Redis in front of the in-process cache, as the container wires it.
    server: RedisServer = request.getfixturevalue("redis_server")
    server.flush()
    client = RedisClient(server.url)
    inner = CachingSecretHasher(Argon2SecretHasher(**FAST))
    yield RedisCachingSecretHasher(inner, client, secrets.token_bytes(32))
    await client.close()


@pytest.fixture
def spy() -> CountingHasher:
    return CountingHasher()


@pytest.fixture
def cache(spy: CountingHasher) -> CachingSecretHasher:
    return CachingSecretHasher(spy)


# --- every adapter -------------------------------------------------------------------------


async def test_a_hash_verifies_its_secret(hasher: SecretHasher) -> None:
    """The secret a hash was made from verifies against it, repeatedly."""
    secret = new_secret()

    hashed = await hasher.hash(secret)

    assert await hasher.verify(secret, hashed) is True
    assert await hasher.verify(secret, hashed) is True


async def test_hashes_are_argon2id_phc_strings(hasher: SecretHasher) -> None:
    """Hashes are self-describing argon2id PHC strings, never the secret itself."""
    secret = new_secret()

    hashed = await hasher.hash(secret)

    assert hashed.startswith("$argon2id$v=19$")
    assert secret not in hashed


async def test_a_wrong_secret_is_refused(hasher: SecretHasher) -> None:
    """Another secret does not verify, before or after the right one did."""
    secret = new_secret()
    hashed = await hasher.hash(secret)

    before = await hasher.verify(new_secret(), hashed)
    await hasher.verify(secret, hashed)
    after = await hasher.verify(new_secret(), hashed)

    assert (before, after) == (False, False)


async def test_a_near_miss_is_refused(hasher: SecretHasher) -> None:
    """A secret differing in its last character, or truncated, does not verify."""
    secret = new_secret()
    hashed = await hasher.hash(secret)
    await hasher.verify(secret, hashed)

    flipped = secret[:-1] + ("0" if secret[-1] != "0" else "1")

    assert await hasher.verify(flipped, hashed) is False
    assert await hasher.verify(secret[:-1], hashed) is False
    assert await hasher.verify("", hashed) is False


@pytest.mark.parametrize("malformed", MALFORMED_HASHES)
async def test_a_malformed_hash_is_false_not_an_error(hasher: SecretHasher, malformed: str) -> None:
    """A hash argon2 cannot parse gives False rather than an exception."""
    assert await hasher.verify(new_secret(), malformed) is False


@pytest.mark.parametrize("odd_secret", ["", "\udc80", "\x00", "é" * 10_000])
async def test_odd_secrets_are_false_not_an_error(hasher: SecretHasher, odd_secret: str) -> None:
    """Empty, non-UTF-8-encodable or huge secrets are refused without raising."""
    hashed = await hasher.hash(new_secret())

    assert await hasher.verify(odd_secret, hashed) is False


async def test_the_same_secret_hashes_differently(hasher: SecretHasher) -> None:
    """Every hash has a fresh salt, and each one verifies the secret."""
    secret = new_secret()

    first, second = await hasher.hash(secret), await hasher.hash(secret)

    assert first != second
    assert await hasher.verify(secret, first)
    assert await hasher.verify(secret, second)


async def test_a_rotated_hash_refuses_the_old_secret(hasher: SecretHasher) -> None:
    """After rotation the old secret never matches the credential's new hash."""
    old_secret, new = new_secret(), new_secret()
    old_hash = await hasher.hash(old_secret)
    assert await hasher.verify(old_secret, old_hash)

    new_hash = await hasher.hash(new)

    assert await hasher.verify(old_secret, new_hash) is False
    assert await hasher.verify(new, new_hash) is True


# --- the verified-secret cache -------------------------------------------------------------


async def test_cache_hash_delegates_to_the_inner_hasher(
    cache: CachingSecretHasher, spy: CountingHasher
) -> None:
    """Hashing is never cached: each call is a fresh argon2 hash."""
    await cache.hash(new_secret())

    assert spy.hash_calls == 1


async def test_cache_a_second_right_verify_skips_argon2(
    cache: CachingSecretHasher, spy: CountingHasher
) -> None:
    """Once verified, the same secret and hash are confirmed without the inner hasher."""
    secret = new_secret()
    hashed = await cache.hash(secret)
    assert await cache.verify(secret, hashed)

    results = [await cache.verify(secret, hashed) for _ in range(5)]

    assert results == [True] * 5
    assert spy.verify_calls == 1


async def test_cache_a_wrong_secret_on_a_cached_hash_skips_argon2(
    cache: CachingSecretHasher, spy: CountingHasher
) -> None:
    """A mismatch against a cached hash is final and costs no argon2 run."""
    secret = new_secret()
    hashed = await cache.hash(secret)
    await cache.verify(secret, hashed)

    result = await cache.verify(new_secret(), hashed)

    assert result is False
    assert spy.verify_calls == 1


async def test_cache_a_failed_verification_is_not_remembered(
    cache: CachingSecretHasher, spy: CountingHasher
) -> None:
    """A wrong secret on a cold hash asks argon2, caches nothing, and the right one still works."""
    secret = new_secret()
    hashed = await cache.hash(secret)

    assert await cache.verify(new_secret(), hashed) is False
    assert len(cache) == 0
    assert await cache.verify(secret, hashed) is True

    assert spy.verify_calls == 2


async def test_cache_a_rotated_hash_is_a_new_entry(
    cache: CachingSecretHasher, spy: CountingHasher
) -> None:
    """A new hash for the same credential never hits the old entry: the old secret fails."""
    old_secret, new = new_secret(), new_secret()
    old_hash = await cache.hash(old_secret)
    await cache.verify(old_secret, old_hash)
    new_hash = await cache.hash(new)

    old_on_new = await cache.verify(old_secret, new_hash)
    new_on_new = await cache.verify(new, new_hash)

    assert (old_on_new, new_on_new) == (False, True)
    assert spy.verify_calls == 3  # both lookups on the new hash went to argon2


async def test_cache_stores_no_secret_material(cache: CachingSecretHasher) -> None:
    """Entries are 32-byte keyed tags: neither the secret nor an unkeyed digest of it."""
    secret = new_secret()
    hashed = await cache.hash(secret)
    await cache.verify(secret, hashed)

    (tag,) = cache._tags.values()

    assert len(tag) == 32
    assert secret.encode() not in tag
    assert tag != hashlib.sha256(secret.encode()).digest()


async def test_cache_keys_differ_between_instances(spy: CountingHasher) -> None:
    """Each cache draws its own process key, so tags are useless outside their instance."""
    secret = new_secret()
    hashed = await spy.hash(secret)
    first, second = CachingSecretHasher(spy), CachingSecretHasher(spy)

    await first.verify(secret, hashed)
    await second.verify(secret, hashed)

    assert first._tags[hashed] != second._tags[hashed]


async def test_cache_eviction_keeps_the_bound(spy: CountingHasher) -> None:
    """No more than ``max_entries`` hashes are remembered; the least recently used goes first."""
    cache = CachingSecretHasher(spy, max_entries=3)
    pairs = [(s, await spy.hash(s)) for s in (new_secret() for _ in range(5))]
    for secret, hashed in pairs[:3]:
        await cache.verify(secret, hashed)
    await cache.verify(*pairs[0])  # touch the oldest so it is the most recently used

    for secret, hashed in pairs[3:]:
        await cache.verify(secret, hashed)

    assert len(cache) == 3
    calls = spy.verify_calls
    assert await cache.verify(*pairs[0])  # kept: recently used
    assert spy.verify_calls == calls
    assert await cache.verify(*pairs[1])  # evicted: back to argon2
    assert spy.verify_calls == calls + 1


def test_cache_refuses_a_non_positive_bound(spy: CountingHasher) -> None:
    """A cache that can hold nothing is a configuration error."""
    with pytest.raises(ValueError, match="max_entries"):
        CachingSecretHasher(spy, max_entries=0)


async def test_cache_concurrent_cold_verifies_coalesce(
    cache: CachingSecretHasher, spy: CountingHasher
) -> None:
    """Many requests racing on a cold entry share one argon2 verification."""
    secret = new_secret()
    hashed = await spy.hash(secret)
    spy.release.clear()

    racing = [asyncio.create_task(cache.verify(secret, hashed)) for _ in range(20)]
    await asyncio.sleep(0)
    spy.release.set()
    results = await asyncio.gather(*racing)

    assert results == [True] * 20
    assert spy.verify_calls == 1


async def test_cache_racing_right_and_wrong_secrets_do_not_share_a_result(
    cache: CachingSecretHasher, spy: CountingHasher
) -> None:
    """Coalescing is per (hash, secret): a wrong secret never rides on a right one's success."""
    secret = new_secret()
    hashed = await spy.hash(secret)
    spy.release.clear()

    right = asyncio.create_task(cache.verify(secret, hashed))
    wrong = asyncio.create_task(cache.verify(new_secret(), hashed))
    await asyncio.sleep(0)
    spy.release.set()

    assert list(await asyncio.gather(right, wrong)) == [True, False]
    assert spy.verify_calls == 2


async def test_cache_a_cancelled_caller_does_not_strand_the_others(
    cache: CachingSecretHasher, spy: CountingHasher
) -> None:
    """If the request that started a verification goes away, the others still get the answer."""
    secret = new_secret()
    hashed = await spy.hash(secret)
    spy.release.clear()
    first = asyncio.create_task(cache.verify(secret, hashed))
    second = asyncio.create_task(cache.verify(secret, hashed))
    await asyncio.sleep(0)

    first.cancel()
    spy.release.set()

    assert await second is True
    with pytest.raises(asyncio.CancelledError):
        await first
    assert spy.verify_calls == 1
    assert await cache.verify(secret, hashed) is True
    assert spy.verify_calls == 1


async def test_verify_any_finds_the_matching_hash(hasher: SecretHasher) -> None:
    """verify_any returns the index of the hash the secret matches, or None for no match."""
    secret, other = new_secret(), new_secret()
    hashes = [await hasher.hash(other), await hasher.hash(secret)]

    found = await hasher.verify_any(secret, hashes)
    missing = await hasher.verify_any(new_secret(), hashes)

    assert found == 1
    assert missing is None
    assert await hasher.verify_any(secret, []) is None


async def test_overlapping_rotation_never_pays_for_the_cold_credential(
    cache: CachingSecretHasher, spy: CountingHasher
) -> None:
    """With an old (never used, cold) and a new (warm) credential, the new secret is answered
    from the cache without any slow verification of the old hash."""
    old_hash = await cache.hash(new_secret())
    secret = new_secret()
    new_hash = await cache.hash(secret)
    assert await cache.verify(secret, new_hash)
    calls = spy.verify_calls

    found = await cache.verify_any(secret, [old_hash, new_hash])

    assert found == 1
    assert spy.verify_calls == calls


async def test_several_cold_candidates_go_to_the_inner_hasher_in_one_call() -> None:
    """With two cold candidates, the cache asks its inner hasher once with both, so a shared
    layer below (Redis) can answer for the new credential before argon2 runs on the old."""

    class Recording(CountingHasher):
        def __init__(self) -> None:
            super().__init__()
            self.verify_any_calls: list[int] = []

        async def verify_any(self, secret: str, secret_hashes: Sequence[str]) -> int | None:
            self.verify_any_calls.append(len(secret_hashes))
            return await super().verify_any(secret, secret_hashes)

    inner = Recording()
    cache = CachingSecretHasher(inner)
    secret = new_secret()
    hashes = [await cache.hash(new_secret()), await cache.hash(secret)]

    found = await cache.verify_any(secret, hashes)
    again = await cache.verify_any(secret, hashes)

    assert (found, again) == (1, 1)
    assert inner.verify_any_calls == [2]  # the second call was answered from the cache
