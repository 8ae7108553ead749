"""Micro-benchmark of the PostgreSQL store (not a test; pytest does not collect ``bench_*``).

Measures, on a fresh database ``agentidp_bench_<random>`` created on the server of ``--url``
(default: ``AGENTIDP_TEST_POSTGRES_URL`` or ``postgresql://postgres@127.0.0.1:5432/postgres``)
and dropped afterwards:
1. single-audit-event commits, ``--n`` of them issued ``--chunk`` at a time with
   ``asyncio.gather``: commits/s and the mean number of batches per group commit;
2. the cost of ``agents.get`` and ``credentials.list_by_agent`` (one pooled statement each);
3. a token-issuance-shaped load: 2 indexed reads + 1 audited commit per operation;
4. with ``--processes P``: the same issuance-shaped load from P OS processes at once (one
   store each, as P uvicorn workers would have), summed.

Run: ``.venv/bin/python tests/bench/store_postgres.py [--processes 4]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable

import psycopg
from psycopg import conninfo, sql
from store_workload import (
    bench_commits,
    bench_issuance,
    bench_reads,
    in_chunks,
    issue_operation,
    seed,
)

from agentidp.adapters.postgres import PostgresStore
from agentidp.application.ports.repositories import AgentFilter, Page

DEFAULT_URL = os.environ.get(
    "AGENTIDP_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def bench_processes(arguments: argparse.Namespace, url: str) -> None:
    start_at = time.time() + 2.0
    command = [sys.executable, __file__, "--worker", url, "--n", str(arguments.n)]
    command += ["--chunk", str(arguments.chunk), "--start-at", str(start_at)]
    workers = [
        subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        for _ in range(arguments.processes)
    ]
    reports = [json.loads(worker.communicate(timeout=600)[0]) for worker in workers]
    wall = max(r["finished"] for r in reports) - min(r["started"] for r in reports)
    total = sum(r["ops"] for r in reports)
    groups, batches = sum(r["groups"] for r in reports), sum(r["batches"] for r in reports)
    print(
        f"{arguments.processes} processes     : {total / wall:8.0f} ops/s issuance-shaped "
        f"({total} in {wall:.2f} s, gather {arguments.chunk} each, "
        f"{batches / groups:.1f} per group)"
    )


async def worker(arguments: argparse.Namespace) -> None:
    """One process of :func:`bench_processes`: prints a JSON report on stdout."""
    async with PostgresStore(arguments.worker) as store:
        async with store.unit_of_work() as uow:
            organization = (await uow.organizations.list_all())[0]
            listed, _ = await uow.agents.list(AgentFilter(organization.id), Page(1, 10_000))
        agents = [agent.id for agent in listed]
        await asyncio.sleep(max(0.0, arguments.start_at - time.time()))
        started = time.time()
        await in_chunks(
            arguments.n, arguments.chunk, issue_operation(store, organization.id, agents)
        )
        report = {"ops": arguments.n, "started": started, "finished": time.time()}
        report |= {"groups": store.stats.groups, "batches": store.stats.batches}
    print(json.dumps(report))


async def main(arguments: argparse.Namespace, url: str) -> None:
    async with PostgresStore(url) as store:
        organization_id, agent_ids = await seed(store, arguments.agents)
        await bench_commits(store, organization_id, arguments.n, arguments.chunk)
        await bench_reads(store, agent_ids, rounds=5_000)
        await bench_issuance(store, organization_id, agent_ids, arguments.n, arguments.chunk)


def _with_database(server: str, run: Callable[[str], None]) -> None:
    name = f"agentidp_bench_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        run(conninfo.make_conninfo(server, dbname=name))
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL, help="maintenance database of the server")
    parser.add_argument("--n", type=int, default=5000, help="operations per load test")
    parser.add_argument("--chunk", type=int, default=32, help="concurrent operations per gather")
    parser.add_argument("--agents", type=int, default=1000, help="agents to seed")
    parser.add_argument("--processes", type=int, default=0, help="also run P worker processes")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        asyncio.run(worker(args))
    else:

        def run(url: str) -> None:
            asyncio.run(main(args, url))
            if args.processes:
                bench_processes(args, url)

        _with_database(args.url, run)
