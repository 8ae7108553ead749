"""PostgreSQL revocation list: revoked token ids in ``revoked_tokens``.

Revocations are durable (committed through the writer like any unit of work) and visible to
every process using the same database. Expired rows are ignored on read and purged now and
then on write. :meth:`PostgresRevocationList.all_unexpired` lets a cache in front of this
list (Redis) rebuild itself after losing its data.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

from agentidp.adapters.relational.revocation_list import PURGE_INTERVAL, PurgeSchedule

from .staging import Write
from .store import PostgresStore

_REVOKE: Final = (
    "INSERT INTO revoked_tokens (jti, expires_at) VALUES (%(jti)s, %(expires_at)s) "
    # Idempotent; a repeated revocation may extend the entry but never shortens it.
    "ON CONFLICT (jti) DO UPDATE "
    "SET expires_at = greatest(revoked_tokens.expires_at, excluded.expires_at)"
)
_PURGE: Final = "DELETE FROM revoked_tokens WHERE expires_at <= %(now)s"
_IS_REVOKED: Final = "SELECT 1 FROM revoked_tokens WHERE jti = %(jti)s AND expires_at > %(now)s"
_UNEXPIRED: Final = (
    "SELECT jti, expires_at FROM revoked_tokens WHERE expires_at > %(now)s ORDER BY expires_at"
)


class PostgresRevocationList:
    """Implements ``RevocationList`` on a :class:`PostgresStore`.

    Args:
        store: an open store (it may be opened after this object is built).
        clock: unix time in seconds; a token is revoked while ``clock() < expires_at``.
    """

    def __init__(self, store: PostgresStore, *, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock
        self._purges = PurgeSchedule(PURGE_INTERVAL)

    async def revoke(self, token_id: str, expires_at: int) -> None:
        writes = [Write(_REVOKE, {"jti": token_id, "expires_at": int(expires_at)})]
        now = self._clock()
        if self._purges.due(now):
            writes.append(Write(_PURGE, {"now": now}))
        await self._store.submit(writes, ())

    async def is_revoked(self, token_id: str) -> bool:
        # SECURITY: a read failure raises BackendUnavailable (Reader), never answers False.
        row = await self._store.reader.one(_IS_REVOKED, {"jti": token_id, "now": self._clock()})
        return row is not None

    async def all_unexpired(self, now: float) -> list[tuple[str, int]]:
        """Every ``(jti, expires_at)`` still revoked at unix time ``now``, soonest expiry first.

        Raises:
            BackendUnavailable: PostgreSQL cannot be reached.
        """
        rows = await self._store.reader.all(_UNEXPIRED, {"now": now})
        return [(str(jti), int(expires_at)) for jti, expires_at in rows]
