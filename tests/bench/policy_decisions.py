"""`make bench`: what a policy decision costs, in-process (regopy), per decision.

Three figures over a mix of inputs drawn from the route table (every route, callers with
different scopes, roles and organizations):

- ``evaluate (policy runs)``: the Rego plan evaluated for every decision (the cache bypassed):
  the cost of a request whose (caller, route, path) was not seen since the last reload;
- ``decide (memoised)``: the PDP port as the HTTP hook calls it (input document built from
  the principal, then the per-input cache);
- ``compile``: loading the policies (start-up and each reload);
- ``GET /api/v1/agents`` through the whole app (in-process ASGI, memory store), once with
  the real PDP and once with one that allows everything: the difference is what
  authorization adds to an allowed request.

p50/p99 in microseconds go to stdout as Markdown and to build/bench/policy_decisions.md.
Not a test: it asserts nothing. Environment: BENCH_DECISIONS (20000), BENCH_HTTP_REQUESTS
(3000).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import statistics
import time
from collections.abc import Callable, Iterable
from importlib.resources import files
from itertools import cycle, islice
from pathlib import Path
from typing import Any

from dependency_injector import providers
from litestar.testing import AsyncTestClient

from agentidp.adapters.policy import RegoPolicyEngine
from agentidp.application.commands import BootstrapOrganization
from agentidp.application.ports.policy import AccessRequest, Decision, policy_input
from agentidp.application.principal import Principal
from agentidp.domain.ids import AgentId, OrganizationId
from agentidp.entrypoints.container import build_container
from agentidp.entrypoints.http.app import create_app
from agentidp.entrypoints.settings import Settings

# The in-process test client logs every request at INFO: thousands of lines of noise here.
logging.getLogger("httpx").setLevel(logging.WARNING)

ROOT = Path(__file__).resolve().parents[2]
DECISIONS = int(os.environ.get("BENCH_DECISIONS", "20000"))
HTTP_REQUESTS = int(os.environ.get("BENCH_HTTP_REQUESTS", "3000"))
BENCH_ENVIRONMENT = {
    "AGENTIDP_DATABASE_URL": "memory://",
    "AGENTIDP_TIER_ENFORCEMENT": "false",
    "AGENTIDP_RATE_LIMIT_PER_IP_PER_MINUTE": "0",
    "AGENTIDP_ARGON2_TIME_COST": "1",
    "AGENTIDP_ARGON2_MEMORY_COST_KIB": "1024",
    "AGENTIDP_ARGON2_PARALLELISM": "1",
}
POLICIES = Path(str(files("agentidp.policies")))
OWN = OrganizationId("0b0e0000-0000-4000-8000-00000000000a")
OTHER = "0b0e0000-0000-4000-8000-00000000000b"
CALLERS = [
    Principal(AgentId("reader"), OWN, frozenset({"agents:read"})),
    Principal(AgentId("writer"), OWN, frozenset({"agents:read", "agents:write", "audit:read"})),
    Principal(
        AgentId("admin"), OWN, frozenset({"admin:orgs", "agents:write"}), None, frozenset({"admin"})
    ),
    Principal(AgentId("root"), OWN, frozenset({"admin:orgs", "admin:platform"})),
]


def requests() -> list[AccessRequest]:
    """Every route of the table, asked by every caller, on its own and another org."""
    routes = json.loads((POLICIES / "data.json").read_text())["agentidp"]["routes"]
    made = []
    for key in sorted(routes):
        method, route = key.split(" ", 1)
        for caller in CALLERS:
            for organization in (OWN, OTHER):
                path = {
                    name: organization if name == "orgId" else "3f1c-id"
                    for name in (part[1:-1] for part in route.split("/") if part[:1] == "{")
                }
                made.append(AccessRequest(method, route, caller, path))
    return made


def measure(call: Callable[[], Any], count: int) -> list[float]:
    """Wall time of each call, in microseconds."""
    samples = []
    for _ in range(count):
        started = time.perf_counter_ns()
        call()
        samples.append((time.perf_counter_ns() - started) / 1000)
    return samples


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    """p50, p99 and mean."""
    ordered = sorted(samples)
    return (
        ordered[len(ordered) // 2],
        ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        statistics.fmean(ordered),
    )


def each(items: Iterable[Any], count: int) -> Callable[[], Any]:
    """A callable returning the next of ``items`` (round robin) on every call."""
    iterator = islice(cycle(items), count)
    return lambda: next(iterator)


class AllowAll:
    """A PDP that allows everything: the baseline of the HTTP comparison."""

    async def decide(self, request: AccessRequest) -> Decision:
        return Decision(allow=True)


async def http_latencies(count: int) -> dict[str, list[float]]:
    """Per-request wall time of ``GET /api/v1/agents``, real PDP and allow-all, interleaved
    in rounds so that machine noise hits both alike."""
    # Rate limits and tier quotas off: this measures authorization, not throttling.
    container = build_container(Settings.from_env(BENCH_ENVIRONMENT))
    samples: dict[str, list[float]] = {"policy": [], "allow-all": []}
    async with AsyncTestClient(app=create_app(container)) as client:
        tenant = await container.bootstrap_organization()(
            BootstrapOrganization(slug="bench", name="Bench", admin_email="b@bench.example")
        )
        form = {
            "grant_type": "client_credentials",
            "client_id": tenant.admin.id,
            "client_secret": tenant.client_secret,
        }
        token = (await client.post("/api/v1/token", data=form)).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        allow_all = providers.Object(AllowAll())
        for _ in range(count // 100):
            for name in samples:
                if name == "allow-all":
                    container.policy.override(allow_all)
                for _ in range(100):
                    started = time.perf_counter_ns()
                    response = await client.get("/api/v1/agents", headers=headers)
                    samples[name].append((time.perf_counter_ns() - started) / 1000)
                    assert response.status_code == 200, response.text
                container.policy.reset_override()
    return samples


def main() -> None:
    engine = RegoPolicyEngine(POLICIES)
    mix = requests()
    documents = [policy_input(request) for request in mix]
    loop = asyncio.new_event_loop()

    next_document = each(documents, DECISIONS * 2)
    uncached = measure(lambda: engine.evaluate_uncached(next_document()), DECISIONS)
    next_request = each(mix, DECISIONS * 2)
    for request in mix:  # warm the memo: steady state of a running server
        loop.run_until_complete(engine.decide(request))
    memoised = measure(lambda: loop.run_until_complete(engine.decide(next_request())), DECISIONS)
    compiled = measure(lambda: RegoPolicyEngine(POLICIES), 50)
    loop.close()
    http = asyncio.run(http_latencies(HTTP_REQUESTS))

    rows = [
        ("evaluate (policy runs)", uncached),
        ("decide (memoised, incl. event-loop call)", memoised),
        ("compile (start-up, reload)", compiled),
        ("GET /api/v1/agents, real PDP", http["policy"]),
        ("GET /api/v1/agents, allow-all PDP", http["allow-all"]),
    ]
    lines = [
        f"Policy decisions, in-process regopy, {len(mix)} distinct inputs, {DECISIONS} decisions",
        "",
        "| path | p50 µs | p99 µs | mean µs |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, samples in rows:
        p50, p99, mean = percentiles(samples)
        lines.append(f"| {name} | {p50:.1f} | {p99:.1f} | {mean:.1f} |")
    report = "\n".join(lines)
    print(report)
    out = ROOT / "build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "policy_decisions.md").write_text(report + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
