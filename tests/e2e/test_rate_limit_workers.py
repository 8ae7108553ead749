"""Rate limits are exact across worker processes: ``agentidp serve --workers 2`` on
PostgreSQL and Redis, a client allowed 25 requests a minute, 80 concurrent requests spread
over both workers: exactly 25 succeed and 55 are 429."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from agentidp.application.commands import BootstrapOrganization
from agentidp.entrypoints.container import build_container, start, stop
from agentidp.entrypoints.settings import Settings
from tests.contract.redis_backends import RedisServer
from tests.e2e.test_multiworker import CHEAP_ARGON2, _cpu_ns, _free_port, _healthy, _workers
from tests.integration.postgres.database import ScratchDatabase

pytestmark = pytest.mark.slow

LIMIT = 25
REQUESTS = 80


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh database on the shared PostgreSQL (fails under CI when unreachable)."""
    database = ScratchDatabase("rate")
    database.create()
    try:
        yield database.uri
    finally:
        database.drop()


@pytest.fixture
def deployment(tmp_path: Path, postgres_url: str) -> Iterator[tuple[str, str, str, list[int]]]:
    """Two workers sharing PostgreSQL and a private Redis; the free tier allows LIMIT
    requests a minute per client, no per-IP limit."""
    redis = RedisServer(tmp_path)
    redis.start()
    port = _free_port()
    env = {
        **os.environ,
        **CHEAP_ARGON2,
        "AGENTIDP_DATABASE_URL": postgres_url,
        "AGENTIDP_REDIS_URL": redis.url,
        "AGENTIDP_SECRET_KEY": secrets.token_hex(32),
        "AGENTIDP_DATA_DIR": str(tmp_path),
        "AGENTIDP_PORT": str(port),
        "AGENTIDP_LOG_LEVEL": "warning",
        "AGENTIDP_TIER_LIMITS": json.dumps({"free": {"requestsPerMinute": LIMIT}}),
        "AGENTIDP_RATE_LIMIT_PER_IP_PER_MINUTE": "0",
    }

    async def bootstrap() -> tuple[str, str]:
        container = build_container(Settings.from_env(env))
        await start(container)
        try:
            result = await container.bootstrap_organization()(
                BootstrapOrganization(slug="rated", name="Rated", admin_email="admin@rated.example")
            )
            return result.admin.id, result.client_secret
        finally:
            await stop(container)

    server = None
    try:
        client_id, secret = asyncio.run(bootstrap())
        agentidp = str(Path(sys.executable).with_name("agentidp"))
        server = subprocess.Popen(
            [agentidp, "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while len(_workers(server.pid)) < 2 or not _healthy(url):
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            assert time.monotonic() < deadline, "workers did not come up"
            time.sleep(0.2)
        yield url, client_id, secret, _workers(server.pid)
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        redis.stop()


def test_concurrent_requests_to_two_workers_are_counted_exactly(
    deployment: tuple[str, str, str, list[int]],
) -> None:
    """80 concurrent token requests of one client over fresh connections (both workers
    serve some): exactly LIMIT are 200, the rest 429 RATE_LIMIT_EXCEEDED with Retry-After."""
    url, client_id, secret, workers = deployment

    def request(_: int) -> httpx.Response:
        with httpx.Client(base_url=url, timeout=15) as client:  # new connection: any worker
            return client.post(
                "/api/v1/token",
                data={"grant_type": "client_credentials"},
                auth=(client_id, secret),
            )

    before = {pid: _cpu_ns(pid) for pid in workers}
    with ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(pool.map(request, range(REQUESTS)))

    assert all(_cpu_ns(pid) > before[pid] for pid in workers), "a worker served nothing"
    statuses = [response.status_code for response in responses]
    assert statuses.count(200) == LIMIT, statuses
    assert statuses.count(429) == REQUESTS - LIMIT, statuses
    refused = next(response for response in responses if response.status_code == 429)
    assert refused.json()["code"] == "RATE_LIMIT_EXCEEDED"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["x-ratelimit-remaining"] == "0"
