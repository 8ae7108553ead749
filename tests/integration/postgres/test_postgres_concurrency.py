"""PostgreSQL-only races: two stores (two pools and writers, like two server processes) and
two OS processes working on the same rows and the same audit chain."""

from __future__ import annotations

import asyncio
import itertools
import sys
import time
from collections.abc import Sequence
from types import TracebackType
from typing import Self

import pytest

from agentidp.adapters.crypto.argon2_hasher import Argon2SecretHasher
from agentidp.adapters.postgres import PostgresStore
from agentidp.adapters.system import RandomIds, SystemClock
from agentidp.application.commands import ChangeAgentStatus, ChangeCredential
from agentidp.application.errors import ConcurrentUpdate
from agentidp.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from agentidp.application.principal import Principal
from agentidp.application.use_cases.agents import DecommissionAgentUseCase
from agentidp.application.use_cases.credentials import IssuedSecret, RotateCredentialUseCase
from agentidp.domain.agent import Agent, AgentStatus
from agentidp.domain.audit import AuditAction, ChainedAuditEvent, verify_chain
from agentidp.domain.credential import Credential, CredentialStatus
from agentidp.domain.errors import AgentAlreadyDecommissioned
from agentidp.domain.organization import Organization
from tests.builders import make_agent, make_audit_event, make_credential

#: Cheap argon2: these tests race commits, not hashing.
FAST_HASHER = Argon2SecretHasher(time_cost=1, memory_cost=1024, parallelism=1)


class _CommitTogether:
    """A unit of work factory whose units of work all wait for each other before committing,
    so that racing use cases have all loaded the same revisions when the first commits."""

    def __init__(self, factory: UnitOfWorkFactory, barrier: asyncio.Barrier) -> None:
        self._factory = factory
        self._barrier = barrier

    def __call__(self) -> UnitOfWork:
        return _BarrierUnitOfWork(self._factory(), self._barrier)


class _BarrierUnitOfWork:
    def __init__(self, inner: UnitOfWork, barrier: asyncio.Barrier) -> None:
        self._inner = inner
        self._barrier = barrier
        self.organizations = inner.organizations
        self.agents = inner.agents
        self.credentials = inner.credentials
        self.clients = inner.clients
        self.audit = inner.audit

    async def __aenter__(self) -> Self:
        await self._inner.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._inner.__aexit__(exc_type, exc, tb)

    async def commit(self) -> None:
        await self._barrier.wait()
        await self._inner.commit()

    async def rollback(self) -> None:
        await self._inner.rollback()


async def _save(store: PostgresStore, *items: Agent | Credential) -> None:
    async with store.unit_of_work() as uow:
        for item in items:
            if isinstance(item, Agent):
                await uow.agents.add(item)
            else:
                await uow.credentials.add(item)
        await uow.commit()


async def _chain(store: PostgresStore) -> Sequence[ChainedAuditEvent]:
    async with store.unit_of_work() as uow:
        return await uow.audit.chain()


def _actions(chain: Sequence[ChainedAuditEvent]) -> list[AuditAction]:
    return [stored.event.action for stored in chain]


async def test_two_concurrent_rotations_of_one_credential_one_wins(
    store: PostgresStore, other_store: PostgresStore, organization: Organization
) -> None:
    """Two processes rotating the same credential from the same revision: exactly one
    rotation is stored and audited, the other fails with ConcurrentUpdate and leaves
    nothing behind."""
    agent = make_agent(organization_id=organization.id)
    credential = make_credential(agent=agent)
    await _save(store, agent, credential)
    barrier = asyncio.Barrier(2)
    rotations = [
        RotateCredentialUseCase(
            _CommitTogether(racer.unit_of_work, barrier), SystemClock(), RandomIds(), FAST_HASHER
        )
        for racer in (store, other_store)
    ]
    command = ChangeCredential(Principal.operator(organization.id), agent.id, credential.id)

    outcomes = await asyncio.gather(
        *(rotate(command) for rotate in rotations), return_exceptions=True
    )

    winners = [outcome for outcome in outcomes if isinstance(outcome, IssuedSecret)]
    losers = [outcome for outcome in outcomes if isinstance(outcome, ConcurrentUpdate)]
    assert (len(winners), len(losers)) == (1, 1), outcomes
    async with other_store.unit_of_work() as uow:
        stored = await uow.credentials.get(credential.id)
    assert stored is not None
    assert stored.revision == credential.revision + 1
    assert await FAST_HASHER.verify(winners[0].client_secret, stored.secret_hash)
    chain = await _chain(store)
    assert _actions(chain) == [AuditAction.CREDENTIAL_ROTATED]
    assert verify_chain(chain).verified


