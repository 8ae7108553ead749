"""What the relational revocation lists share: when to purge expired revocations."""

from __future__ import annotations

from typing import Final

#: Seconds between purges of expired rows (piggy-backed on a revocation's batch).
PURGE_INTERVAL: Final = 60.0


class PurgeSchedule:
    """Says when a revocation's batch should also purge the expired rows: at the first
    revocation, then at most once every ``interval`` seconds."""

    __slots__ = ("_interval", "_next")

    def __init__(self, interval: float = PURGE_INTERVAL) -> None:
        self._interval = interval
        self._next = 0.0

    def due(self, now: float) -> bool:
        """True if a purge is due at unix time ``now`` (the next one is then scheduled)."""
        if now < self._next:
            return False
        self._next = now + self._interval
        return True
