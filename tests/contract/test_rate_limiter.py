"""The in-process RateLimiter (the embedded default and the Redis limiter's fallback): an
exact sliding window, checked against a model on generated request timelines."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from agentidp.adapters.memory.rate_limiter import InMemoryRateLimiter
from agentidp.application.ports.rate_limits import RateLimiter

from .support import FakeClock

_conforms: RateLimiter = InMemoryRateLimiter()

#: Gaps between requests in milliseconds (many bursts, some pauses past the window).
gaps = st.lists(st.one_of(st.integers(0, 50), st.integers(200, 3000)), min_size=1, max_size=120)


@settings(max_examples=150, deadline=None)
@given(
    gaps=gaps,
    limit=st.integers(1, 8),
    keys=st.lists(st.sampled_from("ab"), min_size=120, max_size=120),
)
async def test_a_request_passes_iff_fewer_than_limit_passed_in_the_window(
    gaps: list[int], limit: int, keys: list[str]
) -> None:
    """For every request: allowed exactly when fewer than ``limit`` requests of its key
    were allowed in the preceding window (per key), and the headers agree with the model."""
    clock = FakeClock(now=1_000_000.0)
    limiter = InMemoryRateLimiter(clock=clock)
    window = 2
    allowed_at: dict[str, list[float]] = {"a": [], "b": []}

    for gap, key in zip(gaps, keys, strict=False):
        clock.now += gap / 1000
        live = [t for t in allowed_at[key] if t > clock.now - window]
        decision = await limiter.hit(key, limit, window)

        expected = len(live) < limit
        assert decision.allowed is expected
        if expected:
            live.append(clock.now)
        allowed_at[key] = live
        assert decision.remaining == limit - len(live)
        assert decision.reset_at_epoch_s == math.ceil(live[0] + window)
        if not expected:
            assert decision.retry_after_s == max(math.ceil(live[0] + window - clock.now), 1)
        assert await limiter.count(key, window) == len(live)
