"""SQLite-only storage rules: migrations, append-only audit rows, shared revocations."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentidp.adapters.sqlite import (
    MigrationFailed,
    SqliteRevocationList,
    SqliteStore,
    apply_migrations,
)
from agentidp.adapters.sqlite.migrations import Migration, available_migrations
from tests.builders import make_audit_event, random_id


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """Where the test's database file lives."""
    return tmp_path / "db.sqlite3"


@pytest.fixture
def connection(path: Path) -> Iterator[sqlite3.Connection]:
    """A plain autocommit connection to the test's file."""
    connection = sqlite3.connect(path, isolation_level=None)
    yield connection
    connection.close()


def test_migrations_apply_once(connection: sqlite3.Connection) -> None:
    """The first run applies every shipped file and records it; the second applies nothing."""
    first = apply_migrations(connection)
    second = apply_migrations(connection)

    assert first == [migration.name for migration in available_migrations()]
    assert first[0] == "0001_core.sql"
    assert second == []
    recorded = connection.execute("SELECT name FROM schema_migrations ORDER BY name").fetchall()
    assert [name for (name,) in recorded] == first


def test_a_failing_migration_is_named_and_leaves_nothing_behind(
    connection: sqlite3.Connection,
) -> None:
    """A broken file raises MigrationFailed naming it, and none of its statements stay."""
    broken = Migration("0002_broken.sql", "CREATE TABLE half (x);\nTHIS IS NOT SQL;")

    with pytest.raises(MigrationFailed, match=r"0002_broken\.sql"):
        apply_migrations(connection, [*available_migrations(), broken])

    tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
    assert "agents" in tables
    assert "half" not in tables
    applied = connection.execute("SELECT name FROM schema_migrations").fetchall()
    assert ("0002_broken.sql",) not in applied


def test_statements_split_only_where_sqlite_says_they_end() -> None:
    """Semicolons in comments, strings and trigger bodies do not split a statement."""
    migration = Migration(
        "0009_x.sql",
        "-- a; comment\nCREATE TABLE t (x TEXT DEFAULT ';');\n"
        "CREATE TRIGGER g BEFORE DELETE ON t BEGIN SELECT 1; SELECT 2; END;\n-- trailing",
    )

    statements = list(migration.statements())

    assert len(statements) == 2
    assert statements[1].strip().startswith("CREATE TRIGGER")


async def test_audit_rows_cannot_be_changed_or_deleted(
    path: Path, connection: sqlite3.Connection
) -> None:
    """Storage-level triggers refuse UPDATE and DELETE on audit_events."""
    async with SqliteStore(path) as store, store.unit_of_work() as uow:
        await uow.audit.append(make_audit_event())
        await uow.commit()

    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute("UPDATE audit_events SET action = 'agent.updated'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute("DELETE FROM audit_events")


async def test_revocations_are_shared_and_survive_restarts(path: Path) -> None:
    """A revocation made through one store is seen by another store on the same file, as
    another process would see it, and after both are reopened."""
    jti = random_id()
    expires_at = int(time.time()) + 3600

    async with SqliteStore(path) as one, SqliteStore(path) as other:
        await SqliteRevocationList(one).revoke(jti, expires_at)
        seen_elsewhere = await SqliteRevocationList(other).is_revoked(jti)
    async with SqliteStore(path) as reopened:
        seen_after_restart = await SqliteRevocationList(reopened).is_revoked(jti)

    assert seen_elsewhere
    assert seen_after_restart
