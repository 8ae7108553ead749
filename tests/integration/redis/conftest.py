"""Fixtures of the Redis integration suite: a private server per test (so a test may stop or
restart it), a durable-list stand-in, and "workers" (adapter instances on their own clients).

This directory has no ``__init__.py`` on purpose: as a package it would be named ``redis`` and
shadow redis-py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
import redis

from agentidp.adapters.memory import InMemoryRevocationList
from agentidp.adapters.redis import RedisClient, RedisRevocationList
from tests.contract.redis_backends import (
    RecordingRevocationList,
    RedisServer,
    redis_revocation_list,
    started_server,
)
from tests.contract.support import FakeClock


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    """A private Redis for this test alone, free to be stopped, restarted or flushed."""
    yield from started_server(tmp_path)


@pytest.fixture
def admin(server: RedisServer) -> Iterator[redis.Redis]:
    """A synchronous client for arranging and inspecting Redis (the adapters never use it)."""
    with server.admin() as client:
        yield client


@pytest.fixture
def clock() -> FakeClock:
    """Unix time the test moves by hand (Redis TTLs are relative, so Redis does not care)."""
    return FakeClock()


@pytest.fixture
def durable(clock: FakeClock) -> RecordingRevocationList:
    """The durable list (PostgreSQL in production): the memory adapter, recorded."""
    return RecordingRevocationList(InMemoryRevocationList(clock=clock))


@pytest.fixture
async def workers(
    server: RedisServer, durable: RecordingRevocationList, clock: FakeClock
) -> AsyncIterator[Callable[..., Awaitable[RedisRevocationList]]]:
    """``await workers(**options)`` builds a ``RedisRevocationList`` sharing Redis and the
    durable list with the others but on its own client, like a worker process. All of them
    are closed after the test."""
    async with AsyncExitStack() as stack:

        async def make(**options: Any) -> RedisRevocationList:
            return await stack.enter_async_context(
                redis_revocation_list(server.url, durable, clock, **options)
            )

        yield make


@pytest.fixture
async def clients(server: RedisServer) -> AsyncIterator[Callable[..., RedisClient]]:
    """Build ``RedisClient`` instances on the private server; all are closed after the test."""
    made: list[RedisClient] = []

    def make(**options: Any) -> RedisClient:
        made.append(RedisClient(server.url, **options))
        return made[-1]

    yield make
    for client in made:
        await client.close()
