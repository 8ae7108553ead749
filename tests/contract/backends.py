"""Every backend the contract suites run against, opened the same way for fixtures and for
hypothesis state machines (which cannot use function-scoped fixtures)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from agentidp.adapters.memory import InMemoryRevocationList, InMemoryStore
from agentidp.adapters.sqlite import SqliteRevocationList, SqliteStore
from agentidp.application.ports.security import RevocationList
from agentidp.application.ports.unit_of_work import UnitOfWorkFactory

BACKENDS: Final = ("memory", "sqlite")

Clock = Callable[[], float]


@dataclass(frozen=True)
class Backend:
    """One opened backend, seen only through its ports."""

    name: str
    uow_factory: UnitOfWorkFactory
    revocation_list: Callable[[Clock], RevocationList]


@asynccontextmanager
async def open_backend(name: str, directory: Path) -> AsyncIterator[Backend]:
    """Open backend ``name`` (SQLite keeps its file in ``directory``) and close it after."""
    if name == "memory":
        memory = InMemoryStore()
        yield Backend(name, memory.unit_of_work, _memory_revocation_list)
    elif name == "sqlite":
        async with SqliteStore(directory / "agentidp.sqlite3") as sqlite:

            def revocation_list(clock: Clock) -> RevocationList:
                return SqliteRevocationList(sqlite, clock=clock)

            yield Backend(name, sqlite.unit_of_work, revocation_list)
    else:
        raise ValueError(f"unknown backend {name!r}")


def _memory_revocation_list(clock: Clock) -> RevocationList:
    return InMemoryRevocationList(clock=clock)
