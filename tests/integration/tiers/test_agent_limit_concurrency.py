"""The issue's rule, through the real use case on every store: "50 parallel agent
registrations against a limit of 10 leave exactly 10". On SQLite and PostgreSQL the
registrations go through two stores on the same database (two writers, like two worker
processes), so the limit must hold between independent transactions, not just inside one
process's group commit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path

import pytest

from agentidp.application.commands import BootstrapOrganization, RegisterAgent
from agentidp.application.errors import AgentLimitReached
from agentidp.application.ports.repositories import AgentFilter, Page
from agentidp.application.principal import Principal
from agentidp.domain.scopes import KNOWN_SCOPES, OPERATOR_ONLY_SCOPES
from agentidp.domain.tiers import DEFAULT_TIER_LIMITS, PlanTier
from agentidp.entrypoints.container import Container, build_container, start, stop
from agentidp.entrypoints.settings import Argon2Parameters, Settings
from tests.integration.tiers.scratch_url import fresh_database_url

LIMIT = 10
ATTEMPTS = 50


async def _database_url(backend: str, directory: Path) -> str:
    if backend == "memory":
        return "memory://"
    if backend == "sqlite":
        return f"sqlite:///{directory / 'agentidp.db'}"
    return await fresh_database_url()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def workers(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[list[Container]]:
    """Containers sharing one database whose free tier allows :data:`LIMIT` agents (one for
    memory, which cannot be shared; two otherwise)."""
    free = replace(DEFAULT_TIER_LIMITS[PlanTier.FREE], max_agents=LIMIT)
    settings = Settings(
        database_url=await _database_url(request.param, tmp_path),
        data_dir=tmp_path,
        argon2=Argon2Parameters(1, 1024, 1),
        tier_limits={**DEFAULT_TIER_LIMITS, PlanTier.FREE: free},
    )
    count = 1 if request.param == "memory" else 2
    async with AsyncExitStack() as stack:
        containers = []
        for _ in range(count):
            container = build_container(settings)
            await start(container)
            stack.push_async_callback(stop, container)
            containers.append(container)
        yield containers


async def test_fifty_parallel_registrations_leave_exactly_the_limit(
    workers: list[Container],
) -> None:
    """The bootstrapped administrator is the first agent; of 50 concurrent registrations
    exactly 9 succeed, every other one is AgentLimitReached, and 10 agents exist."""
    boot = await workers[0].bootstrap_organization()(
        BootstrapOrganization(slug="limited", name="Limited", admin_email="admin@limited.example")
    )
    organization_id = boot.organization.id
    admin = Principal(
        subject=boot.admin.id,
        organization_id=organization_id,
        scopes=frozenset(KNOWN_SCOPES) - OPERATOR_ONLY_SCOPES,
    )

    async def register(attempt: int) -> str:
        register_agent = workers[attempt % len(workers)].register_agent()
        try:
            await register_agent(
                RegisterAgent(
                    principal=admin,
                    email=f"agent-{attempt}@limited.example",
                    agent_type="classifier",
                    version="1.0.0",
                    capabilities=[],
                    owner="team",
                    deployment_env="production",
                )
            )
        except AgentLimitReached:
            return "refused"
        return "registered"

    outcomes = await asyncio.gather(*(register(attempt) for attempt in range(ATTEMPTS)))
    async with workers[-1].uow()() as uow:
        _, stored = await uow.agents.list(AgentFilter(organization_id), Page(1, 100))
        counted = await uow.usage.agents(organization_id)

    assert outcomes.count("registered") == LIMIT - 1
    assert outcomes.count("refused") == ATTEMPTS - LIMIT + 1
    assert stored == LIMIT
    assert counted == LIMIT
