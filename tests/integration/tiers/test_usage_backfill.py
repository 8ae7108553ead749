"""Upgrading a database that already holds agents (written at schema 0001) to the current
schema: migration 0003 starts the agents counter at each organization's agents that are not
decommissioned (SQLite and PostgreSQL), and its triggers keep it from there."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import psycopg
import pytest

from agentidp.adapters.postgres import migrations as postgres_migrations
from agentidp.adapters.sqlite import migrations as sqlite_migrations
from tests.integration.postgres.database import ScratchDatabase

#: Organization → statuses of its agents before the migration, and the expected count.
EXISTING: Final = {
    "org-a": (["active", "suspended", "decommissioned"], 2),
    "org-b": (["decommissioned"], 0),
    "org-c": ([], 0),
}
_ORG: Final = (
    "INSERT INTO organizations (id, slug, name, status, created_at) "
    "VALUES ({p}, {p}, 'Org', 'active', '2026-01-01T00:00:00.000000Z')"
)
_AGENT: Final = (
    "INSERT INTO agents (id, organization_id, email, agent_type, version, capabilities, owner, "
    "deployment_env, scopes, status, created_at, updated_at, metadata, revision) VALUES "
    "({p}, {p}, {p}, 'classifier', '1.0.0', '[]', 'team', 'production', {scopes}, {p}, "
    "'2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', '{{}}', 0)"
)
_COUNTS: Final = "SELECT organization_id, value FROM usage_counters WHERE counter = 'agents'"


def _rows() -> Iterator[tuple[str, tuple[str, str, str, str]]]:
    """Each organization and its agents' (id, organization, email, status) rows."""
    for organization, (statuses, _) in EXISTING.items():
        for number, status in enumerate(statuses):
            agent = f"{organization}-agent-{number}"
            yield organization, (agent, organization, f"{agent}@example.test", status)


def _expected() -> dict[str, int]:
    return {org: count for org, (_, count) in EXISTING.items() if count}


def _split(names: list[str]) -> tuple[list[str], list[str]]:
    """The first schema (0001) and every later migration."""
    before = [name for name in names if name < "0002"]
    return before, [name for name in names if name >= "0002"]


def test_sqlite_backfills_the_agents_counter(tmp_path: Path) -> None:
    """Counts after the migration; then a new agent counts and a decommissioning uncounts."""
    available = sqlite_migrations.available_migrations()
    before, _ = _split([m.name for m in available])
    connection = sqlite3.connect(tmp_path / "old.db", isolation_level=None)
    sqlite_migrations.apply_migrations(connection, [m for m in available if m.name in before])
    for organization in EXISTING:
        connection.execute(_ORG.format(p="?"), (organization, organization))
    for _, row in _rows():
        connection.execute(_AGENT.format(p="?", scopes="'agents:read'"), row)

    sqlite_migrations.apply_migrations(connection)
    counted = dict(connection.execute(_COUNTS).fetchall())
    connection.execute(
        _AGENT.format(p="?", scopes="'agents:read'"), ("new", "org-b", "new@example.test", "active")
    )
    connection.execute("UPDATE agents SET status = 'decommissioned' WHERE id = 'org-a-agent-0'")
    after = dict(connection.execute(_COUNTS).fetchall())
    connection.close()

    assert counted == _expected()
    assert after == {"org-a": 1, "org-b": 1}


async def test_postgres_backfills_the_agents_counter() -> None:
    """The same on PostgreSQL (a database of its own, migrated in two steps)."""
    database = ScratchDatabase("backfill")
    database.create()
    try:
        async with await psycopg.AsyncConnection.connect(database.url, autocommit=True) as conn:
            available = postgres_migrations.available_migrations()
            before, _ = _split([m.name for m in available])
            await postgres_migrations.apply_migrations(
                conn, [m for m in available if m.name in before]
            )
            for organization in EXISTING:
                await conn.execute(_ORG.format(p="%s"), (organization, organization))  # type: ignore[arg-type]
            for _, row in _rows():
                await conn.execute(_AGENT.format(p="%s", scopes="'{agents:read}'"), row)  # type: ignore[arg-type]

            await postgres_migrations.apply_migrations(conn)
            counted = dict(await (await conn.execute(_COUNTS)).fetchall())
    finally:
        database.drop()

    assert counted == _expected()


@pytest.fixture(autouse=True)
def _names_are_numbered() -> None:
    """Defensive: the split above relies on the four-digit migration numbers."""
    names = [m.name for m in sqlite_migrations.available_migrations()]
    assert all(name[:4].isdigit() for name in names)
    assert any(name.startswith("0003") for name in names)
