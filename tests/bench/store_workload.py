"""The workload both store benchmarks (store_sqlite.py, store_postgres.py) drive: a seeded
organization of agents with two credentials each, and token-issuance-shaped audit events."""

from __future__ import annotations

import asyncio
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
