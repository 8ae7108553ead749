"""Memory replay guard: one process only (use Redis to share it between workers)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

#: Seconds between sweeps of expired entries.
PRUNE_INTERVAL: Final = 60.0


class InMemoryReplayGuard:
    """Implements ``ReplayGuard`` with a dict ``key → expires_at``.

    Args:
        clock: unix time in seconds; a key is remembered while ``clock() < expires_at``.
    """

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._expiries: dict[str, float] = {}
        self._next_prune = 0.0

    async def first_use(self, key: str, expires_at: int) -> bool:
        # No await inside: check-and-set is atomic within the event loop.
        now = self._clock()
        if now >= self._next_prune:
            self._next_prune = now + PRUNE_INTERVAL
            self._expiries = {k: exp for k, exp in self._expiries.items() if exp > now}
        known = self._expiries.get(key)
        if known is not None and now < known:
            return False
        self._expiries[key] = expires_at
        return True
