"""Redis stops under a running IdP (PostgreSQL + Redis): rate limits keep counting in
process (never a 500, never unlimited), /health and /health/detailed report the rate limiter
degraded, and it returns to Redis once Redis is back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from agentidp.application.commands import BootstrapOrganization
from agentidp.domain.tiers import DEFAULT_TIER_LIMITS, PlanTier
from agentidp.entrypoints.container import build_container, start, stop
from agentidp.entrypoints.http.app import create_app
from agentidp.entrypoints.settings import Argon2Parameters, Settings
from tests.contract.redis_backends import RedisServer, started_server
from tests.integration.tiers.scratch_url import fresh_database_url

pytestmark = pytest.mark.slow

PER_MINUTE = 5


@pytest.fixture
def redis_server(tmp_path: Path) -> Any:
    """A private Redis this test may stop and start."""
    yield from started_server(tmp_path)


@pytest.fixture
async def idp(
    tmp_path: Path, redis_server: RedisServer
) -> AsyncIterator[tuple[AsyncTestClient[Any], tuple[str, str]]]:
    """The app on PostgreSQL and the private Redis (the free tier allows 5 requests a
    minute), and a bootstrapped client's id and secret."""
    free = replace(DEFAULT_TIER_LIMITS[PlanTier.FREE], requests_per_minute=PER_MINUTE)
    settings = Settings(
        database_url=await fresh_database_url(),
        redis_url=redis_server.url,
        secret_key=b"k" * 32,
        data_dir=tmp_path,
        argon2=Argon2Parameters(1, 1024, 1),
        tier_limits={**DEFAULT_TIER_LIMITS, PlanTier.FREE: free},
    )
    # NOTE: bootstrapped through a container of its own: the app's store lives on the test
    # client's event loop (another thread), which this one must not await.
    operator = build_container(settings)
    await start(operator)
    try:
        boot = await operator.bootstrap_organization()(
            BootstrapOrganization(slug="outage", name="Outage", admin_email="admin@outage.example")
        )
    finally:
        await stop(operator)
    app = create_app(build_container(settings))
    async with AsyncTestClient(app=app, base_url="http://idp.test") as client:
        yield client, (boot.admin.id, boot.client_secret)


async def test_rate_limits_fall_back_in_process_and_health_says_so(
    idp: tuple[AsyncTestClient[Any], tuple[str, str]], redis_server: RedisServer
) -> None:
    """Before: connected. Redis down: the client is still refused after its 5 requests (429,
    no 5xx), /health is 503 with the rate limiter "degraded" (not "disconnected"), the
    detailed check says degraded. Redis back: connected again."""
    client, auth = idp
    grant = {"grant_type": "client_credentials"}
    before = (await client.get("/health")).json()

    redis_server.stop()
    statuses = [
        (await client.post("/api/v1/token", data=grant, auth=auth)).status_code
        for _ in range(PER_MINUTE + 2)
    ]
    health = await client.get("/health")
    detailed = await client.get("/health/detailed")
    redis_server.start()
    await asyncio.sleep(1.1)  # the Redis client's breaker cool-down
    after = await client.get("/health")

    assert before["services"]["rateLimiter"] == "connected"
    assert statuses == [200] * PER_MINUTE + [429, 429]
    assert health.status_code == 503  # the cache (revocations) is unreachable
    assert health.json()["services"]["rateLimiter"] == "degraded"
    assert health.json()["services"]["cache"] == "disconnected"
    assert detailed.json()["checks"]["rateLimiter"]["status"] == "degraded"
    assert after.status_code == 200
    assert after.json()["services"]["rateLimiter"] == "connected"
    assert after.json()["status"] == "ok"
