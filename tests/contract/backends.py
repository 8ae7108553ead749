"""Every backend the contract suites run against, opened the same way for fixtures and for
hypothesis state machines (which cannot use function-scoped fixtures)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from agentidp.adapters.memory import InMemoryRevocationList, InMemoryStore
from agentidp.adapters.postgres import PostgresRevocationList, PostgresStore
from agentidp.adapters.sqlite import SqliteRevocationList, SqliteStore
from agentidp.application.ports import tenant_context
from agentidp.application.ports.security import RevocationList
from agentidp.application.ports.tenant_context import ALL_TENANTS
from agentidp.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tests.integration.postgres.database import fresh_database
from tests.integration.postgres.tenant_role import fresh_role_database

#: ``postgres-rls``: PostgreSQL once more, connected as an ordinary role (row-level security in
#: force, docs/adr/0011), every unit of work acting for all tenants as the operator does.
BACKENDS: Final = ("memory", "sqlite", "postgres", "postgres-rls")

Clock = Callable[[], float]


@dataclass(frozen=True)
class Backend:
    """One opened backend, seen only through its ports."""

    name: str
    uow_factory: UnitOfWorkFactory
    revocation_list: Callable[[Clock], RevocationList]


@asynccontextmanager
async def open_backend(name: str, directory: Path) -> AsyncIterator[Backend]:
    """Open backend ``name`` and close it after.

    SQLite keeps its file in ``directory``; PostgreSQL uses this process's scratch database
    (one per xdist worker), emptied first. An unreachable PostgreSQL skips the caller, or
    fails it under CI=true.
    """
    if name == "memory":
        memory = InMemoryStore()
        yield Backend(name, memory.unit_of_work, _memory_revocation_list)
    elif name == "sqlite":
        async with SqliteStore(directory / "agentidp.sqlite3") as sqlite:

            def revocation_list(clock: Clock) -> RevocationList:
                return SqliteRevocationList(sqlite, clock=clock)

            yield Backend(name, sqlite.unit_of_work, revocation_list)
    elif name == "postgres":
        url = await fresh_database()
        async with PostgresStore(url, pool_min=1, pool_max=4) as postgres:

            def postgres_revocation_list(clock: Clock) -> RevocationList:
                return PostgresRevocationList(postgres, clock=clock)

            yield Backend(name, postgres.unit_of_work, postgres_revocation_list)
    elif name == "postgres-rls":
        url = await fresh_role_database()
        async with PostgresStore(url, pool_min=1, pool_max=4) as postgres:

            def operator_units() -> UnitOfWork:
                with tenant_context.scope(ALL_TENANTS):  # units capture it when created
                    return postgres.unit_of_work()

            def role_revocation_list(clock: Clock) -> RevocationList:
                return PostgresRevocationList(postgres, clock=clock)

            yield Backend(name, operator_units, role_revocation_list)
    else:
        raise ValueError(f"unknown backend {name!r}")


def _memory_revocation_list(clock: Clock) -> RevocationList:
    return InMemoryRevocationList(clock=clock)
