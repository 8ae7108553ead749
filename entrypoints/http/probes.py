"""Probing backing services for the health endpoints (timeouts and thresholds of the spec)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

logger = logging.getLogger("agentidp.http")

#: A probe that takes longer than this is ``unreachable`` (health.yaml: 3000 ms).
PROBE_TIMEOUT_SECONDS: Final = 3.0
#: A probe that answers but takes longer than this is ``degraded`` (health.yaml: 1000 ms).
DEGRADED_AFTER_SECONDS: Final = 1.0

Ping = Callable[[], Awaitable[object]]


class ProbeStatus(StrEnum):
    """How one dependency answered, from best to worst."""

    HEALTHY = "healthy"
    DEGRADED = "degraded"
    UNREACHABLE = "unreachable"


_RANK: Final = {ProbeStatus.HEALTHY: 0, ProbeStatus.DEGRADED: 1, ProbeStatus.UNREACHABLE: 2}
#: health.yaml: 200 all healthy, 207 some degraded (none unreachable), 503 any unreachable.
HTTP_STATUS: Final = {
    ProbeStatus.HEALTHY: 200,
    ProbeStatus.DEGRADED: 207,
    ProbeStatus.UNREACHABLE: 503,
}


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """One dependency's answer and how long it took (whole milliseconds); ``fallback`` when
    it works in a reduced mode (see :class:`Degraded`)."""

    status: ProbeStatus
    latency_ms: int
    fallback: bool = False


class Degraded(Exception):  # a state a ping reports, not a failure (hence no Error suffix)
    """Raised by a ping whose dependency still works, in a reduced mode (an in-process
    fallback): reported ``degraded``, never ``unreachable``."""


def fallback_while_down(ping: Ping) -> Ping:
    """The ping of a service that falls back in process while ``ping`` fails (the rate
    limiter without Redis): it answers :class:`Degraded` instead of failing."""

    async def probe_fallback() -> None:
        try:
            await asyncio.wait_for(ping(), timeout=PROBE_TIMEOUT_SECONDS)
        except Exception as exc:  # the service falls back: reported degraded, not failed
            raise Degraded(type(exc).__name__) from exc

    return probe_fallback


async def probe(name: str, ping: Ping) -> ProbeResult:
    """Run ``ping`` with the spec's timeout; classify it by latency. Never raises."""
    started = time.monotonic()
    try:
        await asyncio.wait_for(ping(), timeout=PROBE_TIMEOUT_SECONDS)
    except Degraded:
        return ProbeResult(ProbeStatus.DEGRADED, _elapsed_ms(started), fallback=True)
    except Exception as exc:  # noqa: BLE001 — any failure is "unreachable"; logged here
        logger.warning("Health probe %s failed: %s", name, type(exc).__name__)
        return ProbeResult(ProbeStatus.UNREACHABLE, _elapsed_ms(started))
    elapsed = time.monotonic() - started
    status = ProbeStatus.DEGRADED if elapsed > DEGRADED_AFTER_SECONDS else ProbeStatus.HEALTHY
    return ProbeResult(status, int(elapsed * 1000))


async def probe_all(pings: Mapping[str, Ping]) -> dict[str, ProbeResult]:
    """Every probe, concurrently, so the endpoint answers within one timeout."""
    results = await asyncio.gather(*(probe(name, ping) for name, ping in pings.items()))
    return dict(zip(pings, results, strict=True))


def worst(results: Mapping[str, ProbeResult]) -> ProbeStatus:
    """The overall status: the worst of the dependencies' (healthy when there are none)."""
    statuses = [result.status for result in results.values()]
    return max(statuses, key=_RANK.__getitem__, default=ProbeStatus.HEALTHY)


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
