"""`make bench`: token issuance and introspection, measured on a real server.

For each backend it starts `agentidp serve` on a fresh deployment, drives it with wrk and reads
the server's CPU time (every worker process) from /proc:

- ``sqlite``: the embedded store, one process; POST /api/v1/token at 32 connections, RS256 and
  ES256; plus in-process issuance through the container.
- ``postgres``: PostgreSQL + Redis (a throwaway database and Redis db 15 on 127.0.0.1),
  ``BENCH_PG_WORKERS`` worker processes (default 2); POST /api/v1/token at 32 and 128
  connections and POST /api/v1/token/introspect at 32, RS256.

Every issuance is audited and committed (fsync) before its response. Figures go to stdout as
Markdown and to build/bench/token_issuance.md; docs/benchmarks.md records them with their date.
Not a test: it asserts nothing. Requires `wrk` (apt-get install wrk).

The bench organization is on the free tier made unlimited (``UNLIMITED_TIERS``), with tier
enforcement on and no per-IP limit: issuance takes the real path of an unlimited (enterprise)
organization, a cached limits lookup and no counter statement or rate-limiter call.

Environment: BENCH_SECONDS (10), BENCH_BACKENDS (sqlite,postgres), BENCH_ALGORITHMS
(RS256,ES256 for sqlite), BENCH_PG_WORKERS (2), AGENTIDP_TEST_POSTGRES_URL, BENCH_REDIS_URL.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from agentidp.application.commands import BootstrapOrganization, IssueToken
from agentidp.entrypoints.container import build_container, start, stop
from agentidp.entrypoints.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DURATION = int(os.environ.get("BENCH_SECONDS", "10"))
BACKENDS = tuple(os.environ.get("BENCH_BACKENDS", "sqlite,postgres").split(","))
ALGORITHMS = tuple(os.environ.get("BENCH_ALGORITHMS", "RS256,ES256").split(","))
PG_WORKERS = int(os.environ.get("BENCH_PG_WORKERS", "2"))
PG_ADMIN_URL = os.environ.get(
    "AGENTIDP_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
#: Every tier unlimited (the bench's load is far above any tier's rate), per-IP limit off.
UNLIMITED_TIERS = {
    "AGENTIDP_TIER_LIMITS": json.dumps(
        {
            tier: {"maxAgents": None, "maxTokensPerMonth": None, "requestsPerMinute": None}
            for tier in ("free", "pro", "enterprise")
        }
    ),
    "AGENTIDP_RATE_LIMIT_PER_IP_PER_MINUTE": "0",
}


@dataclass
class Result:
    backend: str
    endpoint: str
    algorithm: str
    workers: int
    connections: int
    per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_ms: float


@dataclass
class Deployment:
    url: str
    client_id: str
    secret: str
    server: subprocess.Popen[bytes]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def bootstrap(settings: Settings) -> tuple[str, str]:
    container = build_container(settings)
    await start(container)
    try:
        result = await container.bootstrap_organization()(
            BootstrapOrganization(slug="bench", name="Bench", admin_email="admin@bench.example")
        )
        return result.admin.id, result.client_secret
    finally:
        await stop(container)


def cpu_seconds(pid: int) -> float:
    """CPU time of ``pid`` and every descendant (the uvicorn workers)."""
    total = 0.0
    for process in [pid, *_descendants(pid)]:
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *_descendants(int(child))]
    return found


def wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = process.stderr.read().decode() if process.stderr else ""
            raise SystemExit(f"server exited with {process.returncode}: {stderr[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not become healthy in 60 s")


@contextmanager
def deployment(backend: str, algorithm: str, workers: int) -> Iterator[Deployment]:
    data_dir = Path(tempfile.mkdtemp(prefix="agentidp-bench-"))
    port = free_port()
    env = {
        **os.environ,
        **UNLIMITED_TIERS,
        "AGENTIDP_DATA_DIR": str(data_dir),
        "AGENTIDP_PORT": str(port),
        "AGENTIDP_SIGNING_ALGORITHM": algorithm,
        "AGENTIDP_LOG_LEVEL": "warning",
    }
    database = None
    if backend == "postgres":
        database = f"agentidp_bench_{secrets.token_hex(4)}"
        _admin_sql(f"CREATE DATABASE {database}")
        env["AGENTIDP_DATABASE_URL"] = _database_url(database)
        env["AGENTIDP_REDIS_URL"] = REDIS_URL
        env["AGENTIDP_SECRET_KEY"] = secrets.token_hex(32)
        _flush_redis()
    client_id, secret = asyncio.run(bootstrap(Settings.from_env(env)))
    command = [str(Path(sys.executable).with_name("agentidp")), "serve", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, server)
        yield Deployment(url, client_id, secret, server)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)
        if database:
            _admin_sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def _database_url(database: str) -> str:
    parts = urllib.parse.urlsplit(PG_ADMIN_URL)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{database}"))


def _admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(statement)  # type: ignore[arg-type]


def _flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def postgres_available() -> bool:
    try:
        _admin_sql("SELECT 1")
        _flush_redis()
    except Exception as exc:
        print(f"postgres mode skipped: {type(exc).__name__}: {exc}", file=sys.stderr)
        return False
    return True


def run_wrk(
    url: str,
    path: str,
    headers: dict[str, str],
    body: str,
    connections: int,
    seconds: int = DURATION,
) -> str:
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    lines = ['wrk.method = "POST"', f'wrk.body = "{body}"']
    lines += [f'wrk.headers["{name}"] = "{value}"' for name, value in headers.items()]
    script.write_text("\n".join(lines) + "\n")
    try:
        command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s"]
        completed = subprocess.run(
            [*command, str(script), f"{url}{path}"], check=True, capture_output=True, text=True
        )
    finally:
        script.unlink()
    return completed.stdout


def parse_latency(output: str, percentile: str) -> float:
    match = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    if not match:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def measure(
    target: Deployment,
    label: tuple[str, str, str, int],
    path: str,
    headers: dict[str, str],
    body: str,
    connections: int,
) -> Result:
    before = cpu_seconds(target.server.pid)
    output = run_wrk(target.url, path, headers, body, connections)
    cpu = cpu_seconds(target.server.pid) - before
    total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors_match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Result(
        *label,
        connections,
        rate,
        parse_latency(output, "50"),
        parse_latency(output, "99"),
        int(errors_match.group(1)) if errors_match else 0,
        cpu / max(total, 1) * 1000,
    )


TOKEN_BODY = "grant_type=client_credentials&scope=agents%3Aread"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def basic(target: Deployment) -> dict[str, str]:
    credentials = base64.b64encode(f"{target.client_id}:{target.secret}".encode()).decode()
    return {**FORM, "Authorization": f"Basic {credentials}"}


def introspection_token(target: Deployment) -> str:
    request = urllib.request.Request(  # noqa: S310 — loopback
        f"{target.url}/api/v1/token",
        data=b"grant_type=client_credentials&scope=tokens%3Aread",
        headers=basic(target),
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return str(json.load(response)["access_token"])


def bench_backend(
    backend: str, algorithm: str, workers: int, connections: tuple[int, ...], introspect: bool
) -> list[Result]:
    results = []
    with deployment(backend, algorithm, workers) as target:
        label = (backend, "token", algorithm, workers)
        measure_warmup(target)
        for count in connections:
            results.append(
                measure(target, label, "/api/v1/token", basic(target), TOKEN_BODY, count)
            )
            print(row(results[-1]), flush=True)
        if introspect:
            token = introspection_token(target)
            headers = {**FORM, "Authorization": f"Bearer {token}"}
            label = (backend, "introspect", algorithm, workers)
            results.append(
                measure(target, label, "/api/v1/token/introspect", headers, f"token={token}", 32)
            )
            print(row(results[-1]), flush=True)
    return results


def measure_warmup(target: Deployment) -> None:
    """One short run so argon2 runs once per worker and every cache is warm."""
    run_wrk(target.url, "/api/v1/token", basic(target), TOKEN_BODY, 8, seconds=2)


async def in_process(algorithm: str, seconds: float = 5.0) -> float:
    data_dir = Path(tempfile.mkdtemp(prefix="agentidp-bench-lib-"))
    settings = Settings.from_env(
        {
            **UNLIMITED_TIERS,
            "AGENTIDP_DATA_DIR": str(data_dir),
            "AGENTIDP_SIGNING_ALGORITHM": algorithm,
        }
    )
    client_id, secret = await bootstrap(settings)
    container = build_container(settings)
    await start(container)
    try:
        command = IssueToken(client_id=client_id, client_secret=secret, scope="agents:read")
        await container.issue_token()(command)  # warm the verified-secret cache
        issued, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            await asyncio.gather(*(container.issue_token()(command) for _ in range(32)))
            issued += 32
        return issued / (time.perf_counter() - started)
    finally:
        await stop(container)
        shutil.rmtree(data_dir, ignore_errors=True)


HEADER = (
    "| backend | endpoint | alg | workers | connections | per s | p50 ms | p99 ms | non-2xx "
    "| server CPU ms/request |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
)


def row(r: Result) -> str:
    return (
        f"| {r.backend} | {r.endpoint} | {r.algorithm} | {r.workers} | {r.connections} "
        f"| {r.per_second:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | {r.errors} | {r.cpu_ms:.3f} |"
    )


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("make bench needs wrk: apt-get install -y wrk")
    print(HEADER, flush=True)
    results: list[Result] = []
    library: list[tuple[str, float]] = []
    if "sqlite" in BACKENDS:
        for algorithm in ALGORITHMS:
            results += bench_backend("sqlite", algorithm, 1, (32,), introspect=False)
            library.append((algorithm, asyncio.run(in_process(algorithm))))
    if "postgres" in BACKENDS and postgres_available():
        results += bench_backend("postgres", "RS256", PG_WORKERS, (32, 128), introspect=True)
    lines = [
        f"{os.cpu_count()} cores; wrk -t2 on the same cores; {DURATION} s per run; every "
        "issuance audited and committed before its response.",
        "",
        HEADER,
        *map(row, results),
        "",
        "| alg | in-process tokens/s (SQLite, 32 concurrent, audited) |",
        "| --- | --- |",
        *(f"| {alg} | {rate:,.0f} |" for alg, rate in library),
    ]
    report = "\n".join(lines)
    out = ROOT / "build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "token_issuance.md").write_text(report + "\n")
    print("\n" + report)


if __name__ == "__main__":
    main()
