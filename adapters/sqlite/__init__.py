"""The embedded default store: SQLite in WAL mode with a group-committing writer thread.

Public API: :class:`SqliteStore` (``open``/``close``/``ping``/``unit_of_work``),
:class:`SqliteUnitOfWork`, :class:`SqliteRevocationList`, :func:`apply_migrations`.
"""

from .migrations import MigrationFailed, apply_migrations
from .revocation_list import SqliteRevocationList
from .store import SqliteStore
from .unit_of_work import SqliteUnitOfWork

__all__ = [
    "MigrationFailed",
    "SqliteRevocationList",
    "SqliteStore",
    "SqliteUnitOfWork",
    "apply_migrations",
]
