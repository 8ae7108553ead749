"""SQLite revocation list: revoked token ids in ``revoked_tokens``.

Revocations are durable (written through the writer thread like any commit) and visible to
every process that opens the same file. Expired rows are ignored on read and purged now and
then on write.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

from agentidp.adapters.relational.revocation_list import PURGE_INTERVAL, PurgeSchedule

from .staging import Write
from .store import SqliteStore

_REVOKE: Final = (
    "INSERT INTO revoked_tokens (jti, expires_at) VALUES (:jti, :expires_at) "
    # Idempotent; a repeated revocation may extend the entry but never shortens it.
    "ON CONFLICT (jti) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)"
)
_PURGE: Final = "DELETE FROM revoked_tokens WHERE expires_at <= :now"
_IS_REVOKED: Final = "SELECT 1 FROM revoked_tokens WHERE jti = :jti AND expires_at > :now"


class SqliteRevocationList:
    """Implements ``RevocationList`` on a :class:`SqliteStore`.

    Args:
        store: an open store (it may be opened after this object is built).
        clock: unix time in seconds; a token is revoked while ``clock() < expires_at``.
    """

    def __init__(self, store: SqliteStore, *, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock
        self._purges = PurgeSchedule(PURGE_INTERVAL)

    async def revoke(self, token_id: str, expires_at: int) -> None:
        writes = [Write(_REVOKE, {"jti": token_id, "expires_at": expires_at})]
        now = self._clock()
        if self._purges.due(now):
            writes.append(Write(_PURGE, {"now": now}))
        await self._store.submit(writes, ())

    async def is_revoked(self, token_id: str) -> bool:
        # SECURITY: a read failure raises BackendUnavailable (Reader), never answers False.
        row = self._store.reader.one(_IS_REVOKED, {"jti": token_id, "now": self._clock()})
        return row is not None
