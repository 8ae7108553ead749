"""Contract of RevocationList for every backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from agentidp.adapters.memory import InMemoryRevocationList
from agentidp.adapters.redis import RedisClient, RedisRevocationList
from agentidp.adapters.sqlite import SqliteRevocationList, SqliteStore
from agentidp.application.ports.security import RevocationList
from tests.builders import random_id

from .backends import Backend
from .redis_backends import (
    RecordingRevocationList,
    RedisServer,
    redis_revocation_list,
    redis_server,  # noqa: F401 (fixture)
)
from .support import FakeClock


def _conformance(store: SqliteStore, client: RedisClient) -> None:
    """Never called: mypy checks each adapter against the RevocationList protocol here."""
    _memory: RevocationList = InMemoryRevocationList()
    _sqlite: RevocationList = SqliteRevocationList(store)
    _durable = RecordingRevocationList(_memory)
    _redis: RevocationList = RedisRevocationList(client, _durable, loader=_durable.unexpired)


@pytest.fixture(params=["direct", "redis"])
async def revocations(
    request: pytest.FixtureRequest, backend: Backend, unix_clock: FakeClock
) -> AsyncIterator[RevocationList]:
    """The backend's revocation list on the test's clock: on its own ("direct"), or behind
    the Redis cache as in production ("redis", warmed so that Redis gives the answers)."""
    durable = backend.revocation_list(unix_clock)
    if request.param == "direct":
        yield durable
        return
    server: RedisServer = request.getfixturevalue("redis_server")
    server.flush()
    recording = RecordingRevocationList(durable)
    async with redis_revocation_list(server.url, recording, unix_clock) as cached:
        assert await cached.rebuild()
        yield cached


def _in(unix_clock: FakeClock, delta: timedelta) -> int:
    return int(unix_clock.now + delta.total_seconds())


async def test_revoked_token_is_revoked(revocations: RevocationList, unix_clock: FakeClock) -> None:
    """A revoked id reads as revoked; any other id does not."""
    jti = random_id()

    await revocations.revoke(jti, _in(unix_clock, timedelta(hours=1)))

    assert await revocations.is_revoked(jti)
    assert not await revocations.is_revoked(random_id())


async def test_revoke_is_idempotent(revocations: RevocationList, unix_clock: FakeClock) -> None:
    """Revoking the same id twice is accepted and changes nothing."""
    jti = random_id()

    await revocations.revoke(jti, _in(unix_clock, timedelta(hours=1)))
    await revocations.revoke(jti, _in(unix_clock, timedelta(hours=1)))

    assert await revocations.is_revoked(jti)


async def test_entries_end_when_the_token_expires(
    revocations: RevocationList, unix_clock: FakeClock
) -> None:
    """An entry counts until its expiry instant, not at or after it."""
    jti = random_id()
    await revocations.revoke(jti, _in(unix_clock, timedelta(minutes=5)))

    unix_clock.advance(timedelta(minutes=5) - timedelta(seconds=1))
    still_revoked = await revocations.is_revoked(jti)
    unix_clock.advance(timedelta(seconds=1))

    assert still_revoked
    assert not await revocations.is_revoked(jti)


async def test_a_repeated_revocation_never_shortens_an_entry(
    revocations: RevocationList, unix_clock: FakeClock
) -> None:
    """Revoking again with an earlier expiry keeps the later one."""
    jti = random_id()
    await revocations.revoke(jti, _in(unix_clock, timedelta(hours=2)))
    await revocations.revoke(jti, _in(unix_clock, timedelta(minutes=1)))

    unix_clock.advance(timedelta(hours=1))

    assert await revocations.is_revoked(jti)


async def test_purging_expired_entries_keeps_live_ones(
    revocations: RevocationList, unix_clock: FakeClock
) -> None:
    """Housekeeping after time passes drops nothing that is still revoked."""
    short, long = random_id(), random_id()
    await revocations.revoke(short, _in(unix_clock, timedelta(minutes=1)))
    await revocations.revoke(long, _in(unix_clock, timedelta(days=1)))

    unix_clock.advance(timedelta(hours=1))
    await revocations.revoke(random_id(), _in(unix_clock, timedelta(hours=1)))  # triggers a purge

    assert not await revocations.is_revoked(short)
    assert await revocations.is_revoked(long)
