"""Forward-only schema migrations for the PostgreSQL store.

Migrations are the numbered ``*.sql`` files shipped in ``agentidp.migrations/postgres``. Each
pending file runs in its own transaction together with its row in ``schema_migrations``
(PostgreSQL DDL is transactional), so a file is applied completely or not at all. The whole
run holds a session-level advisory lock, so several workers starting together apply each
file exactly once: the others wait for the lock, then see the file's row and skip it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import psycopg

from agentidp.adapters.relational.migrations import Migration as RelationalMigration
from agentidp.adapters.relational.migrations import MigrationFailed as RelationalMigrationFailed
from agentidp.adapters.relational.migrations import discover_migrations

from .errors import translating
from .pool import Connection

_DIRECTORY: Final = "postgres"
#: The advisory lock key of migration runs (any fixed bigint; this one spells "agentidp").
MIGRATION_LOCK_KEY: Final = 0x6167656E74696470

_LOCK: Final = "SELECT pg_advisory_lock(%(key)s)"
_UNLOCK: Final = "SELECT pg_advisory_unlock(%(key)s)"
_CREATE_LEDGER: Final = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    name        text PRIMARY KEY,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""
_IS_APPLIED: Final = "SELECT 1 FROM schema_migrations WHERE name = %(name)s"
_RECORD: Final = "INSERT INTO schema_migrations (name) VALUES (%(name)s)"


class MigrationFailed(RelationalMigrationFailed):
    """A PostgreSQL migration file could not be applied; nothing from that file was kept."""

    backend = "PostgreSQL"


@dataclass(frozen=True, slots=True)
class Migration(RelationalMigration):
    """One numbered SQL file (any number of statements, no BEGIN/COMMIT of its own)."""


def available_migrations() -> list[Migration]:
    """Every migration shipped with the package, in number order."""
    return discover_migrations(_DIRECTORY, Migration)


async def apply_migrations(
    connection: Connection, migrations: Sequence[Migration] | None = None
) -> list[str]:
    """Apply every pending migration, each in its own transaction; idempotent.

    Args:
        connection: an autocommit connection (it opens one transaction per file).
        migrations: the migrations to consider, in order; by default
            :func:`available_migrations`.

    Returns the names applied by this call.

    Raises:
        MigrationFailed: a file failed; it names the file and nothing of it was applied
            (the files before it stay applied).
        BackendUnavailable: PostgreSQL could not be reached.
        ValueError: ``connection`` is not in autocommit mode.
    """
    if not connection.autocommit:
        raise ValueError("apply_migrations needs an autocommit connection")
    pending = available_migrations() if migrations is None else migrations
    with translating():
        await connection.execute(_LOCK, {"key": MIGRATION_LOCK_KEY})
        try:
            await connection.execute(_CREATE_LEDGER)
            return [m.name for m in pending if await _apply(connection, m)]
        finally:
            if not connection.broken:
                await connection.execute(_UNLOCK, {"key": MIGRATION_LOCK_KEY})


async def _apply(connection: Connection, migration: Migration) -> bool:
    try:
        async with connection.transaction():
            cursor = await connection.execute(_IS_APPLIED, {"name": migration.name})
            if await cursor.fetchone() is not None:
                return False
            # No parameters: psycopg sends the file as one simple query, many statements.
            await connection.execute(migration.sql)
            await connection.execute(_RECORD, {"name": migration.name})
    except (psycopg.OperationalError, psycopg.InterfaceError):
        raise  # the server, not the file: BackendUnavailable (see apply_migrations)
    except psycopg.Error as exc:
        raise MigrationFailed(migration.name, exc) from exc
    return True