async def test_two_concurrent_decommissions_of_one_agent_one_wins(
    store: PostgresStore, other_store: PostgresStore, organization: Organization
) -> None:
    """Two processes decommissioning the same agent: one decommission (with the revocation
    of every credential) is stored and audited once; the other is refused as a whole."""
    agent = make_agent(organization_id=organization.id)
    credentials = [make_credential(agent=agent) for _ in range(2)]
    await _save(store, agent, *credentials)
    barrier = asyncio.Barrier(2)
    decommissions = [
        DecommissionAgentUseCase(
            _CommitTogether(racer.unit_of_work, barrier), SystemClock(), RandomIds()
        )
        for racer in (store, other_store)
    ]
    command = ChangeAgentStatus(Principal.operator(organization.id), agent.id)

    outcomes = await asyncio.gather(
        *(decommission(command) for decommission in decommissions), return_exceptions=True
    )

    winners = [outcome for outcome in outcomes if isinstance(outcome, Agent)]
    losers = [
        outcome
        for outcome in outcomes
        if isinstance(outcome, ConcurrentUpdate | AgentAlreadyDecommissioned)
    ]
    assert (len(winners), len(losers)) == (1, 1), outcomes
    async with other_store.unit_of_work() as uow:
        stored = await uow.agents.get(agent.id)
        revoked = await uow.credentials.list_by_agent(agent.id)
    assert stored is not None
    assert (stored.status, stored.revision) == (AgentStatus.DECOMMISSIONED, agent.revision + 1)
    assert [c.status for c in revoked] == [CredentialStatus.REVOKED] * 2
    assert {c.revision for c in revoked} == {2}
    chain = await _chain(store)
    assert sorted(_actions(chain)) == sorted(
        [AuditAction.CREDENTIAL_REVOKED] * 2 + [AuditAction.AGENT_DECOMMISSIONED]
    )
    assert verify_chain(chain).verified


async def test_two_stores_appending_at_once_keep_one_chain(
    store: PostgresStore, other_store: PostgresStore
) -> None:
    """Hundreds of commits from two stores at the same time land in one unforked chain."""
    events = [make_audit_event(actor_id=f"store-{n % 2}") for n in range(400)]

    async def append(racer: PostgresStore, event: object) -> None:
        async with racer.unit_of_work() as uow:
            await uow.audit.append(event)  # type: ignore[arg-type]
            await uow.commit()

    await asyncio.gather(
        *(append((store, other_store)[n % 2], event) for n, event in enumerate(events))
    )
    chain = await _chain(other_store)

    verification = verify_chain(chain)
    assert verification.verified
    assert verification.checked_count == len(events)
    assert {stored.event.id for stored in chain} == {event.id for event in events}
    # Both stores committed groups of their own (their writers really raced).
    assert store.stats.groups > 0
    assert other_store.stats.groups > 0


# Each worker opens the store itself (so migrations race too), waits for a common start
# instant, then appends its events in concurrent chunks with short pauses, like a server
# under load.
_WORKER = """
import asyncio, sys, time, uuid
from datetime import UTC, datetime
from agentidp.adapters.postgres import PostgresStore
from agentidp.domain.audit import AuditAction, AuditEvent, Outcome

async def append(store, worker):
    async with store.unit_of_work() as uow:
        await uow.audit.append(AuditEvent(
            id=str(uuid.uuid4()), occurred_at=datetime.now(UTC), organization_id=None,
            actor_id=worker, agent_id=None, action=AuditAction.TOKEN_ISSUED,
            outcome=Outcome.SUCCESS, metadata={"worker": worker}))
        await uow.commit()

async def main(url, worker, count, start_at):
    async with PostgresStore(url, pool_min=1, pool_max=4) as store:
        await asyncio.sleep(max(0.0, start_at - time.time()))
        for _ in range(0, count, 16):
            await asyncio.gather(*(append(store, worker) for _ in range(16)))
            await asyncio.sleep(0.002)  # requests arrive over time, as on a server

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])))
"""
WORKERS = 3
EVENTS_PER_WORKER = 320


@pytest.mark.slow
async def test_concurrent_processes_never_fork_the_chain(
    database_url: str, store: PostgresStore
) -> None:
    """Every event of every process lands in one chain that verifies."""
    start_at = time.time() + 2.0
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _WORKER,
            database_url,
            f"w{n}",
            str(EVENTS_PER_WORKER),
            str(start_at),
        )
        for n in range(WORKERS)
    ]

    codes = await asyncio.wait_for(asyncio.gather(*(w.wait() for w in workers)), timeout=120)
    chain = await _chain(store)

    assert codes == [0] * WORKERS
    assert len(chain) == WORKERS * EVENTS_PER_WORKER
    assert verify_chain(chain).verified
    actors = [stored.event.actor_id for stored in chain]
    assert set(actors) == {f"w{n}" for n in range(WORKERS)}
    # The writers really overlapped: one after the other would switch only WORKERS - 1 times.
    assert sum(1 for a, b in itertools.pairwise(actors) if a != b) >= WORKERS
