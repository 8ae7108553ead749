"""PostgreSQL-only storage rules: migrations, the append-only audit table, verbatim audit
metadata and the durable revocation list."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
import pytest
from psycopg.rows import TupleRow

from agentidp.adapters.postgres import (
    MigrationFailed,
    PostgresRevocationList,
    PostgresStore,
    PostgresUnitOfWork,
    apply_migrations,
)
from agentidp.adapters.postgres.migrations import Migration, available_migrations
from agentidp.application.ports.security import RevocationList
from agentidp.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from agentidp.domain.audit import verify_chain
from tests.builders import make_audit_event, random_id
from tests.integration.postgres.database import ScratchDatabase


def _conformance(store: PostgresStore) -> None:
    """Never called: mypy checks the adapters against their protocols here."""
    _uow: UnitOfWork = store.unit_of_work()
    _factory: UnitOfWorkFactory = store.unit_of_work
    _revocations: RevocationList = PostgresRevocationList(store)
    _concrete: PostgresUnitOfWork = store.unit_of_work()


@asynccontextmanager
async def _connect(url: str) -> AsyncIterator[psycopg.AsyncConnection[TupleRow]]:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as connection:
        yield connection


async def _tables(url: str) -> set[str]:
    async with _connect(url) as connection:
        cursor = await connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        )
        return {str(name) for (name,) in await cursor.fetchall()}


async def _recorded(url: str) -> list[str]:
    async with _connect(url) as connection:
        cursor = await connection.execute("SELECT name FROM schema_migrations ORDER BY name")
        return [str(name) for (name,) in await cursor.fetchall()]


async def test_migrations_apply_once(empty_database: ScratchDatabase) -> None:
    """The first run applies every shipped file and records it; the second applies nothing."""
    async with _connect(empty_database.url) as connection:
        first = await apply_migrations(connection)
        second = await apply_migrations(connection)

    assert first == [migration.name for migration in available_migrations()]
    assert first[0] == "0001_core.sql"
    assert second == []
    assert await _recorded(empty_database.url) == first
    assert {"agents", "audit_events", "audit_chain_head", "revoked_tokens"} <= await _tables(
        empty_database.url
    )


async def test_workers_starting_together_apply_each_file_once(
    empty_database: ScratchDatabase,
) -> None:
    """Stores opened at the same moment (several workers booting) migrate exactly once."""
    stores = [PostgresStore(empty_database.url, pool_min=1, pool_max=2) for _ in range(4)]

    await asyncio.gather(*(store.open() for store in stores))
    await asyncio.gather(*(store.close() for store in stores))

    assert await _recorded(empty_database.url) == [m.name for m in available_migrations()]


async def test_a_failing_migration_is_named_and_leaves_nothing_behind(
    empty_database: ScratchDatabase,
) -> None:
    """A broken file raises MigrationFailed naming it, and none of its statements stay."""
    broken = Migration("0002_broken.sql", "CREATE TABLE half (x integer);\nTHIS IS NOT SQL;")

    async with _connect(empty_database.url) as connection:
        with pytest.raises(MigrationFailed, match=r"0002_broken\.sql") as raised:
            await apply_migrations(connection, [*available_migrations(), broken])
        retried = await apply_migrations(connection)  # the lock was released

    assert raised.value.name == "0002_broken.sql"
    tables = await _tables(empty_database.url)
    assert "agents" in tables
    assert "half" not in tables
    assert "0002_broken.sql" not in await _recorded(empty_database.url)
    assert retried == []


async def test_migrations_need_an_autocommit_connection(empty_database: ScratchDatabase) -> None:
    """The runner refuses a connection that would wrap every file in one transaction."""
    async with await psycopg.AsyncConnection.connect(empty_database.url) as connection:
        with pytest.raises(ValueError, match="autocommit"):
            await apply_migrations(connection)


async def test_audit_rows_cannot_be_changed_or_deleted(
    store: PostgresStore, database_url: str
) -> None:
    """Raw UPDATE and DELETE on audit_events (and on the chain head) are refused by the
    database itself, even when they would match no row; the event stays intact."""
    event = make_audit_event()
    async with store.unit_of_work() as uow:
        await uow.audit.append(event)
        await uow.commit()

    async with _connect(database_url) as connection:
        for statement in (
            "UPDATE audit_events SET actor_id = 'mallory'",
            "UPDATE audit_events SET actor_id = 'mallory' WHERE false",
            "DELETE FROM audit_events",
            "DELETE FROM audit_chain_head",
        ):
            with pytest.raises(psycopg.Error, match="append-only"):
                await connection.execute(statement)

    async with store.unit_of_work() as uow:
        chain = await uow.audit.chain()
    assert [stored.event for stored in chain] == [event]
    assert verify_chain(chain).verified


async def test_audit_metadata_is_stored_verbatim(store: PostgresStore) -> None:
    """Metadata that jsonb would normalise or refuse (huge floats, NUL, lone surrogates,
    non-ASCII) reads back equal, so the stored chain still verifies."""
    event = make_audit_event(
        metadata={"big": 1e300, "tiny": 5e-324, "nul": "a\u0000b", "lone": "\ud800", "é": "ü✓"}
    )

    async with store.unit_of_work() as uow:
        await uow.audit.append(event)
        await uow.commit()
    async with store.unit_of_work() as uow:
        stored = await uow.audit.get(event.id)

    assert stored is not None
    assert stored.event == event
    assert isinstance(stored.event.metadata["big"], float)
    assert verify_chain([stored]).verified


async def test_revocations_are_shared_and_listed_until_they_expire(
    store: PostgresStore, other_store: PostgresStore
) -> None:
    """A revocation made through one store is seen by another, and all_unexpired lists the
    live entries soonest-expiring first (what a cache needs to rebuild itself)."""
    now = time.time()
    writer, reader = PostgresRevocationList(store), PostgresRevocationList(other_store)
    expired, soon, later = random_id(), random_id(), random_id()
    await writer.revoke(later, math.ceil(now) + 3600)
    await writer.revoke(soon, math.ceil(now) + 60)
    await writer.revoke(expired, math.floor(now) - 1)

    assert await reader.is_revoked(soon)
    assert not await reader.is_revoked(expired)
    assert await reader.all_unexpired(now) == [
        (soon, math.ceil(now) + 60),
        (later, math.ceil(now) + 3600),
    ]
    assert await reader.all_unexpired(now + 7200) == []
