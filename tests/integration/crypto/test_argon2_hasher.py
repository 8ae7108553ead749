"""``Argon2SecretHasher`` with its production profile, and the cache in front of it."""

from __future__ import annotations

import asyncio
import secrets
import time

from argon2.profiles import RFC_9106_LOW_MEMORY

from agentidp.adapters.crypto.argon2_hasher import Argon2SecretHasher
from agentidp.adapters.crypto.verified_cache import CachingSecretHasher


def new_secret() -> str:
    return "sk_live_" + secrets.token_hex(32)


async def test_the_default_profile_is_rfc_9106_low_memory() -> None:
    """Without arguments the hasher uses RFC 9106's second recommended option (argon2id)."""
    p = RFC_9106_LOW_MEMORY

    hashed = await Argon2SecretHasher().hash(new_secret())

    assert hashed.startswith(f"$argon2id$v=19$m={p.memory_cost},t={p.time_cost},"
                             f"p={p.parallelism}$")


async def test_hashes_made_with_other_parameters_still_verify() -> None:
    """Parameters live in the hash, so a profile change does not lock out old credentials."""
    secret = new_secret()
    old = await Argon2SecretHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(secret)

    assert await Argon2SecretHasher().verify(secret, old) is True


async def test_verification_does_not_block_the_event_loop() -> None:
    """While argon2 works (~100 ms) in a thread, other coroutines keep running."""
    hasher = Argon2SecretHasher()
    secret = new_secret()
    hashed = await hasher.hash(secret)
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.002)

    ticking = asyncio.create_task(ticker())
    started = time.perf_counter()
    ok = await hasher.verify(secret, hashed)
    elapsed = time.perf_counter() - started
    done.set()
    await ticking

    assert ok is True
    assert ticks >= elapsed / 0.002 / 4  # the loop kept ticking for most of the verification


async def test_an_absurd_memory_cost_in_a_stored_hash_is_false() -> None:
    """A hash demanding ~95 GiB fails cleanly (allocation error) instead of raising."""
    absurd = "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA"

    assert await Argon2SecretHasher().verify(new_secret(), absurd) is False


async def test_the_cache_answers_repeat_verifications_far_faster_than_argon2() -> None:
    """The point of the cache: a repeat verification is orders of magnitude cheaper."""
    cache = CachingSecretHasher(Argon2SecretHasher())
    secret = new_secret()
    hashed = await cache.hash(secret)

    started = time.perf_counter()
    assert await cache.verify(secret, hashed)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(100):
        assert await cache.verify(secret, hashed)
    warm = (time.perf_counter() - started) / 100

    assert warm * 50 < cold
