"""Memory revocation list: revoked token ids until their tokens expire (one process only)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

#: Seconds between sweeps of expired entries.
PRUNE_INTERVAL: Final = 60.0


class InMemoryRevocationList:
    """Implements ``RevocationList`` with a dict ``jti → expires_at``.

    Args:
        clock: unix time in seconds; a token is revoked while ``clock() < expires_at``.
    """

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._expiries: dict[str, int] = {}
        self._next_prune = 0.0

    async def revoke(self, token_id: str, expires_at: int) -> None:
        # Idempotent; a repeated revocation may extend the entry but never shortens it.
        self._expiries[token_id] = max(expires_at, self._expiries.get(token_id, expires_at))
        now = self._clock()
        if now >= self._next_prune:
            self._next_prune = now + PRUNE_INTERVAL
            self._expiries = {jti: exp for jti, exp in self._expiries.items() if exp > now}

    async def is_revoked(self, token_id: str) -> bool:
        expires_at = self._expiries.get(token_id)
        return expires_at is not None and self._clock() < expires_at
