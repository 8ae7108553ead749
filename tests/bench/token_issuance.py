"""`make bench`: client-credentials token issuance, measured on a real server.

Starts `agentidp serve` on the embedded SQLite store (every issuance audited and committed
before the response), drives POST /api/v1/token with wrk at 32 connections, and reports
throughput, p50/p99 latency and the server's CPU time per token; then measures in-process
issuance through the container. RS256 and ES256. Figures go to stdout as a Markdown table and
to build/bench/token_issuance.md; docs/benchmarks.md records them with their date.

Not a test: it asserts nothing, it measures. Requires `wrk` (apt-get install wrk).
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from agentidp.application.commands import BootstrapOrganization, IssueToken
from agentidp.entrypoints.container import build_container
from agentidp.entrypoints.container import start as start_container
from agentidp.entrypoints.container import stop as stop_container
from agentidp.entrypoints.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DURATION = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = tuple(int(c) for c in os.environ.get("BENCH_CONNECTIONS", "32").split(","))
ALGORITHMS = tuple(os.environ.get("BENCH_ALGORITHMS", "RS256,ES256").split(","))


@dataclass
class HttpResult:
    algorithm: str
    connections: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_ms_per_token: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def bootstrap(settings: Settings) -> tuple[str, str]:
    container = build_container(settings)
    await start_container(container)
    try:
        result = await container.bootstrap_organization()(
            BootstrapOrganization(slug="bench", name="Bench", admin_email="admin@bench.example")
        )
        return result.admin.id, result.client_secret
    finally:
        await stop_container(container)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not become healthy in 30 s")


def run_wrk(url: str, client_id: str, secret: str, connections: int, seconds: int) -> str:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(
        'wrk.method = "POST"\n'
        'wrk.body = "grant_type=client_credentials&scope=agents%3Aread"\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        f'wrk.headers["Authorization"] = "Basic {basic}"\n'
    )
    try:
        completed = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "--latency",
                "-s",
                str(script),
                f"{url}/api/v1/token",
            ],
            check=True,
            capture_output=True,
            text=True,
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


def measure_http(algorithm: str) -> list[HttpResult]:
    data_dir = Path(tempfile.mkdtemp(prefix="agentidp-bench-"))
    port = free_port()
    env = {
        **os.environ,
        "AGENTIDP_DATA_DIR": str(data_dir),
        "AGENTIDP_PORT": str(port),
        "AGENTIDP_SIGNING_ALGORITHM": algorithm,
        "AGENTIDP_LOG_LEVEL": "warning",
    }
    settings = Settings.from_env(env)
    client_id, secret = asyncio.run(bootstrap(settings))
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("agentidp")), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    results = []
    try:
        wait_healthy(url, server)
        run_wrk(url, client_id, secret, 4, 2)  # warm-up: argon2 once, caches, JIT-free paths
        for connections in CONNECTIONS:
            before = cpu_seconds(server.pid)
            output = run_wrk(url, client_id, secret, connections, DURATION)
            cpu = cpu_seconds(server.pid) - before
            rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
            total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
            errors_match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
            errors = int(errors_match.group(1)) if errors_match else 0
            results.append(
                HttpResult(
                    algorithm,
                    connections,
                    rps,
                    parse_latency(output, "50"),
                    parse_latency(output, "99"),
                    errors,
                    cpu / max(total, 1) * 1000,
                )
            )
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(data_dir, ignore_errors=True)
    return results


async def measure_in_process(algorithm: str, seconds: float = 5.0) -> float:
    data_dir = Path(tempfile.mkdtemp(prefix="agentidp-bench-lib-"))
    settings = Settings(data_dir=data_dir, signing_algorithm=algorithm)
    client_id, secret = await bootstrap(settings)
    container = build_container(settings)
    await start_container(container)
    try:
        command = IssueToken(client_id=client_id, client_secret=secret, scope="agents:read")
        await container.issue_token()(command)  # warm the verified-secret cache
        issued, deadline = 0, time.perf_counter() + seconds
        started = time.perf_counter()
        while time.perf_counter() < deadline:
            await asyncio.gather(*(container.issue_token()(command) for _ in range(32)))
            issued += 32
        return issued / (time.perf_counter() - started)
    finally:
        await stop_container(container)
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("make bench needs wrk: apt-get install -y wrk")
    lines = [
        f"Token issuance, embedded SQLite store, every issuance audited; {os.cpu_count()} cores; "
        f"wrk -t2, {DURATION} s per run; one server process.",
        "",
        "| alg | connections | tokens/s | p50 ms | p99 ms | non-2xx | server CPU ms/token |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    in_process = []
    for algorithm in ALGORITHMS:
        for r in measure_http(algorithm):
            lines.append(
                f"| {r.algorithm} | {r.connections} | {r.requests_per_second:,.0f} "
                f"| {r.p50_ms:.2f} | {r.p99_ms:.2f} | {r.errors} | {r.cpu_ms_per_token:.3f} |"
            )
            print(lines[-1], flush=True)
        in_process.append((algorithm, asyncio.run(measure_in_process(algorithm))))
    lines += ["", "| alg | in-process tokens/s (32 concurrent, SQLite, audited) |", "| --- | --- |"]
    lines += [f"| {alg} | {rate:,.0f} |" for alg, rate in in_process]
    report = "\n".join(lines)
    out = ROOT / "build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "token_issuance.md").write_text(report + "\n")
    print("\n" + report)


if __name__ == "__main__":
    main()
