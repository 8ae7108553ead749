"""PostgreSQL adapters (psycopg 3, async pool): the production store.

Public API: :class:`PostgresStore` (``open``/``close``/``ping``/``unit_of_work``),
:class:`PostgresUnitOfWork`, :class:`PostgresRevocationList`, :func:`apply_migrations`.
"""

from .migrations import MigrationFailed, apply_migrations
from .revocation_list import PostgresRevocationList
from .store import PostgresStore
from .unit_of_work import PostgresUnitOfWork

__all__ = [
    "MigrationFailed",
    "PostgresRevocationList",
    "PostgresStore",
    "PostgresUnitOfWork",
    "apply_migrations",
]
