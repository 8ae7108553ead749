"""PostgreSQL-only behaviour of the writer and the pool: group commit, failure isolation,
lost connections and outages (of the test database only: the server itself is shared with
other sessions and is never stopped here)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import psycopg
import pytest

from agentidp.adapters.postgres import PostgresRevocationList, PostgresStore
from agentidp.application.errors import AgentAlreadyExists, BackendUnavailable, InvalidRequest
from agentidp.domain.agent import Agent
from agentidp.domain.audit import verify_chain
from agentidp.domain.organization import Organization
from tests.builders import make_agent, make_audit_event, random_id
from tests.integration.postgres.database import ScratchDatabase

T = TypeVar("T")


async def _register(store: PostgresStore, organization: Organization, email: str | None) -> None:
    agent = make_agent(organization_id=organization.id)
    if email is not None:
        agent.email = email
    async with store.unit_of_work() as uow:
        await uow.agents.add(agent)
        await uow.audit.append(make_audit_event(organization_id=organization.id))
        await uow.commit()


async def _chain_length(store: PostgresStore) -> int:
    async with store.unit_of_work() as uow:
        return len(await uow.audit.chain())


@asynccontextmanager
async def _chain_head_locked(url: str) -> AsyncIterator[None]:
    """Another connection (as another process's writer would) holds the chain head lock."""
    async with await psycopg.AsyncConnection.connect(url) as blocker:
        await blocker.execute("SELECT hash FROM audit_chain_head WHERE id = 1 FOR UPDATE")
        try:
            yield
        finally:
            await blocker.rollback()


async def _lock_waiter(url: str, name: str) -> int:
    """The pid of the backend of ``name`` that waits for a lock (the blocked writer)."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as probe:
        for _ in range(200):
            cursor = await probe.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                [name],
            )
            row = await cursor.fetchone()
            if row is not None:
                return int(row[0])
            await asyncio.sleep(0.01)
    raise AssertionError("the writer never waited for the chain head lock")


async def _eventually(attempt: Callable[[], Awaitable[T]], seconds: float = 15.0) -> T:
    """``attempt()``, retried while it raises BackendUnavailable (a caller's retry loop)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return await attempt()
        except BackendUnavailable:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


async def test_queued_batches_share_one_transaction_and_fail_alone(
    store: PostgresStore, organization: Organization, database_url: str
) -> None:
    """Batches queued while the writer waits are committed as one group, and the one that
    conflicts is rolled back to its savepoint without touching the others."""
    taken = make_agent(organization_id=organization.id)
    async with store.unit_of_work() as uow:
        await uow.agents.add(taken)
        await uow.commit()
    before = (store.stats.groups, store.stats.batches)
    emails = [None] * 10 + [taken.email] + [None] * 10

    async with _chain_head_locked(database_url):
        tasks = [asyncio.create_task(_register(store, organization, email)) for email in emails]
        await asyncio.sleep(0.2)  # every batch is now queued behind the blocked writer
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)

    assert isinstance(outcomes[10], AgentAlreadyExists)
    assert [*outcomes[:10], *outcomes[11:]] == [None] * 20
    assert store.stats.batches - before[1] == 21
    assert store.stats.groups - before[0] <= 2  # the first batch may have gone alone
    assert store.stats.redone == 1  # the pipelined attempt failed, batch by batch isolated it
    async with store.unit_of_work() as uow:
        chain = await uow.audit.chain()
    assert len(chain) == 20
    assert verify_chain(chain).verified


async def test_a_batch_that_cannot_be_encoded_fails_alone(
    store: PostgresStore, organization: Organization, database_url: str
) -> None:
    """A batch that fails before reaching PostgreSQL (metadata that is not JSON) gets its own
    error; the batches grouped with it commit."""
    good = [make_audit_event() for _ in range(4)]
    bad = make_audit_event(metadata={"not json": object()})

    async def append(event: object) -> None:
        async with store.unit_of_work() as uow:
            await uow.audit.append(event)  # type: ignore[arg-type]
            await uow.commit()

    async with _chain_head_locked(database_url):
        tasks = [asyncio.create_task(append(event)) for event in [*good[:2], bad, *good[2:]]]
        await asyncio.sleep(0.1)
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)

    assert isinstance(outcomes[2], TypeError)
    assert [*outcomes[:2], *outcomes[3:]] == [None] * 4
    async with store.unit_of_work() as uow:
        chain = await uow.audit.chain()
    assert {stored.event.id for stored in chain} == {event.id for event in good}
    assert verify_chain(chain).verified


async def test_a_value_postgresql_cannot_hold_fails_its_batch_alone(
    store: PostgresStore, organization: Organization, database_url: str
) -> None:
    """An agent whose metadata holds a NUL character (which SQLite would store but no
    PostgreSQL text or jsonb can) is refused as InvalidRequest; its group commits the rest."""
    good = [make_agent(organization_id=organization.id) for _ in range(4)]
    bad = make_agent(organization_id=organization.id, metadata={"note": "a\u0000b"})

    async def add(agent: Agent) -> None:
        async with store.unit_of_work() as uow:
            await uow.agents.add(agent)
            await uow.commit()

    async with _chain_head_locked(database_url):
        tasks = [asyncio.create_task(add(agent)) for agent in [*good[:2], bad, *good[2:]]]
        await asyncio.sleep(0.1)
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)

    assert isinstance(outcomes[2], InvalidRequest)
    assert [*outcomes[:2], *outcomes[3:]] == [None] * 4
    async with store.unit_of_work() as uow:
        assert [await uow.agents.get(agent.id) for agent in good] == good
        assert await uow.agents.get(bad.id) is None


