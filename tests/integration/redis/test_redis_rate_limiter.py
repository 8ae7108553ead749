"""RedisRateLimiter on a private Redis: the sliding window, exact counting between workers
(separate clients), and the in-process fallback while Redis is down (logged once, reported
degraded, back to Redis once it answers)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import pytest

from agentidp.adapters.memory.rate_limiter import InMemoryRateLimiter
from agentidp.adapters.redis import RedisClient
from agentidp.adapters.redis.rate_limiter import RedisRateLimiter
from agentidp.application.ports.rate_limits import RateLimiter
from tests.contract.redis_backends import RedisServer

_conforms: RateLimiter = RedisRateLimiter(
    RedisClient("redis://127.0.0.1:1/0"), InMemoryRateLimiter()
)


def _limiter(clients: Callable[..., RedisClient], **options: float) -> RedisRateLimiter:
    return RedisRateLimiter(clients(**options), InMemoryRateLimiter())


async def test_the_window_allows_the_limit_then_refuses_until_a_slot_frees(
    clients: Callable[..., RedisClient],
) -> None:
    """Three of four hits pass with Remaining 2, 1, 0; the fourth is refused with a
    Retry-After inside the window; once the window has passed, hits pass again."""
    limiter = _limiter(clients)
    started = time.time()

    decisions = [await limiter.hit("client:a", 3, 1) for _ in range(4)]
    counted = await limiter.count("client:a", 1)
    other = await limiter.hit("client:b", 3, 1)
    await asyncio.sleep(1.05)
    later = await limiter.hit("client:a", 3, 1)

    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert decisions[3].retry_after_s == 1
    assert started <= decisions[3].reset_at_epoch_s <= started + 2
    assert counted == 3
    assert (other.allowed, other.remaining) == (True, 2)
    assert (later.allowed, later.remaining) == (True, 2)


async def test_workers_sharing_redis_count_exactly(clients: Callable[..., RedisClient]) -> None:
    """Four limiters on their own clients (like worker processes) fire 200 concurrent hits
    at one key with a limit of 37: exactly 37 pass."""
    limiters = [_limiter(clients) for _ in range(4)]

    decisions = await asyncio.gather(
        *(limiters[i % 4].hit("client:shared", 37, 60) for i in range(200))
    )

    assert sum(d.allowed for d in decisions) == 37
    assert await limiters[0].count("client:shared", 60) == 37


async def test_a_redis_outage_falls_back_in_process_and_recovers(
    server: RedisServer, clients: Callable[..., RedisClient], caplog: pytest.LogCaptureFixture
) -> None:
    """Redis stopped: hits are still limited (in process, never unlimited, never an error),
    the limiter says it is degraded and logs the switch once; Redis back: it counts in Redis
    again and says so."""
    limiter = _limiter(clients, cooldown=0.05)
    assert (await limiter.hit("client:a", 2, 60)).allowed

    server.stop()
    with caplog.at_level(logging.WARNING, logger="agentidp.rate_limits"):
        during = [await limiter.hit("client:a", 2, 60) for _ in range(3)]
        degraded = limiter.degraded
        server.start()
        await asyncio.sleep(0.1)  # past the client's breaker cool-down
        after = await limiter.hit("client:a", 2, 60)

    assert [d.allowed for d in during] == [True, True, False]
    assert degraded
    assert after.allowed
    assert after.remaining == 1  # a restarted Redis is empty
    assert not limiter.degraded
    messages = [record.getMessage() for record in caplog.records]
    assert len([m for m in messages if "counted in process" in m]) == 1
    assert len([m for m in messages if "counted in Redis again" in m]) == 1
