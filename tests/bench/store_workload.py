"""The workload both store benchmarks (store_sqlite.py, store_postgres.py) drive: a seeded
organization of agents with two credentials each, token-issuance-shaped audit events, and the
measurements common to both stores (any store with ``unit_of_work()`` and ``stats``)."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from agentidp.domain.agent import Agent
from agentidp.domain.audit import AuditAction, AuditEvent, Outcome
from agentidp.domain.credential import Credential
from agentidp.domain.ids import AgentId, AuditEventId, CredentialId, OrganizationId
from agentidp.domain.organization import Organization

NOW = datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


def issuance_event(organization_id: str, agent_id: str | None = None) -> AuditEvent:
    """An audit event shaped like the one every token issuance appends."""
    return AuditEvent(
        id=AuditEventId(new_id()),
        occurred_at=datetime.now(UTC),
        organization_id=OrganizationId(organization_id),
        actor_id=agent_id,
        agent_id=agent_id,
        action=AuditAction.TOKEN_ISSUED,
        outcome=Outcome.SUCCESS,
        ip_address="192.0.2.1",
        user_agent="bench/1.0",
        metadata={"scope": "agents:read", "jti": new_id()},
    )


async def seed(store: Any, agents: int) -> tuple[OrganizationId, list[AgentId]]:
    """One organization with ``agents`` agents of two credentials each, in one commit."""
    organization = Organization.create(
        id=OrganizationId(new_id()), slug="bench", name="Bench", now=NOW
    )
    ids: list[AgentId] = []
    async with store.unit_of_work() as uow:
        await uow.organizations.add(organization)
        for n in range(agents):
            agent = Agent.register(
                id=AgentId(new_id()),
                organization_id=organization.id,
                email=f"agent{n}@bench.example",
                agent_type="classifier",
                version="1.0.0",
                capabilities=["documents:read"],
                owner="bench",
                deployment_env="production",
                scopes=frozenset({"agents:read"}),
                now=NOW,
                metadata={"n": n},
            )
            await uow.agents.add(agent)
            for _ in range(2):
                await uow.credentials.add(
                    Credential.issue(
                        id=CredentialId(new_id()),
                        agent_id=agent.id,
                        organization_id=organization.id,
                        agent_active=True,
                        agent_status="active",
                        secret_hash="$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
                        now=NOW,
                        expires_at=NOW + timedelta(days=90),
                    )
                )
            ids.append(agent.id)
        await uow.commit()
    return organization.id, ids


async def in_chunks(n: int, chunk: int, operation: Callable[[], Awaitable[None]]) -> float:
    """Run ``operation`` ``n`` times, ``chunk`` at a time concurrently; the elapsed seconds."""
    started = time.perf_counter()
    for offset in range(0, n, chunk):
        await asyncio.gather(*(operation() for _ in range(min(chunk, n - offset))))
    return time.perf_counter() - started


def issue_operation(
    store: Any, organization_id: str, agent_ids: list[AgentId]
) -> Callable[[], Awaitable[None]]:
    """One token-issuance-shaped unit of work: two reads and one audited commit."""

    async def issue() -> None:
        agent_id = random.choice(agent_ids)
        async with store.unit_of_work() as uow:
            await uow.agents.get(agent_id)
            await uow.credentials.list_by_agent(agent_id)
            await uow.audit.append(issuance_event(organization_id, agent_id))
            await uow.commit()

    return issue


async def bench_commits(store: Any, organization_id: str, n: int, chunk: int) -> None:
    """Single-event audited commits, ``chunk`` at a time: commits/s and group size."""

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
    print(f"group commit    : {batches / groups:8.1f} batches per group ({groups} groups)")


async def bench_reads(store: Any, agent_ids: list[AgentId], rounds: int) -> None:
    """The cost of the two reads of a token request, one call at a time."""
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
        print(f"{label:26}: {elapsed / rounds * 1e6:6.1f} us per call (sequential)")


async def bench_issuance(
    store: Any, organization_id: str, agent_ids: list[AgentId], n: int, chunk: int
) -> None:
    """Issuance-shaped operations, ``chunk`` at a time: ops/s and group size."""
    groups, batches = store.stats.groups, store.stats.batches
    elapsed = await in_chunks(n, chunk, issue_operation(store, organization_id, agent_ids))
    groups, batches = store.stats.groups - groups, store.stats.batches - batches
    print(
        f"issuance-shaped : {n / elapsed:8.0f} ops/s (2 reads + 1 audited commit each, "
        f"{batches / groups:.1f} per group)"
    )
