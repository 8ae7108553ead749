"""Memory trust policy repository: policies are frozen values, so reads share them; writes
are staged and replayed at commit with the SQL schema's rules."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from agentidp.domain.ids import AgentId, OrganizationId
from agentidp.domain.trust_policy import TrustPolicy, TrustPolicyId

from .staging import Staging

if TYPE_CHECKING:
    from .store import InMemoryStore


class InMemoryTrustPolicyRepository:
    """Implements ``TrustPolicyRepository``."""

    def __init__(self, store: InMemoryStore, staging: Staging) -> None:
        self._store = store
        self._staging = staging

    async def get(self, policy_id: TrustPolicyId) -> TrustPolicy | None:
        return self._store.trust_policies.get(policy_id)

    async def list(
        self, organization_id: OrganizationId, agent_id: AgentId | None = None
    ) -> Sequence[TrustPolicy]:
        return _ordered(
            policy
            for policy in self._store.trust_policies.values()
            if policy.organization_id == organization_id
            and (agent_id is None or policy.agent_id == agent_id)
        )

    async def for_repository(self, provider: str, repository_id: str) -> Sequence[TrustPolicy]:
        return _ordered(
            policy
            for policy in self._store.trust_policies.values()
            if policy.provider == provider and policy.repository_id == repository_id
        )

    async def add(self, policy: TrustPolicy) -> None:
        self._staging.write(lambda transaction: transaction.add_trust_policy(policy))

    async def remove(self, policy: TrustPolicy) -> None:
        self._staging.write(lambda transaction: transaction.remove_trust_policy(policy))


def _ordered(policies: Iterable[TrustPolicy]) -> list[TrustPolicy]:
    return sorted(policies, key=lambda p: (p.created_at, p.id))
