"""Rate limiting: a sliding window of requests per key (a client, an IP address)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol, Self


@dataclass(frozen=True, slots=True)
class RateDecision:
    """The answer to one request counted against a window.

    Attributes:
        allowed: the request fits in the window (and was counted); a refused one is not.
        limit: the most requests the window allows.
        remaining: how many more the window allows right now.
        reset_at_epoch_s: Unix second by which the oldest counted request has left the window
            (a slot is free again); "now" when the window is empty.
        retry_after_s: seconds to wait before a refused request may succeed; 0 when allowed.
    """

    allowed: bool
    limit: int
    remaining: int
    reset_at_epoch_s: int
    retry_after_s: int

    @classmethod
    def from_window(
        cls, *, allowed: bool, limit: int, counted: int, oldest: float, now: float, window: float
    ) -> Self:
        """The decision for a window now holding ``counted`` requests, the oldest counted at
        ``oldest`` (Unix seconds): a slot frees when that one leaves the window. Every adapter
        answers through this, so they agree to the second."""
        frees_at = oldest + window
        return cls(
            allowed=allowed,
            limit=limit,
            remaining=max(limit - counted, 0),
            reset_at_epoch_s=math.ceil(frees_at),
            retry_after_s=0 if allowed else max(math.ceil(frees_at - now), 1),
        )


class RateLimiter(Protocol):
    """An exact sliding window per key: a request is allowed if fewer than ``limit`` requests
    were allowed for the same key in the last ``window_seconds``.

    Counting is exact across every process sharing the limiter's backend. The limiter does
    not know what a key means (callers prefix them: ``client:``, ``ip:``) and does not check
    that ``limit`` is the same from call to call.
    """

    async def hit(self, key: str, limit: int, window_seconds: int) -> RateDecision:
        """Count one request for ``key`` if it fits, and say whether it did.

        Never raises for an unreachable backend: an adapter that loses its shared store
        counts in process instead (and reports it through its health check).
        """
        ...

    async def count(self, key: str, window_seconds: int) -> int:
        """How many requests of ``key`` are in the window now (nothing is counted)."""
        ...
