"""The in-memory client directory of a PostgreSQL process and its NOTIFY invalidation.

Two stores on one database stand for two server processes. The cache must serve repeated
lookups from memory, and drop a record as soon as anything changes it in PostgreSQL — a use
case in the other process, or plain SQL — and trust nothing while its LISTEN connection is
down.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

from agentidp.adapters.postgres import PostgresStore
from agentidp.adapters.postgres import clients as database_directory
from agentidp.application.ports import tenant_context
from agentidp.application.ports.repositories import ClientRecord
from agentidp.domain.agent import Agent
from agentidp.domain.credential import Credential, CredentialStatus
from agentidp.domain.organization import Organization
from tests.builders import NOW, make_agent, make_credential

#: How long a change may take to reach the other process's cache (it takes ~1 ms).
PROPAGATION_DEADLINE = 2.0


@pytest.fixture(autouse=True)
def _all_tenants() -> Iterator[None]:
    """The token endpoint's context: the only one served from memory."""
    with tenant_context.scope(tenant_context.ALL_TENANTS):
        yield


class DatabaseReads:
    """Counts the lookups that reach PostgreSQL."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original = database_directory.PostgresClientDirectory.find

        async def counting(directory: object, client_id: str) -> ClientRecord | None:
            self.count += 1
            return await original(directory, client_id)  # type: ignore[arg-type]

        monkeypatch.setattr(database_directory.PostgresClientDirectory, "find", counting)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> DatabaseReads:
    return DatabaseReads(monkeypatch)


async def find(store: PostgresStore, agent: Agent) -> ClientRecord | None:
    async with store.unit_of_work() as uow:
        return await uow.clients.find(agent.id)


async def client(store: PostgresStore, organization: Organization) -> tuple[Agent, Credential]:
    agent = make_agent(organization_id=organization.id)
    credential = make_credential(agent=agent)
    async with store.unit_of_work() as uow:
        await uow.agents.add(agent)
        await uow.credentials.add(credential)
        await uow.commit()
    await asyncio.sleep(0.05)  # let the notification of this very write arrive first
    return agent, credential


async def eventually(store: PostgresStore, agent: Agent, wanted: object) -> float:
    """Seconds until ``store`` sees ``wanted(record)`` true; fails after the deadline."""
    started = time.perf_counter()
    while time.perf_counter() - started < PROPAGATION_DEADLINE:
        record = await find(store, agent)
        if wanted(record):  # type: ignore[operator]
            return time.perf_counter() - started
        await asyncio.sleep(0.001)
    pytest.fail("the change never reached the other process's cache")


@contextmanager
def sql(url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("SELECT set_config('agentidp.organization_id', '*', false)")
        yield connection


async def test_repeated_lookups_are_served_from_memory(
    store: PostgresStore, organization: Organization, reads: DatabaseReads
) -> None:
    agent, credential = await client(store, organization)

    records = [await find(store, agent) for _ in range(5)]

    assert reads.count == 1
    assert all(record is not None and record.agent == agent for record in records)
    assert all(list(record.active_credentials) == [credential] for record in records if record)


async def test_a_revocation_in_another_process_reaches_the_cache(
    store: PostgresStore, other_store: PostgresStore, organization: Organization
) -> None:
    agent, credential = await client(store, organization)
    assert await find(store, agent) is not None  # cached now

    async with other_store.unit_of_work() as uow:
        credential.revoke(now=NOW)
        await uow.credentials.update(credential)
        await uow.commit()

    seconds = await eventually(store, agent, lambda r: r is not None and not r.active_credentials)
    assert seconds < PROPAGATION_DEADLINE


async def test_a_new_credential_and_a_suspension_reach_the_cache(
    store: PostgresStore, other_store: PostgresStore, organization: Organization
) -> None:
    agent, _ = await client(store, organization)
    await find(store, agent)
    added = make_credential(agent=agent)

    async with other_store.unit_of_work() as uow:
        await uow.credentials.add(added)
        await uow.commit()
    await eventually(store, agent, lambda r: r and added.id in {c.id for c in r.active_credentials})

    async with other_store.unit_of_work() as uow:
        agent.suspend(now=NOW)
        await uow.agents.update(agent)
        await uow.commit()
    await eventually(store, agent, lambda r: r is not None and not r.agent.is_active)


async def test_plain_sql_changes_reach_the_cache_too(
    store: PostgresStore, organization: Organization, database_url: str
) -> None:
    """Triggers notify whoever writes: an operator with psql, too."""
    agent, credential = await client(store, organization)
    await find(store, agent)

    with sql(database_url) as connection:
        connection.execute(
            "UPDATE credentials SET status = %s WHERE id = %s",
            [CredentialStatus.REVOKED.value, credential.id],
        )
    await eventually(store, agent, lambda r: r is not None and not r.active_credentials)

    with sql(database_url) as connection:
        connection.execute(
            "UPDATE organizations SET status = 'suspended' WHERE id = %s", [organization.id]
        )
    await eventually(store, agent, lambda r: r is not None and not r.organization_active)


async def test_nothing_is_trusted_while_the_listener_is_down(
    store: PostgresStore, organization: Organization, database_url: str, reads: DatabaseReads
) -> None:
    """The listening connection killed: every lookup reads PostgreSQL (and sees changes made
    meanwhile at once) until the feed has reconnected; then memory serves again."""
    agent, credential = await client(store, organization)
    await find(store, agent)

    with sql(database_url) as connection:
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE query LIKE 'LISTEN agentidp_client_changes%%' AND pid <> pg_backend_pid()"
        )
    started = reads.count
    # Revoked by a transaction whose notification nobody hears (the listener is gone).
    with sql(database_url) as connection:
        connection.execute("ALTER TABLE credentials DISABLE TRIGGER USER")
        connection.execute(
            "UPDATE credentials SET status = 'revoked' WHERE id = %s", [credential.id]
        )
        connection.execute("ALTER TABLE credentials ENABLE TRIGGER USER")
    await asyncio.sleep(0.05)  # let the event loop notice the closed socket

    record = await find(store, agent)

    assert record is not None
    assert list(record.active_credentials) == []
    assert reads.count > started
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline:  # the feed reconnects in the background
        before = reads.count
        await find(store, agent)
        await find(store, agent)
        if reads.count - before == 1:
            break
        await asyncio.sleep(0.2)
    else:
        pytest.fail("the cache never served from memory again after the listener came back")


async def test_a_read_that_raced_a_change_is_not_kept(
    store: PostgresStore, organization: Organization, reads: DatabaseReads
) -> None:
    """A change heard while a record was being read may postdate what was read: not kept."""
    agent, _ = await client(store, organization)
    cache = store._clients  # the process-wide cache under test
    assert cache is not None
    record = await find(store, agent)
    assert record is not None
    cache._changed("*")  # what a notification does

    cache.keep(agent.id, record, changes_before=cache.changes_seen() - 1)

    assert cache.get(agent.id) is None


async def test_a_tenant_scoped_lookup_always_reads_postgresql(
    store: PostgresStore, organization: Organization, reads: DatabaseReads
) -> None:
    """Only the all-tenants context uses memory; a tenant's unit of work stays behind
    row-level security."""
    agent, _ = await client(store, organization)
    with tenant_context.scope(organization.id):
        await find(store, agent)
        await find(store, agent)

    assert reads.count == 2
