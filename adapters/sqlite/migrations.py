"""Forward-only schema migrations for the SQLite store.

Migrations are the numbered ``*.sql`` files shipped in ``agentidp.migrations/sqlite``. Each
pending file runs in its own ``BEGIN IMMEDIATE`` transaction together with its row in
``schema_migrations``, so a file is applied completely or not at all, and several processes
starting on the same database file at once apply it exactly once (the second one waits for the
write lock, then sees the row and skips the file).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from agentidp.adapters.relational.migrations import Migration as RelationalMigration
from agentidp.adapters.relational.migrations import MigrationFailed as RelationalMigrationFailed
from agentidp.adapters.relational.migrations import discover_migrations

_DIRECTORY: Final = "sqlite"

_CREATE_LEDGER: Final = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    name        TEXT PRIMARY KEY,
    applied_at  TEXT NOT NULL
)
"""
_IS_APPLIED: Final = "SELECT 1 FROM schema_migrations WHERE name = :name"
_RECORD: Final = "INSERT INTO schema_migrations (name, applied_at) VALUES (:name, :applied_at)"


class MigrationFailed(RelationalMigrationFailed):
    """A SQLite migration file could not be applied; nothing from that file was kept."""

    backend = "SQLite"


@dataclass(frozen=True, slots=True)
class Migration(RelationalMigration):
    """One numbered SQL file."""

    def statements(self) -> Iterator[str]:
        """The file's statements, split where SQLite itself says a statement is complete
        (so semicolons inside comments, strings and trigger bodies are not split points)."""
        pending = ""
        for piece in self.sql.split(";"):
            pending += piece + ";"
            if sqlite3.complete_statement(pending):
                yield pending
                pending = ""
        # NOTE: whatever follows the last complete statement is whitespace or comments.


def available_migrations() -> list[Migration]:
    """Every migration shipped with the package, in number order."""
    return discover_migrations(_DIRECTORY, Migration)


def apply_migrations(
    connection: sqlite3.Connection, migrations: Sequence[Migration] | None = None
) -> list[str]:
    """Apply every pending migration, each in its own transaction; idempotent.

    Args:
        connection: a connection that is not inside a transaction.
        migrations: the migrations to consider, in order; by default
            :func:`available_migrations`.

    Returns the names applied by this call.

    Raises:
        MigrationFailed: a file failed; it names the file and nothing of it was applied.
    """
    connection.execute(_CREATE_LEDGER)
    applied = []
    for migration in available_migrations() if migrations is None else migrations:
        try:
            if _apply(connection, migration):
                applied.append(migration.name)
        except sqlite3.Error as exc:
            raise MigrationFailed(migration.name, exc) from exc
    return applied


def _apply(connection: sqlite3.Connection, migration: Migration) -> bool:
    # NOTE: sqlite3's executescript() would COMMIT the open transaction first, so the
    # statements are executed one by one inside a transaction we control.
    connection.execute("BEGIN IMMEDIATE")
    try:
        if connection.execute(_IS_APPLIED, {"name": migration.name}).fetchone() is not None:
            connection.execute("ROLLBACK")
            return False
        for statement in migration.statements():
            connection.execute(statement)
        applied_at = datetime.now(UTC).isoformat(timespec="microseconds")
        connection.execute(_RECORD, {"name": migration.name, "applied_at": applied_at})
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    return True
