"""Health: ``GET /health`` (liveness, 200/503) and ``GET /health/detailed`` (per dependency
status and latency, 200/207/503), probing what ``Container.health_pings`` lists."""

from __future__ import annotations

import time
from importlib.metadata import PackageNotFoundError, version
from typing import Final

import msgspec
from litestar import Response, get
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import ResponseSpec

from ...container import Container
from ..openapi import error_responses
from ..probes import HTTP_STATUS, ProbeResult, ProbeStatus, probe_all, worst
from ..schemas import DependencyOut, DetailedHealthOut, HealthOut

NO_CACHE: Final = {"Cache-Control": "no-store"}


def package_version() -> str:
    """The installed ``agentidp`` version (``0.0.0`` when run from a bare checkout)."""
    try:
        return version("agentidp")
    except PackageNotFoundError:
        return "0.0.0"


def health_handlers(container: Container) -> list[HTTPRouteHandler]:
    """The health handler bound to ``container``; uptime counts from this call."""
    started = time.monotonic()
    release = package_version()

    @get(
        "/health",
        tags=["health"],
        summary="Liveness and backing-service status",
        responses={
            200: ResponseSpec(
                HealthOut, description="Every service is connected.", generate_examples=False
            ),
            503: ResponseSpec(
                HealthOut,
                description="A service is disconnected (`degraded`).",
                generate_examples=False,
            ),
            **error_responses(500),
        },
    )
    async def health() -> Response[bytes]:
        """200 ``ok`` when every backing service answers its ping, else 503 ``degraded``."""
        results = await probe_all(container.health_pings())
        healthy = all(r.status is not ProbeStatus.UNREACHABLE for r in results.values())
        fallback = any(r.fallback for r in results.values())
        body = HealthOut(
            status="ok" if healthy and not fallback else "degraded",
            version=release,
            uptime=int(time.monotonic() - started),
            services={name: _service_status(r) for name, r in results.items()},
        )
        return _json(body, 200 if healthy else 503)

    @get(
        "/health/detailed",
        tags=["health"],
        summary="Each dependency's status and latency (200 healthy, 207 degraded, 503 down)",
        responses={
            200: ResponseSpec(
                DetailedHealthOut,
                description="Every dependency is healthy.",
                generate_examples=False,
            ),
            207: ResponseSpec(
                DetailedHealthOut,
                description="A dependency answered slowly.",
                generate_examples=False,
            ),
            503: ResponseSpec(
                DetailedHealthOut,
                description="A dependency is unreachable.",
                generate_examples=False,
            ),
            **error_responses(500),
        },
    )
    async def health_detailed() -> Response[bytes]:
        """Probes every configured dependency (3000 ms timeout, degraded above 1000 ms)."""
        results = await probe_all(container.health_pings())
        overall = worst(results)
        body = DetailedHealthOut(
            status=overall.value,
            version=release,
            uptime=int(time.monotonic() - started),
            checks={
                name: DependencyOut(status=r.status.value, latency_ms=r.latency_ms)
                for name, r in results.items()
            },
        )
        return _json(body, HTTP_STATUS[overall])

    return [health, health_detailed]


def _service_status(result: ProbeResult) -> str:
    """``connected``, ``disconnected``, or ``degraded`` for a service running on its
    in-process fallback (it still serves, so it does not make /health 503)."""
    if result.fallback:
        return "degraded"
    return "disconnected" if result.status is ProbeStatus.UNREACHABLE else "connected"


def _json(body: object, status_code: int) -> Response[bytes]:
    return Response(
        msgspec.json.encode(body),
        status_code=status_code,
        media_type="application/json",
        headers=NO_CACHE,
    )
