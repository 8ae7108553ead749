"""RedisRevocationList against a real redis-server: sharing between workers, the completeness
marker, and every outage combination of Redis and the durable list (never fail open)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
import redis

from agentidp.adapters.redis import RedisClient, RedisRevocationList
from agentidp.adapters.redis.revocation_keys import LOCK, MARKER, entry_key
from agentidp.application.errors import BackendUnavailable
from tests.builders import random_id
from tests.contract.redis_backends import RecordingRevocationList, RedisServer
from tests.contract.support import FakeClock

Workers = Callable[..., Awaitable[RedisRevocationList]]


def _in(clock: FakeClock, delta: timedelta) -> int:
    return int(clock.now + delta.total_seconds())


# --- shared between workers ----------------------------------------------------------------


async def test_a_revocation_by_one_worker_is_seen_by_another(
    workers: Workers, durable: RecordingRevocationList, clock: FakeClock
) -> None:
    """Worker A revokes; worker B, answering from Redis alone, reports the token revoked."""
    first, second = await workers(), await workers()
    assert await second.rebuild()
    jti = random_id()

    await first.revoke(jti, _in(clock, timedelta(hours=1)))
    durable.down = True  # from here on only Redis can answer

    assert await second.is_revoked(jti)
    assert not await second.is_revoked(random_id())


async def test_a_complete_redis_answers_without_the_durable_list(
    workers: Workers, durable: RecordingRevocationList, clock: FakeClock
) -> None:
    """Once the marker is set, reads are one Redis round trip and never reach the durable list."""
    worker = await workers()
    await worker.revoke(revoked := random_id(), _in(clock, timedelta(hours=1)))
    assert await worker.rebuild()

    answers = [await worker.is_revoked(revoked), await worker.is_revoked(random_id())]

    assert answers == [True, False]
    assert durable.reads == 0


async def test_entries_end_at_expiry_and_redis_forgets_them_soon_after(
    workers: Workers, clock: FakeClock, admin: redis.Redis
) -> None:
    """The entry counts until ``expires_at`` on our clock; Redis keeps it only a little longer."""
    worker = await workers(skew_allowance=30)
    assert await worker.rebuild()
    jti = random_id()
    await worker.revoke(jti, _in(clock, timedelta(seconds=60)))
    ttl = admin.ttl(entry_key(jti))

    clock.advance(timedelta(seconds=59))
    before = await worker.is_revoked(jti)
    clock.advance(timedelta(seconds=1))

    assert before is True
    assert await worker.is_revoked(jti) is False
    assert 60 < ttl <= 90


async def test_a_repeated_revocation_never_shortens_the_redis_entry(
    workers: Workers, clock: FakeClock, admin: redis.Redis
) -> None:
    """Revoking again with an earlier expiry leaves the stored expiry and TTL as they were."""
    worker = await workers()
    jti = random_id()
    later = _in(clock, timedelta(hours=2))
    await worker.revoke(jti, later)

    await worker.revoke(jti, _in(clock, timedelta(minutes=1)))

    assert admin.get(entry_key(jti)) == str(later).encode()
    assert admin.ttl(entry_key(jti)) > 3600


# --- Redis down -----------------------------------------------------------------------------


async def test_redis_down_reads_fall_back_to_the_durable_list(
    workers: Workers, durable: RecordingRevocationList, clock: FakeClock, server: RedisServer
) -> None:
    """With Redis stopped, revoked tokens still read as revoked (slower, from the durable list)."""
    worker = await workers()
    assert await worker.rebuild()
    jti = random_id()
    await worker.revoke(jti, _in(clock, timedelta(hours=1)))

    server.stop()

    assert await worker.is_revoked(jti) is True
    assert await worker.is_revoked(random_id()) is False
    assert durable.reads == 2


async def test_redis_down_fails_a_revocation_but_keeps_the_durable_entry(
    workers: Workers, durable: RecordingRevocationList, clock: FakeClock, server: RedisServer
) -> None:
    """revoke raises BackendUnavailable when Redis is down; what reached the durable list stays,
    so the token already reads as revoked (the safe direction) and stays so once Redis is back."""
    worker = await workers()
    jti = random_id()
    server.stop()

    with pytest.raises(BackendUnavailable):
        await worker.revoke(jti, _in(clock, timedelta(hours=1)))

    assert await durable.is_revoked(jti)
    assert await worker.is_revoked(jti)
    server.start()
    assert await worker.is_revoked(jti)


async def test_redis_down_and_durable_down_raises(
    workers: Workers, durable: RecordingRevocationList, server: RedisServer
) -> None:
    """When neither store can answer, is_revoked raises instead of answering False."""
    worker = await workers()
    server.stop()
    durable.down = True

    with pytest.raises(BackendUnavailable):
        await worker.is_revoked(random_id())


async def test_a_frozen_redis_costs_one_short_timeout(
    workers: Workers, clock: FakeClock, server: RedisServer
) -> None:
    """A Redis that accepts but never answers (SIGSTOP) is given up on after ~0.5 s, and the
    durable list answers; the breaker then skips Redis for later calls."""
    worker = await workers(cooldown=5.0)
    assert await worker.rebuild()
    jti = random_id()
    await worker.revoke(jti, _in(clock, timedelta(hours=1)))
    server.pause()
    try:
        started = time.perf_counter()
        first = await worker.is_revoked(jti)
        first_took = time.perf_counter() - started
        started = time.perf_counter()
        second = await worker.is_revoked(jti)
        second_took = time.perf_counter() - started
    finally:
        server.resume()

    assert (first, second) == (True, True)
    assert 0.4 < first_took < 1.5
    assert second_took < 0.1


async def test_a_revocation_a_frozen_redis_missed_is_written_once_it_answers(
    workers: Workers,
    durable: RecordingRevocationList,
    clock: FakeClock,
    server: RedisServer,
    admin: redis.Redis,
) -> None:
    """Redis frozen (its data and marker intact) during a revocation: the revocation fails, its
    worker still answers "revoked" from memory, and writes the entry once Redis answers again,
    so the other workers see it too."""
    first, second = await workers(), await workers()
    assert await second.rebuild()
    jti = random_id()
    server.pause()
    try:
        with pytest.raises(BackendUnavailable):
            await first.revoke(jti, _in(clock, timedelta(hours=1)))
        answered_while_frozen = await first.is_revoked(jti)
    finally:
        server.resume()

    await first.settle()
    durable.down = True

    assert answered_while_frozen is True
    assert admin.get(entry_key(jti)) is not None
    assert await second.is_revoked(jti) is True


async def test_closing_makes_a_last_attempt_to_write_what_redis_missed(
    workers: Workers, clock: FakeClock, server: RedisServer, admin: redis.Redis
) -> None:
    """A worker shutting down writes the revocations it could not write before, if it can."""
    worker = await workers(resync_delay=60.0)  # the background resync would come too late
    jti = random_id()
    server.stop()
    with pytest.raises(BackendUnavailable):
        await worker.revoke(jti, _in(clock, timedelta(hours=1)))
    server.start()

    await worker.aclose()

    assert admin.get(entry_key(jti)) is not None


# --- Redis empty (restart, flush): the marker --------------------------------------------


@pytest.mark.parametrize("emptied_by", ["restart", "flush"])
async def test_an_emptied_redis_is_rebuilt_from_the_durable_list(
    workers: Workers,
    durable: RecordingRevocationList,
    clock: FakeClock,
    server: RedisServer,
    admin: redis.Redis,
    emptied_by: str,
) -> None:
    """After Redis comes back empty, revoked tokens still read as revoked (from the durable
    list), Redis is rebuilt in the background and the marker returns, with the same clients."""
    first, second = await workers(), await workers()
    assert await first.rebuild()
    jti = random_id()
    await first.revoke(jti, _in(clock, timedelta(hours=1)))

    server.restart() if emptied_by == "restart" else server.flush()
    answer = await second.is_revoked(jti)
    await second.settle()

    assert answer is True
    assert admin.get(MARKER) == b"1"
    assert admin.get(entry_key(jti)) is not None
    durable.down = True  # Redis alone now knows it again
    assert await first.is_revoked(jti) is True


async def test_a_missing_marker_with_the_durable_list_down_raises(
    workers: Workers, durable: RecordingRevocationList, admin: redis.Redis
) -> None:
    """Redis up but incomplete and the durable list down: BackendUnavailable, never False."""
    worker = await workers()
    durable.down = True

    with pytest.raises(BackendUnavailable):
        await worker.is_revoked(random_id())
    await worker.settle()
    assert admin.get(MARKER) is None


async def test_an_entry_in_an_incomplete_redis_is_still_definite(
    workers: Workers, durable: RecordingRevocationList, clock: FakeClock, admin: redis.Redis
) -> None:
    """Without the marker, a revocation Redis does hold is reported without the durable list."""
    worker = await workers()
    jti = random_id()
    await worker.revoke(jti, _in(clock, timedelta(hours=1)))
    admin.delete(MARKER)
    durable.down = True

    assert await worker.is_revoked(jti) is True


async def test_rebuild_skips_expired_revocations(
    workers: Workers, durable: RecordingRevocationList, clock: FakeClock, admin: redis.Redis
) -> None:
    """Only unexpired revocations are copied into Redis."""
    worker = await workers()
    short, long = random_id(), random_id()
    await durable.revoke(short, _in(clock, timedelta(seconds=10)))
    await durable.revoke(long, _in(clock, timedelta(hours=1)))
    clock.advance(timedelta(seconds=20))

    assert await worker.rebuild()

    assert admin.exists(entry_key(short)) == 0
    assert admin.exists(entry_key(long)) == 1


async def test_a_failed_redis_write_drops_the_marker(
    workers: Workers, durable: RecordingRevocationList, clock: FakeClock, admin: redis.Redis
) -> None:
    """Redis alive but refusing writes (out of memory): revoke raises, and the marker goes, so
    no worker trusts a Redis that lacks the revocation."""
    first, second = await workers(), await workers()
    assert await first.rebuild()
    jti = random_id()
    admin.config_set("maxmemory", "1")  # noeviction: every write is refused with OOM
    try:
        with pytest.raises(BackendUnavailable):
            await first.revoke(jti, _in(clock, timedelta(hours=1)))
        marker = admin.get(MARKER)
    finally:
        admin.config_set("maxmemory", "0")

    assert marker is None
    assert await second.is_revoked(jti) is True
    assert durable.reads == 1


async def test_a_rebuild_that_lost_its_lock_sets_no_marker(
    clients: Callable[..., RedisClient],
    durable: RecordingRevocationList,
    clock: FakeClock,
    admin: redis.Redis,
) -> None:
    """If the lock is deleted while the snapshot loads (what a failed revocation does), the
    stale snapshot is never declared complete."""

    async def loader() -> list[tuple[str, int]]:
        admin.delete(LOCK)
        return await durable.unexpired()

    worker = RedisRevocationList(clients(cooldown=0), durable, loader=loader, clock=clock)

    assert await worker.rebuild() is False
    assert admin.get(MARKER) is None
    assert admin.get(LOCK) is None


async def test_concurrent_rebuilds_load_once(
    clients: Callable[..., RedisClient], durable: RecordingRevocationList, clock: FakeClock
) -> None:
    """Workers racing to rebuild: one takes the lock and loads, the others step aside."""
    loads = 0

    async def slow_loader() -> list[tuple[str, int]]:
        nonlocal loads
        loads += 1
        await asyncio.sleep(0.05)
        return await durable.unexpired()

    racers = [
        RedisRevocationList(clients(), durable, loader=slow_loader, clock=clock) for _ in range(4)
    ]

    results = await asyncio.gather(*(racer.rebuild() for racer in racers))

    assert sorted(results) == [False, False, False, True]
    assert loads == 1


async def test_an_eviction_prone_redis_is_never_declared_complete(
    workers: Workers, durable: RecordingRevocationList, clock: FakeClock, admin: redis.Redis
) -> None:
    """With maxmemory and an evicting policy, the marker is refused: answers stay correct, from
    the durable list."""
    admin.config_set("maxmemory", "100mb")
    admin.config_set("maxmemory-policy", "allkeys-lru")
    worker = await workers()
    jti = random_id()
    await worker.revoke(jti, _in(clock, timedelta(hours=1)))

    assert await worker.rebuild() is False
    assert admin.get(MARKER) is None
    assert await worker.is_revoked(jti) is True  # an entry Redis holds is still definite
    assert await worker.is_revoked(random_id()) is False
    assert durable.reads == 1  # but "not revoked" only ever comes from the durable list
