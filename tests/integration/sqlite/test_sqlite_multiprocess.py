"""Several OS processes (uvicorn workers) appending to one SQLite file keep one chain."""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from agentidp.adapters.sqlite import SqliteStore
from agentidp.domain.audit import ChainedAuditEvent, verify_chain

# Each worker opens the store itself (so migrations race too), waits for a common start
# instant, then appends its events in concurrent chunks with short pauses, like a server
# under load. (Without pauses SQLite's sleeping busy handler lets one process win the lock
# for long runs, so the processes might not overlap at all.)
_WORKER = """
import asyncio, sys, time, uuid
from datetime import UTC, datetime
from agentidp.adapters.sqlite import SqliteStore
from agentidp.domain.audit import AuditAction, AuditEvent, Outcome

async def append(store, worker):
    async with store.unit_of_work() as uow:
        await uow.audit.append(AuditEvent(
            id=str(uuid.uuid4()), occurred_at=datetime.now(UTC), organization_id=None,
            actor_id=worker, agent_id=None, action=AuditAction.TOKEN_ISSUED,
            outcome=Outcome.SUCCESS, metadata={"worker": worker}))
        await uow.commit()

async def main(path, worker, count, start_at):
    async with SqliteStore(path) as store:
        time.sleep(max(0.0, start_at - time.time()))
        for _ in range(0, count, 16):
            await asyncio.gather(*(append(store, worker) for _ in range(16)))
            await asyncio.sleep(0.005)  # requests arrive over time, as on a server

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])))
"""
WORKERS = 3
EVENTS_PER_WORKER = 320


async def _read_chain(path: Path) -> Sequence[ChainedAuditEvent]:
    async with SqliteStore(path) as store, store.unit_of_work() as uow:
        return await uow.audit.chain()


@pytest.mark.slow
def test_concurrent_processes_never_fork_the_chain(tmp_path: Path) -> None:
    """Every event of every process lands in one chain that verifies."""
    path = tmp_path / "shared.sqlite3"
    start_at = time.time() + 1.5

    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _WORKER,
                str(path),
                f"w{n}",
                str(EVENTS_PER_WORKER),
                str(start_at),
            ]
        )
        for n in range(WORKERS)
    ]
    codes = [worker.wait(timeout=120) for worker in workers]
    chain = asyncio.run(_read_chain(path))

    assert codes == [0] * WORKERS
    assert len(chain) == WORKERS * EVENTS_PER_WORKER
    assert verify_chain(chain).verified
    actors = [stored.event.actor_id for stored in chain]
    assert set(actors) == {f"w{n}" for n in range(WORKERS)}
    # The writers really overlapped: one after the other would switch only WORKERS - 1 times.
    assert sum(1 for a, b in itertools.pairwise(actors) if a != b) >= WORKERS
