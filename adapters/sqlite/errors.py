"""sqlite3 exceptions → port errors, translated here and nowhere else."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from agentidp.application.errors import ApplicationError, BackendUnavailable

_DUPLICATE = frozenset({"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})
_MISSING_PARENT = "SQLITE_CONSTRAINT_FOREIGNKEY"


@dataclass(frozen=True, slots=True)
class Constraints:
    """What a table's constraint violations mean to the ports.

    Attributes:
        duplicate: raised for a UNIQUE or PRIMARY KEY violation (e.g. a taken email).
        missing_parent: raised for a FOREIGN KEY violation (the row refers to nothing).
    """

    duplicate: type[ApplicationError] | None = None
    missing_parent: type[ApplicationError] | None = None

    @contextmanager
    def translating(self) -> Iterator[None]:
        """Raise the port error for a known violation inside the block; anything else (a bug,
        such as a NOT NULL violation) propagates unchanged."""
        try:
            yield
        except sqlite3.IntegrityError as exc:
            name = exc.sqlite_errorname
            if name in _DUPLICATE and self.duplicate is not None:
                raise self.duplicate() from exc
            if name == _MISSING_PARENT and self.missing_parent is not None:
                raise self.missing_parent() from exc
            raise


#: For statements whose constraint violations would be bugs, not port errors.
NO_CONSTRAINTS = Constraints()


def unavailable(cause: BaseException) -> BackendUnavailable:
    """A fresh ``BackendUnavailable`` caused by ``cause`` (one instance per awaiting caller)."""
    error = BackendUnavailable("The SQLite store is unavailable.")
    error.__cause__ = cause
    return error


@contextmanager
def reading() -> Iterator[None]:
    """Report any sqlite3 failure of a read as ``BackendUnavailable``.

    SECURITY: callers such as the revocation list must never treat "could not read" as
    "not there"; raising keeps every check fail-closed.
    """
    try:
        yield
    except sqlite3.Error as exc:
        raise unavailable(exc) from exc
