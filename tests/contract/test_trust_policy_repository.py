"""Contract of TrustPolicyRepository (through UnitOfWork) for every backend."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from agentidp.adapters.memory.trust_policies import InMemoryTrustPolicyRepository
from agentidp.adapters.postgres.trust_policies import PostgresTrustPolicyRepository
from agentidp.adapters.sqlite.trust_policies import SqliteTrustPolicyRepository
from agentidp.application.errors import AgentNotFound, ConcurrentUpdate, TrustPolicyConflict
from agentidp.application.ports.trust_policies import TrustPolicyRepository
from agentidp.application.ports.unit_of_work import UnitOfWorkFactory
from agentidp.domain.agent import Agent
from agentidp.domain.trust_policy import TrustPolicy, TrustPolicyId
from tests.builders import NOW, make_agent, make_organization, random_id

from .support import save


def _conformance(
    memory: InMemoryTrustPolicyRepository,
    sqlite: SqliteTrustPolicyRepository,
    postgres: PostgresTrustPolicyRepository,
) -> None:
    """Never called: mypy checks each adapter against the port (STYLE §6)."""
    _memory: TrustPolicyRepository = memory
    _sqlite: TrustPolicyRepository = sqlite
    _postgres: TrustPolicyRepository = postgres


def policy_for(agent: Agent, minutes: int = 0, **overrides: Any) -> TrustPolicy:
    values: dict[str, Any] = {
        "repository": "octo-org/octo-repo",
        "repository_owner_id": "1001",
        "repository_id": "2002",
        "branch": "main",
    }
    values.update(overrides)
    return TrustPolicy.create(
        id=TrustPolicyId(random_id()),
        organization_id=agent.organization_id,
        provider="github",
        agent_id=agent.id,
        now=NOW + timedelta(minutes=minutes),
        **values,
    )


async def agents(uow_factory: UnitOfWorkFactory, count: int) -> list[Agent]:
    organization = make_organization()
    created = [make_agent(organization_id=organization.id) for _ in range(count)]
    await save(uow_factory, organization, *created)
    return created


async def add(uow_factory: UnitOfWorkFactory, *policies: TrustPolicy) -> None:
    async with uow_factory() as uow:
        for policy in policies:
            await uow.trust_policies.add(policy)
        await uow.commit()


async def test_add_get_list_and_find_by_repository(uow_factory: UnitOfWorkFactory) -> None:
    """Policies read back equal (optional conditions included), in creation order."""
    first, second = await agents(uow_factory, 2)
    a = policy_for(
        first, environment="prod", workflow="o/r/.github/workflows/x.yml@refs/heads/main"
    )
    b = policy_for(second, minutes=1, branch=None)
    elsewhere = policy_for(first, minutes=2, repository_id="3003")
    await add(uow_factory, a, b, elsewhere)
    async with uow_factory() as uow:
        assert await uow.trust_policies.get(a.id) == a
        assert await uow.trust_policies.get(TrustPolicyId(random_id())) is None
        assert await uow.trust_policies.list(first.organization_id) == [a, b, elsewhere]
        assert await uow.trust_policies.list(first.organization_id, second.id) == [b]
        assert await uow.trust_policies.for_repository("github", "2002") == [a, b]
        assert await uow.trust_policies.for_repository("github", "9") == []


async def test_identical_conditions_conflict_and_nothing_applies(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """Two policies with the same conditions (NULLs alike) conflict; the commit is atomic."""
    [agent] = await agents(uow_factory, 1)
    await add(uow_factory, policy_for(agent, branch=None))
    other = policy_for(agent, branch="dev")
    async with uow_factory() as uow:
        await uow.trust_policies.add(other)
        await uow.trust_policies.add(policy_for(agent, branch=None))
        with pytest.raises(TrustPolicyConflict):
            await uow.commit()
    async with uow_factory() as uow:
        assert await uow.trust_policies.get(other.id) is None


async def test_an_unknown_agent_cannot_be_trusted(uow_factory: UnitOfWorkFactory) -> None:
    [agent] = await agents(uow_factory, 1)
    ghost = make_agent(organization_id=agent.organization_id)
    async with uow_factory() as uow:
        await uow.trust_policies.add(policy_for(ghost))
        with pytest.raises(AgentNotFound):
            await uow.commit()


async def test_remove_once(uow_factory: UnitOfWorkFactory) -> None:
    """A removed policy is gone; removing it again is a ConcurrentUpdate."""
    [agent] = await agents(uow_factory, 1)
    policy = policy_for(agent)
    await add(uow_factory, policy)
    async with uow_factory() as uow:
        await uow.trust_policies.remove(policy)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.trust_policies.get(policy.id) is None
        await uow.trust_policies.remove(policy)
        with pytest.raises(ConcurrentUpdate):
            await uow.commit()
