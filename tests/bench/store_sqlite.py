"""Micro-benchmark of the SQLite store (not a test; pytest does not collect ``bench_*``).

Measures, on a fresh file in a temporary directory (or ``--dir``):
1. single-audit-event commits, ``--n`` of them issued ``--chunk`` at a time with
   ``asyncio.gather``: commits/s and the mean number of batches per group commit;
2. the loop-thread cost of ``agents.get`` and ``credentials.list_by_agent``;
3. a token-issuance-shaped load: 2 indexed reads + 1 audited commit per operation.

Run: ``.venv/bin/python tests/bench/store_sqlite.py [--n 5000]``
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path

from store_workload import in_chunks, issuance_event, seed

from agentidp.adapters.sqlite import SqliteStore
from agentidp.domain.ids import AgentId


async def bench_commits(store: SqliteStore, organization_id: str, n: int, chunk: int) -> None:
    async def commit_one() -> None:
        async with store.unit_of_work() as uow:
            await uow.audit.append(issuance_event(organization_id))
            await uow.commit()

    groups, batches = store.stats.groups, store.stats.batches
    elapsed = await in_chunks(n, chunk, commit_one)
    groups, batches = store.stats.groups - groups, store.stats.batches - batches
    print(
        f"audited commits : {n / elapsed:8.0f} commits/s ({n} in {elapsed:.2f} s, gather {chunk})"
    )
    print(f"group commit    : {batches / groups:8.1f} batches per group ({groups} fsynced groups)")


async def bench_reads(store: SqliteStore, agent_ids: list[AgentId], rounds: int) -> None:
    uow = store.unit_of_work()
    sample = [random.choice(agent_ids) for _ in range(rounds)]
    for label, read in (
        ("agents.get", uow.agents.get),
        ("credentials.list_by_agent", uow.credentials.list_by_agent),
    ):
        started = time.perf_counter()
        for agent_id in sample:
            await read(agent_id)
        elapsed = time.perf_counter() - started
        print(f"{label:26}: {elapsed / rounds * 1e6:6.1f} us per call")


async def bench_issuance(
    store: SqliteStore, organization_id: str, agent_ids: list[AgentId], n: int, chunk: int
) -> None:
    async def issue() -> None:
        agent_id = random.choice(agent_ids)
        async with store.unit_of_work() as uow:
            await uow.agents.get(agent_id)
            await uow.credentials.list_by_agent(agent_id)
            await uow.audit.append(issuance_event(organization_id, agent_id))
            await uow.commit()

    elapsed = await in_chunks(n, chunk, issue)
    print(f"issuance-shaped : {n / elapsed:8.0f} ops/s (2 reads + 1 audited commit each)")


async def main(arguments: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(dir=arguments.dir) as directory:
        async with SqliteStore(Path(directory) / "bench.sqlite3") as store:
            organization_id, agent_ids = await seed(store, arguments.agents)
            await bench_commits(store, organization_id, arguments.n, arguments.chunk)
            await bench_reads(store, agent_ids, rounds=20_000)
            await bench_issuance(store, organization_id, agent_ids, arguments.n, arguments.chunk)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="commits per load test")
    parser.add_argument("--chunk", type=int, default=32, help="concurrent commits per gather")
    parser.add_argument("--agents", type=int, default=1000, help="agents to seed")
    parser.add_argument("--dir", default=None, help="directory for the database file")
    asyncio.run(main(parser.parse_args()))
