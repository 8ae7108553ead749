"""Migration file discovery and the migration error, shared by the relational stores.

Migrations are the numbered ``NNNN_name.sql`` files shipped in a directory of the
``agentidp.migrations`` package, one directory per backend. How a file is applied (its
transaction, its ledger row, its locking) is each backend's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import files
from typing import ClassVar, Final, TypeVar

from agentidp.application.errors import MigrationError

#: The package whose directories hold each backend's migration files.
MIGRATIONS_PACKAGE: Final = "agentidp.migrations"
#: A migration file's name: a four-digit number, a lower-case name, ``.sql``.
MIGRATION_NAME: Final = re.compile(r"^\d{4}_[a-z0-9_]+\.sql$")


class MigrationFailed(MigrationError):
    """A migration file could not be applied; nothing from that file was kept."""

    #: The backend named in the message (set by each backend's subclass).
    backend: ClassVar[str] = "Relational"

    def __init__(self, name: str, cause: BaseException) -> None:
        super().__init__(f"{self.backend} migration {name} failed: {cause}", migration=name)
        self.name = name


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered SQL file."""

    name: str
    sql: str


M = TypeVar("M", bound=Migration)


def discover_migrations(directory: str, kind: type[M]) -> list[M]:
    """Every migration file in ``agentidp.migrations/<directory>`` as a ``kind``, in number
    order."""
    folder = files(MIGRATIONS_PACKAGE) / directory
    found = [
        kind(entry.name, entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if MIGRATION_NAME.fullmatch(entry.name)
    ]
    return sorted(found, key=lambda migration: migration.name)
