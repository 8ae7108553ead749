"""In-process sliding-window rate limiter: exact for one process (the embedded default, and
the fallback of the Redis limiter while Redis is unreachable)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Final

from agentidp.application.ports.rate_limits import RateDecision

#: Every this many hits, keys whose window is empty are dropped (bounded memory under a flood
#: of distinct IP addresses).
_SWEEP_EVERY: Final = 4096


class _Window:
    __slots__ = ("hits", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.hits: deque[float] = deque()

    def expire(self, now: float) -> None:
        start = now - self.seconds
        hits = self.hits
        while hits and hits[0] <= start:
            hits.popleft()


class InMemoryRateLimiter:
    """A sliding log per key: the instants of the requests allowed in the last window
    (implements ``RateLimiter``). Nothing awaits inside a hit, so concurrent requests of one
    event loop are counted exactly.

    Args:
        clock: Unix seconds (injectable for tests).
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._windows: dict[str, _Window] = {}
        self._hits_since_sweep = 0

    async def hit(self, key: str, limit: int, window_seconds: int) -> RateDecision:
        now = self._clock()
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = _Window(window_seconds)
        window.seconds = window_seconds
        window.expire(now)
        allowed = len(window.hits) < limit
        if allowed:
            window.hits.append(now)
        self._sweep(now)
        return RateDecision.from_window(
            allowed=allowed,
            limit=limit,
            counted=len(window.hits),
            oldest=window.hits[0] if window.hits else now,
            now=now,
            window=window_seconds,
        )

    async def count(self, key: str, window_seconds: int) -> int:
        window = self._windows.get(key)
        if window is None:
            return 0
        window.expire(self._clock())
        return len(window.hits)

    def _sweep(self, now: float) -> None:
        self._hits_since_sweep += 1
        if self._hits_since_sweep < _SWEEP_EVERY:
            return
        self._hits_since_sweep = 0
        idle = [
            key for key, w in self._windows.items() if not w.hits or w.hits[-1] <= now - w.seconds
        ]
        for key in idle:
            del self._windows[key]
