"""SQLite-only behaviour of the writer thread: group commit, failure isolation, durability."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from agentidp.adapters.sqlite import SqliteStore
from agentidp.application.errors import AgentAlreadyExists, BackendUnavailable
from agentidp.domain.audit import verify_chain
from agentidp.domain.organization import Organization
from tests.builders import make_agent, make_audit_event, make_organization


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """Where the test's database file lives."""
    return tmp_path / "data" / "agentidp.sqlite3"


@pytest.fixture
async def store(path: Path) -> AsyncIterator[SqliteStore]:
    """An open store on a fresh file."""
    async with SqliteStore(path) as opened:
        yield opened


@pytest.fixture
async def organization(store: SqliteStore) -> Organization:
    """A committed organization."""
    organization = make_organization()
    async with store.unit_of_work() as uow:
        await uow.organizations.add(organization)
        await uow.commit()
    return organization


@contextmanager
def _write_lock_held(path: Path) -> Iterator[None]:
    """Another connection (as another process would) holds the write lock inside the block."""
    blocker = sqlite3.connect(path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        yield
    finally:
        blocker.close()  # closing rolls the transaction back and releases the lock


async def _register(store: SqliteStore, organization: Organization, email: str | None) -> None:
    agent = make_agent(organization_id=organization.id)
    if email is not None:
        agent.email = email
    async with store.unit_of_work() as uow:
        await uow.agents.add(agent)
        await uow.audit.append(make_audit_event(organization_id=organization.id))
        await uow.commit()


async def test_queued_batches_share_one_transaction_and_fail_alone(
    store: SqliteStore, organization: Organization, path: Path
) -> None:
    """Batches queued while the writer waits are committed as one group, and the one that
    conflicts is rolled back to its savepoint without touching the others."""
    taken = make_agent(organization_id=organization.id)
    async with store.unit_of_work() as uow:
        await uow.agents.add(taken)
        await uow.commit()
    before = (store.stats.groups, store.stats.batches)
    emails = [None] * 10 + [taken.email] + [None] * 10

    with _write_lock_held(path):
        tasks = [asyncio.create_task(_register(store, organization, email)) for email in emails]
        await asyncio.sleep(0.2)  # every batch is now queued behind the blocked writer
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)

    assert isinstance(outcomes[10], AgentAlreadyExists)
    assert [*outcomes[:10], *outcomes[11:]] == [None] * 20
    assert store.stats.batches - before[1] == 21
    assert store.stats.groups - before[0] <= 2  # the first batch may have gone alone
    async with store.unit_of_work() as uow:
        chain = await uow.audit.chain()
    assert len(chain) == 20
    assert verify_chain(chain).verified


async def test_a_failed_begin_fails_every_batch_of_the_group(
    path: Path, organization: Organization
) -> None:
    """When the write lock cannot be had in time, every waiting batch gets
    BackendUnavailable, nothing is applied, and the writer keeps working afterwards."""
    async with SqliteStore(path, busy_timeout_ms=50) as impatient:
        with _write_lock_held(path):
            outcomes = await asyncio.gather(
                *(_register(impatient, organization, None) for _ in range(5)),
                return_exceptions=True,
            )
        await _register(impatient, organization, None)

        async with impatient.unit_of_work() as uow:
            chain = await uow.audit.chain()
    assert all(isinstance(outcome, BackendUnavailable) for outcome in outcomes)
    assert len(chain) == 1


async def test_committed_data_survives_a_restart(path: Path) -> None:
    """What a returned commit wrote is there after closing and reopening the file."""
    organization = make_organization()
    event = make_audit_event(organization_id=organization.id)
    async with SqliteStore(path) as first, first.unit_of_work() as uow:
        await uow.organizations.add(organization)
        await uow.audit.append(event)
        await uow.commit()

    async with SqliteStore(path) as second, second.unit_of_work() as uow:
        reopened = await uow.organizations.get(organization.id)
        stored = await uow.audit.get(event.id)

    assert reopened == organization
    assert stored is not None
    assert stored.event == event


async def test_a_closed_store_is_unavailable(path: Path) -> None:
    """Reads and commits on a closed store raise BackendUnavailable, not sqlite3 errors."""
    store = SqliteStore(path)
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


async def test_ping_succeeds_on_an_open_store(store: SqliteStore) -> None:
    """An open store answers its health check."""
    await store.ping()
