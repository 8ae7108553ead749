"""Redis adapter costs (not collected by pytest).

Run: ``.venv/bin/python tests/integration/redis/bench_redis.py [--seconds 2] [--url redis://…]``

Without ``--url`` a private ``redis-server`` is started on a free port (and stopped after), so
the shared server is never flushed. Prints:

* ``is_revoked`` calls per second on a complete Redis (the hot path of every authenticated
  request), sequentially and with 32 concurrent callers, next to a bare redis-py ``MGET``;
* the cost of one verification through the shared secret cache (a Redis hit) against the
  in-process cache hit and a full argon2id verification with the production profile.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from redis.asyncio import Redis

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root

from agentidp.adapters.crypto.argon2_hasher import Argon2SecretHasher
from agentidp.adapters.crypto.verified_cache import CachingSecretHasher
from agentidp.adapters.memory import InMemoryRevocationList
from agentidp.adapters.redis import (
    RedisCachingSecretHasher,
    RedisClient,
    RedisRevocationList,
)
from tests.contract.redis_backends import RecordingRevocationList, RedisServer

REVOKED = 10_000


async def rate(call: Callable[[], Awaitable[object]], seconds: float, callers: int = 1) -> float:
    """Completed calls per second of ``call`` with ``callers`` concurrent loops."""
    for _ in range(50):
        await call()
    done = 0
    deadline = time.perf_counter() + seconds

    async def loop() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await call()
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(callers)))
    return done / (time.perf_counter() - started)


async def bench_revocations(url: str, seconds: float) -> None:
    client = RedisClient(url)
    durable = RecordingRevocationList(InMemoryRevocationList())
    revocations = RedisRevocationList(client, durable, loader=durable.unexpired)
    expires_at = int(time.time()) + 3600
    jtis = [secrets.token_hex(16) for _ in range(REVOKED)]
    for jti in jtis:
        await durable.revoke(jti, expires_at)
    started = time.perf_counter()
    assert await revocations.rebuild(), "rebuild refused (maxmemory policy?)"
    print(f"rebuild of {REVOKED} revocations: {time.perf_counter() - started:.3f} s")

    hit, miss = jtis[0], secrets.token_hex(16)
    raw = Redis.from_url(url)  # redis-py alone, for the adapter's overhead

    async def check() -> None:
        assert await revocations.is_revoked(hit)
        assert not await revocations.is_revoked(miss)

    async def bare_mget() -> None:
        await raw.mget([f"revoked:{hit}", "revocation-list:loaded"])
        await raw.mget([f"revoked:{miss}", "revocation-list:loaded"])

    print(f"{'is_revoked (complete Redis)':40} {'sequential/s':>14} {'32 concurrent/s':>16}")
    for label, call in (
        ("RedisRevocationList.is_revoked", check),
        ("bare redis-py MGET", bare_mget),
    ):
        sequential = 2 * await rate(call, seconds)
        concurrent = 2 * await rate(call, seconds, callers=32)
        print(f"{label:40} {sequential:>14,.0f} {concurrent:>16,.0f}")
    assert durable.reads == 0, "reads reached the durable list"
    await raw.aclose()
    await revocations.aclose()
    await client.close()


async def bench_secret_cache(url: str, seconds: float) -> None:
    client = RedisClient(url)
    secret = "sk_live_" + secrets.token_hex(32)
    argon2 = Argon2SecretHasher()  # the production profile (RFC 9106 low-memory)
    hashed = await argon2.hash(secret)
    in_process = CachingSecretHasher(argon2)
    shared = RedisCachingSecretHasher(CachingSecretHasher(argon2), client, secrets.token_bytes(32))
    assert await in_process.verify(secret, hashed)
    assert await shared.verify(secret, hashed)
    cold_other = await argon2.hash("sk_live_" + secrets.token_hex(32))

    started = time.perf_counter()
    assert await argon2.verify(secret, hashed)
    argon2_ms = (time.perf_counter() - started) * 1000

    async def shared_verify() -> None:
        assert await shared.verify(secret, hashed)

    async def shared_verify_any() -> None:
        assert await shared.verify_any(secret, [cold_other, hashed]) == 1

    async def local_verify() -> None:
        assert await in_process.verify(secret, hashed)

    print(f"\n{'verify (warm)':40} {'µs/call':>10} {'32 concurrent/s':>16}")
    for label, call in (
        ("Redis shared cache: verify", shared_verify),
        ("Redis shared cache: verify_any (2)", shared_verify_any),
        ("in-process cache: verify", local_verify),
    ):
        per_second = await rate(call, seconds)
        concurrent = await rate(call, seconds, callers=32)
        print(f"{label:40} {1e6 / per_second:>10.1f} {concurrent:>16,.0f}")
    print(f"{'argon2id (production profile), one call':40} {argon2_ms * 1000:>10.0f}")
    await client.close()


async def main(url: str, seconds: float) -> None:
    await bench_revocations(url, seconds)
    await bench_secret_cache(url, seconds)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--url", help="an existing Redis (it is written to, not flushed)")
    options = parser.parse_args()
    if options.url:
        asyncio.run(main(options.url, options.seconds))
    else:
        with tempfile.TemporaryDirectory() as directory:
            server = RedisServer(Path(directory))
            server.start()
            try:
                asyncio.run(main(server.url, options.seconds))
            finally:
                server.stop()
