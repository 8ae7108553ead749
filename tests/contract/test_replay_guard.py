"""Contract of ReplayGuard: memory (one process) and Redis (shared by every worker)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from agentidp.adapters.memory.replay import InMemoryReplayGuard
from agentidp.adapters.redis import RedisClient
from agentidp.adapters.redis.replay import RedisReplayGuard
from agentidp.application.errors import BackendUnavailable
from agentidp.application.ports.replay import ReplayGuard
from tests.builders import random_id

from .redis_backends import RedisServer, redis_server  # noqa: F401 (fixture)


def _conformance(client: RedisClient) -> None:
    """Never called: mypy checks each adapter against the port."""
    _memory: ReplayGuard = InMemoryReplayGuard()
    _redis: ReplayGuard = RedisReplayGuard(client)


@pytest.fixture(params=["memory", "redis"])
async def guards(
    request: pytest.FixtureRequest,
    redis_server: RedisServer,  # noqa: F811
) -> AsyncIterator[tuple[ReplayGuard, ReplayGuard]]:
    """Two guards as two workers would have them (one shared object for memory)."""
    if request.param == "memory":
        guard = InMemoryReplayGuard()
        yield guard, guard
        return
    first, second = RedisClient(redis_server.url), RedisClient(redis_server.url)
    try:
        yield RedisReplayGuard(first), RedisReplayGuard(second)
    finally:
        await first.close()
        await second.close()


async def test_a_key_is_used_once_across_workers(
    guards: tuple[ReplayGuard, ReplayGuard],
) -> None:
    one, other = guards
    key, expires = random_id(), int(time.time()) + 60
    results = await asyncio.gather(*(guard.first_use(key, expires) for guard in (one, other) * 5))
    assert sorted(results) == [False] * 9 + [True]
    assert await one.first_use(random_id(), expires)


async def test_an_expired_key_is_forgotten() -> None:
    now = [1000.0]
    guard = InMemoryReplayGuard(clock=lambda: now[0])
    assert await guard.first_use("k", 1010)
    assert not await guard.first_use("k", 1010)
    now[0] = 1011
    assert await guard.first_use("k", 1100)


async def test_redis_down_refuses() -> None:
    guard = RedisReplayGuard(RedisClient("redis://127.0.0.1:1/0", timeout=0.2))
    with pytest.raises(BackendUnavailable):
        await guard.first_use(random_id(), int(time.time()) + 60)
