"""Property: whatever happens to Redis (stopped, restarted empty, flushed) and to the durable
list (down, up), in any order and between any revocations and reads by two workers, a revoked
unexpired token is never reported as not revoked (and nothing else is reported revoked)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from contextlib import AsyncExitStack
from typing import Any, TypeVar

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from agentidp.adapters.memory import InMemoryRevocationList
from agentidp.adapters.redis import RedisRevocationList
from agentidp.application.errors import BackendUnavailable
from tests.contract.redis_backends import (
    RecordingRevocationList,
    RedisServer,
    redis_revocation_list,
)
from tests.contract.support import FakeClock

T = TypeVar("T")

#: A small pool, so that the same ids are revoked, re-revoked and read again and again.
TOKEN_IDS = [f"jti-{n}" for n in range(6)]
workers = st.integers(min_value=0, max_value=1)
token_ids = st.sampled_from(TOKEN_IDS)


class RevocationMachine(RuleBasedStateMachine):
    """Two workers over one Redis and one durable list; the model is ``jti → expires_at`` of
    every revocation that reached the durable list."""

    def __init__(self, server: RedisServer) -> None:
        super().__init__()
        self.server = server
        if not server.running:
            server.start()
        server.flush()
        self.runner = asyncio.Runner()
        self.clock = FakeClock()
        self.durable = RecordingRevocationList(InMemoryRevocationList(clock=self.clock))
        self.model: dict[str, int] = {}
        self.stack = AsyncExitStack()
        self.workers: list[RedisRevocationList] = [
            self.run(
                self.stack.enter_async_context(
                    redis_revocation_list(server.url, self.durable, self.clock)
                )
            )
            for _ in range(2)
        ]

    def run(self, step: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(step)

    def teardown(self) -> None:
        self.run(self.stack.aclose())
        self.runner.close()

    @rule(worker=workers, token_id=token_ids, ttl=st.integers(min_value=1, max_value=3600))
    def revoke(self, worker: int, token_id: str, ttl: int) -> None:
        expires_at = int(self.clock.now) + ttl
        try:
            self.run(self.workers[worker].revoke(token_id, expires_at))
            failed = False
        except BackendUnavailable:
            failed = True
        # It fails exactly when a store is down; the durable write (first) stays either way.
        assert failed == (self.durable.down or not self.server.running)
        if not self.durable.down:
            self.model[token_id] = max(expires_at, self.model.get(token_id, expires_at))

    @rule(worker=workers, token_id=token_ids)
    def is_revoked(self, worker: int, token_id: str) -> None:
        expected = self.clock.now < self.model.get(token_id, 0)
        try:
            answer = self.run(self.workers[worker].is_revoked(token_id))
        except BackendUnavailable:
            assert self.durable.down, "raised although the durable list could answer"
            return
        assert answer == expected, f"{token_id}: answered {answer}, revoked={expected}"

    @rule(worker=workers)
    def rebuild(self, worker: int) -> None:
        try:
            self.run(self.workers[worker].rebuild())
        except BackendUnavailable:
            assert self.durable.down or not self.server.running

    @precondition(lambda self: self.server.running and not self.durable.down)
    @rule(loader=workers, token_id=token_ids, ttl=st.integers(min_value=1, max_value=3600))
    def revocation_lost_during_rebuild(self, loader: int, token_id: str, ttl: int) -> None:
        """A rebuild takes its snapshot; then Redis goes away, a revocation reaches only the
        durable list, and Redis comes back empty before the rebuild writes its snapshot."""
        expires_at = int(self.clock.now) + ttl
        other = self.workers[1 - loader]
        lost: list[str] = []

        async def lose_a_revocation() -> None:
            self.server.stop()
            with pytest.raises(BackendUnavailable):
                await other.revoke(token_id, expires_at)
            lost.append(token_id)
            self.server.start()

        self.let_background_work_finish()  # only our rebuild may meet the hook
        self.durable.after_snapshot = lose_a_revocation
        try:
            completed = self.run(self.workers[loader].rebuild())
        finally:
            self.durable.after_snapshot = None
        if lost:
            self.model[token_id] = max(expires_at, self.model.get(token_id, expires_at))
            assert not completed, "a snapshot older than a revocation was declared complete"

    @precondition(lambda self: self.server.running)  # a resync waits for Redis to answer
    @rule()
    def let_background_work_finish(self) -> None:
        for worker in self.workers:
            self.run(worker.settle())

    @precondition(lambda self: self.server.running)
    @rule()
    def stop_redis(self) -> None:
        self.server.stop()

    @precondition(lambda self: not self.server.running)
    @rule()
    def start_redis(self) -> None:
        self.server.start()

    @precondition(lambda self: self.server.running)
    @rule()
    def restart_redis(self) -> None:
        self.server.restart()

    @precondition(lambda self: self.server.running)
    @rule()
    def flush_redis(self) -> None:
        self.server.flush()

    @rule(down=st.booleans())
    def durable_outage(self, down: bool) -> None:
        self.durable.down = down

    @rule(seconds=st.integers(min_value=1, max_value=1800))
    def time_passes(self, seconds: int) -> None:
        self.clock.now += seconds


@pytest.mark.slow
def test_a_revoked_token_is_never_reported_as_not_revoked(server: RedisServer) -> None:
    """Any interleaving of revocations, reads, rebuilds, Redis stops, restarts and flushes and
    durable outages keeps every answer equal to the model, or an error when it cannot know."""
    run_state_machine_as_test(
        lambda: RevocationMachine(server),
        settings=settings(max_examples=40, stateful_step_count=30, deadline=None),
    )
