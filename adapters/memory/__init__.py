"""Memory adapters: shipping code for development and tests, same contracts as SQLite.

Public API: :class:`InMemoryStore` (``unit_of_work``/``ping``), :class:`InMemoryUnitOfWork`,
:class:`InMemoryRevocationList`.
"""

from .revocation_list import InMemoryRevocationList
from .store import InMemoryStore
from .unit_of_work import InMemoryUnitOfWork

__all__ = ["InMemoryRevocationList", "InMemoryStore", "InMemoryUnitOfWork"]
