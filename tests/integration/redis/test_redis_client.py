"""RedisClient: errors translated once, fast failure, a short breaker, and reconnection after
Redis restarts without restarting the IdP."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from agentidp.adapters.redis import RedisClient
from agentidp.application.errors import BackendUnavailable
from tests.contract.redis_backends import RedisServer, _free_port
from tests.contract.support import FakeClock

Clients = Callable[..., RedisClient]


async def test_ping_answers_when_redis_is_up(clients: Clients) -> None:
    """ping returns quietly against a running server."""
    await clients().ping()


async def test_nothing_connects_before_first_use() -> None:
    """Building a client for an unreachable address succeeds; the first command fails fast."""
    client = RedisClient(f"redis://127.0.0.1:{_free_port()}/0")

    started = time.perf_counter()
    with pytest.raises(BackendUnavailable) as raised:
        await client.ping()

    assert time.perf_counter() - started < 1.0
    assert isinstance(raised.value.__cause__, RedisConnectionError)
    await client.close()


async def test_a_stopped_redis_is_backend_unavailable(
    clients: Clients, server: RedisServer
) -> None:
    """Every failure surfaces as BackendUnavailable with the redis-py error as its cause."""
    client = clients()
    await client.ping()
    server.stop()

    with pytest.raises(BackendUnavailable) as raised:
        await client.run(lambda redis: redis.get("k"))

    assert isinstance(raised.value.__cause__, RedisConnectionError)


async def test_a_refused_command_is_backend_unavailable(clients: Clients) -> None:
    """A command Redis refuses (here INCR of a non-number) is translated too."""
    client = clients()
    await client.run(lambda redis: redis.set("k", "not a number"))

    with pytest.raises(BackendUnavailable) as raised:
        await client.run(lambda redis: redis.incr("k"))

    assert isinstance(raised.value.__cause__, ResponseError)


async def test_a_restarted_redis_is_used_again_without_a_new_client(
    clients: Clients, server: RedisServer
) -> None:
    """Pooled connections to the old process are replaced transparently after a restart."""
    client = clients()
    await client.run(lambda redis: redis.set("k", "v"))

    server.restart()

    assert await client.run(lambda redis: redis.get("k")) is None  # empty, and no error


async def test_the_breaker_skips_an_unreachable_redis_for_its_cooldown(
    clients: Clients, server: RedisServer
) -> None:
    """After a connection failure, calls fail at once until the cooldown has passed; ping
    ignores the breaker."""
    clock = FakeClock(now=0.0)
    client = clients(cooldown=2.0, clock=clock)
    server.stop()
    with pytest.raises(BackendUnavailable):
        await client.run(lambda redis: redis.get("k"))
    server.start()

    with pytest.raises(BackendUnavailable) as skipped:
        await client.run(lambda redis: redis.get("k"))
    await client.ping()
    clock.advance(timedelta(seconds=2))

    assert skipped.value.__cause__ is None  # refused locally: Redis was not asked
    assert await client.run(lambda redis: redis.get("k")) is None


async def test_a_refused_command_does_not_open_the_breaker(clients: Clients) -> None:
    """Only "cannot reach Redis" opens the breaker, not a command error."""
    client = clients(cooldown=60.0)
    await client.run(lambda redis: redis.set("k", "x"))
    with pytest.raises(BackendUnavailable):
        await client.run(lambda redis: redis.incr("k"))

    assert await client.run(lambda redis: redis.get("k")) == b"x"


async def test_a_closed_client_reopens_on_next_use(clients: Clients) -> None:
    """close releases the connections; the next call opens new ones."""
    client = clients()
    await client.ping()

    await client.close()

    await client.ping()
