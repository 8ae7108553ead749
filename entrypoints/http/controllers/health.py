"""Liveness: ``GET /health`` pings the store and reports ``ok`` (200) or ``degraded`` (503)."""

from __future__ import annotations

import logging
import time
from importlib.metadata import PackageNotFoundError, version
from typing import Final

import msgspec
from litestar import Response, get
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import ResponseSpec

from ...container import Container
from ..openapi import error_responses
from ..schemas import HealthOut

logger = logging.getLogger("agentidp.http")
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
            200: ResponseSpec(HealthOut, description="Every service is connected.",
                              generate_examples=False),
            503: ResponseSpec(HealthOut, description="A service is disconnected (`degraded`).",
                              generate_examples=False),
            **error_responses(500),
        },
    )
    async def health() -> Response[bytes]:
        """200 ``ok`` when the store answers its ping, else 503 ``degraded``."""
        database = await _ping(container)
        healthy = database == "connected"
        body = HealthOut(
            status="ok" if healthy else "degraded",
            version=release,
            uptime=int(time.monotonic() - started),
            services={"database": database},
        )
        return Response(
            msgspec.json.encode(body),
            status_code=200 if healthy else 503,
            media_type="application/json",
            headers=NO_CACHE,
        )

    return [health]


async def _ping(container: Container) -> str:
    try:
        store = container.store()
        await store.ping()
    except Exception as exc:  # noqa: BLE001 — any failure means "disconnected"; logged below
        logger.warning("Health check: the store did not answer its ping (%s).", type(exc).__name__)
        return "disconnected"
    return "connected"