async def test_a_lost_connection_fails_every_batch_of_the_group(
    store: PostgresStore, organization: Organization, scratch: ScratchDatabase
) -> None:
    """When the writer's connection dies mid-transaction, every batch of its group gets
    BackendUnavailable, nothing of the group is applied, and the next commit works."""
    async with _chain_head_locked(scratch.url):
        tasks = [asyncio.create_task(_register(store, organization, None)) for _ in range(5)]
        writer_pid = await _lock_waiter(scratch.url, scratch.name)
        async with await psycopg.AsyncConnection.connect(scratch.url, autocommit=True) as admin:
            await admin.execute("SELECT pg_terminate_backend(%s)", [writer_pid])
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)

    assert all(isinstance(outcome, BackendUnavailable) for outcome in outcomes), outcomes
    assert await _chain_length(store) == 0
    await _register(store, organization, None)
    assert await _chain_length(store) == 1


async def test_the_pool_recovers_after_its_connections_are_terminated(
    store: PostgresStore, organization: Organization, scratch: ScratchDatabase
) -> None:
    """After every server connection of the database is killed (as by a PostgreSQL
    restart), the next read and the next unit of work each succeed or raise
    BackendUnavailable, and a retry succeeds: the store needs no restart."""
    await asyncio.gather(*(_register(store, organization, None) for _ in range(4)))
    await asyncio.gather(*(_chain_length(store) for _ in range(4)))  # several connections

    assert scratch.terminate_connections() >= 1
    first_read = await _attempt(_chain_length(store))
    first_commit = await _attempt(_register(store, organization, None))
    await _register(store, organization, None)

    assert first_read is None or isinstance(first_read, BackendUnavailable)
    assert first_commit is None or isinstance(first_commit, BackendUnavailable)
    async with store.unit_of_work() as uow:
        chain = await uow.audit.chain()
    assert len(chain) == (6 if first_commit is None else 5)  # a failed commit applied nothing
    assert verify_chain(chain).verified
    await store.ping()


async def _attempt(operation: Awaitable[object]) -> BaseException | None:
    """``None`` if ``operation`` succeeded, else the BackendUnavailable it raised."""
    try:
        await operation
    except BackendUnavailable as exc:
        return exc
    return None


async def test_an_outage_is_reported_never_answered_and_needs_no_restart(
    database_url: str, scratch: ScratchDatabase, organization: Organization
) -> None:
    """While the database refuses connections, reads, commits, revocation checks and the
    health check raise BackendUnavailable (a revocation check never answers False); once it
    accepts them again the same store works."""
    async with PostgresStore(database_url, pool_min=1, pool_max=2, connect_timeout=1) as store:
        revocations = PostgresRevocationList(store)
        jti = random_id()
        await revocations.revoke(jti, int(time.time()) + 3600)

        scratch.allow_connections(False)
        try:
            scratch.terminate_connections()
            with pytest.raises(BackendUnavailable):
                await revocations.is_revoked(jti)
            with pytest.raises(BackendUnavailable):
                await revocations.is_revoked(random_id())
            with pytest.raises(BackendUnavailable):
                await _register(store, organization, None)
            with pytest.raises(BackendUnavailable):
                await store.ping()
        finally:
            scratch.allow_connections(True)

        assert await _eventually(lambda: revocations.is_revoked(jti))
        await _eventually(lambda: _register(store, organization, None))
        assert await _chain_length(store) == 1


async def test_open_fails_fast_when_the_server_is_unreachable() -> None:
    """A store pointed at a port nobody listens on raises BackendUnavailable from open()."""
    store = PostgresStore("postgresql://postgres@127.0.0.1:1/agentidp", connect_timeout=1)

    with pytest.raises(BackendUnavailable):
        await store.open()
    with pytest.raises(BackendUnavailable):
        store.unit_of_work()


async def test_a_closed_store_is_unavailable(database_url: str) -> None:
    """Reads and commits on a closed store raise BackendUnavailable, not psycopg errors."""
    store = PostgresStore(database_url, pool_min=1)
    await store.open()
    uow = store.unit_of_work()
    await store.close()

    with pytest.raises(BackendUnavailable):
        await uow.organizations.list_all()
    await uow.audit.append(make_audit_event())
    with pytest.raises(BackendUnavailable):
        await uow.commit()
    with pytest.raises(BackendUnavailable):
        await store.ping()


async def test_close_commits_what_is_already_queued(database_url: str) -> None:
    """Commits queued when close() is called are applied before the pool closes."""
    store = PostgresStore(database_url, pool_min=1)
    await store.open()
    uows = [store.unit_of_work() for _ in range(5)]
    for uow in uows:
        await uow.audit.append(make_audit_event())
    commits = [asyncio.create_task(uow.commit()) for uow in uows]
    await asyncio.sleep(0)  # every commit is queued

    await store.close()

    assert await asyncio.gather(*commits) == [None] * 5
    async with PostgresStore(database_url, pool_min=1) as reopened:
        assert await _chain_length(reopened) == 5
