"""``/health/detailed``: per-dependency status and latency, 200 / 207 / 503 (health.yaml)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from dependency_injector import providers
from litestar.testing import AsyncTestClient

from agentidp.entrypoints.container import Container
from agentidp.entrypoints.http import probes


async def _fine() -> None:
    return None


async def _slow() -> None:
    await asyncio.sleep(0.06)


async def _down() -> None:
    raise ConnectionError("refused")


async def _hangs() -> None:
    await asyncio.sleep(5)


@pytest.fixture
def fast_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scale the spec's 1000 ms / 3000 ms down so the test runs in milliseconds."""
    monkeypatch.setattr(probes, "DEGRADED_AFTER_SECONDS", 0.03)
    monkeypatch.setattr(probes, "PROBE_TIMEOUT_SECONDS", 0.1)


async def test_detailed_health_is_200_when_every_dependency_is_healthy(
    client: AsyncTestClient[Any],
) -> None:
    """The real store answers at once: healthy, with an integer latency."""
    response = await client.get("/health/detailed")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy"
    assert body["checks"]["database"]["status"] == "healthy"
    assert isinstance(body["checks"]["database"]["latencyMs"], int)


@pytest.mark.usefixtures("fast_thresholds")
@pytest.mark.parametrize(
    ("cache", "status_code", "overall"),
    [(_slow, 207, "degraded"), (_down, 503, "unreachable"), (_hangs, 503, "unreachable")],
)
async def test_the_worst_dependency_decides_the_status(
    client: AsyncTestClient[Any], container: Container, cache: Any, status_code: int, overall: str
) -> None:
    """A slow dependency makes it 207; a refusing or hanging one (timeout) makes it 503,
    and /health then reports that service disconnected."""
    with container.health_pings.override(providers.Object({"database": _fine, "cache": cache})):
        detailed = await client.get("/health/detailed")
        liveness = await client.get("/health")

    assert detailed.status_code == status_code
    assert detailed.json()["status"] == overall
    assert detailed.json()["checks"]["database"]["status"] == "healthy"
    assert detailed.json()["checks"]["cache"]["status"] == overall
    expected_cache = "connected" if overall == "degraded" else "disconnected"
    assert liveness.json()["services"] == {"database": "connected", "cache": expected_cache}
    assert liveness.status_code == (200 if overall == "degraded" else 503)
