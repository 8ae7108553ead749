"""Several worker processes sharing one state — the embedded SQLite file, or PostgreSQL with
Redis: a token issued by one worker is introspected and revoked through another, and
revocation and rotation take effect in every worker at once (nothing that decides them is
cached per process)."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
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
from tests.integration.postgres.database import ScratchDatabase

pytestmark = pytest.mark.slow

CHEAP_ARGON2 = {
    "AGENTIDP_ARGON2_TIME_COST": "1",
    "AGENTIDP_ARGON2_MEMORY_COST_KIB": "1024",
    "AGENTIDP_ARGON2_PARALLELISM": "1",
}
PROBES = 60  # enough requests that the kernel hands some to every worker


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cpu_ns(pid: int) -> int:
    """Nanoseconds the process's threads have run (schedstat: finer than clock ticks)."""
    tasks = Path(f"/proc/{pid}/task").iterdir()
    return sum(int((task / "schedstat").read_text().split()[0]) for task in tasks)


def _workers(pid: int) -> list[int]:
    """The uvicorn worker processes under the supervisor ``pid`` (not multiprocessing's
    resource tracker, which is a child too)."""
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [
        int(child)
        for child in found
        if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


@pytest.fixture(params=["sqlite", "postgres"])
def shared_state(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """Settings of the state the workers share: the SQLite file in the data directory, or a
    fresh database on the shared PostgreSQL plus a private Redis."""
    if request.param == "sqlite":
        yield {}
        return
    database = ScratchDatabase("workers")
    database.create()  # skips, or fails under CI, when PostgreSQL is unreachable
    redis = RedisServer(tmp_path_factory.mktemp("redis"))
    redis.start()
    try:
        yield {
            "AGENTIDP_DATABASE_URL": database.uri,
            "AGENTIDP_REDIS_URL": redis.url,
            "AGENTIDP_SECRET_KEY": secrets.token_hex(32),
        }
    finally:
        redis.stop()
        database.drop()


@pytest.fixture
def two_workers(
    tmp_path: Path, shared_state: dict[str, str]
) -> Iterator[tuple[str, str, str, list[int]]]:
    """A bootstrapped deployment served by ``agentidp serve --workers 2``."""
    port = _free_port()
    env = {
        **os.environ,
        **CHEAP_ARGON2,
        **shared_state,
        "AGENTIDP_DATA_DIR": str(tmp_path),
        "AGENTIDP_PORT": str(port),
        "AGENTIDP_LOG_LEVEL": "warning",
        # The probes send hundreds of requests a minute from one client and one address:
        # more than the free tier's and the per-IP rate limits (test_rate_limit_workers.py
        # tests those across workers).
        "AGENTIDP_TIER_ENFORCEMENT": "false",
        "AGENTIDP_RATE_LIMIT_PER_IP_PER_MINUTE": "0",
    }
    settings = Settings.from_env(env)

    async def bootstrap() -> tuple[str, str]:
        container = build_container(settings)
        await start(container)
        try:
            result = await container.bootstrap_organization()(
                BootstrapOrganization(slug="multi", name="Multi", admin_email="admin@multi.example")
            )
            return result.admin.id, result.client_secret
        finally:
            await stop(container)

    client_id, secret = asyncio.run(bootstrap())
    agentidp = str(Path(sys.executable).with_name("agentidp"))
    server = subprocess.Popen(
        [agentidp, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while len(_workers(server.pid)) < 2 or not _healthy(url):
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            assert time.monotonic() < deadline, "workers did not come up"
            time.sleep(0.2)
        yield url, client_id, secret, _workers(server.pid)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _token(client: httpx.Client, client_id: str, secret: str) -> httpx.Response:
    return client.post(
        "/api/v1/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )


def _probe_statuses(
    base: str, method: str, path: str, workers: list[int], **kwargs: object
) -> set[int]:
    """Send PROBES fresh-connection requests and prove every worker answered some of them."""

    def probe(_: int) -> int:
        with httpx.Client(base_url=base) as client:  # new connection: any worker may take it
            return client.request(method, path, **kwargs).status_code  # type: ignore[arg-type]

    before = {pid: _cpu_ns(pid) for pid in workers}
    # Concurrent connections, so the kernel spreads the accepts over the workers.
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = set(pool.map(probe, range(PROBES)))
    assert all(_cpu_ns(pid) > before[pid] for pid in workers), "a worker served nothing"
    return statuses


def test_a_revoked_token_is_refused_by_every_worker(two_workers):
    """Once one worker revokes a token, no worker accepts it any more."""
    url, client_id, secret, workers = two_workers
    with httpx.Client(base_url=url) as client:
        token = _token(client, client_id, secret).json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/agents", headers=bearer).status_code == 200

        revoked = client.post("/api/v1/token/revoke", data={"token": token}, headers=bearer)

    assert revoked.status_code == 200
    statuses = _probe_statuses(url, "GET", "/api/v1/agents", workers, headers=bearer)
    assert statuses == {401}


def test_a_rotated_secret_is_refused_by_every_worker(two_workers):
    """After a rotation through one worker, the old secret fails everywhere, even in workers
    that had it in their verified-secret cache, and the new one works everywhere."""
    url, client_id, old_secret, workers = two_workers
    grant = {"grant_type": "client_credentials"}
    warm = _probe_statuses(
        url, "POST", "/api/v1/token", workers, data=grant, auth=(client_id, old_secret)
    )
    assert warm == {200}  # every worker now has the old secret in its verified-secret cache
    with httpx.Client(base_url=url) as client:
        token = _token(client, client_id, old_secret).json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        credential_id = client.get(
            f"/api/v1/agents/{client_id}/credentials", headers=bearer
        ).json()[0]["credentialId"]

        rotated = client.post(
            f"/api/v1/agents/{client_id}/credentials/{credential_id}/rotate", headers=bearer
        )

    new_secret = rotated.json()["clientSecret"]
    old = _probe_statuses(
        url, "POST", "/api/v1/token", workers, data=grant, auth=(client_id, old_secret)
    )
    new = _probe_statuses(
        url, "POST", "/api/v1/token", workers, data=grant, auth=(client_id, new_secret)
    )
    assert old == {401}
    assert new == {200}


def test_a_token_from_one_worker_is_introspected_and_revoked_through_the_others(two_workers):
    """Every worker sees the same token as active, and after a revocation through any worker,
    every worker reports it inactive."""
    url, client_id, secret, workers = two_workers
    with httpx.Client(base_url=url) as client:
        token = _token(client, client_id, secret).json()["access_token"]
    form = {"token": token}

    active = _probe_statuses(
        url, "POST", "/api/v1/token/introspect", workers, data=form, auth=(client_id, secret)
    )
    with httpx.Client(base_url=url) as client:
        introspected = client.post("/api/v1/token/introspect", data=form, auth=(client_id, secret))
        assert introspected.json()["active"] is True
        assert (
            client.post("/api/v1/token/revoke", data=form, auth=(client_id, secret)).status_code
            == 200
        )
    inactive = set()
    with ThreadPoolExecutor(max_workers=8) as pool:

        def probe(_: int) -> bool:
            with httpx.Client(base_url=url) as client:
                response = client.post(
                    "/api/v1/token/introspect", data=form, auth=(client_id, secret)
                )
                return bool(response.json()["active"])

        inactive = set(pool.map(probe, range(PROBES)))

    assert active == {200}
    assert inactive == {False}
