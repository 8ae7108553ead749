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
import tempfile
from pathlib import Path

from store_workload import (
    bench_commits,
    bench_issuance,
    bench_reads,
    seed,
)

from agentidp.adapters.sqlite import SqliteStore


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
