"""The trust policies port (GitHub Actions OIDC federation, docs/oidc-github.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from agentidp.domain.ids import AgentId, OrganizationId
from agentidp.domain.trust_policy import TrustPolicy, TrustPolicyId


class TrustPolicyRepository(Protocol):
    """Trust policies of every organization. Policies are immutable: created, then deleted.

    Writes are staged in the unit of work and applied by ``commit``. Like every repository it
    does not check tenancy: :meth:`get` and :meth:`for_repository` see every organization's
    policies (the exchange does not know the organization yet); use cases filter.
    """

    async def get(self, policy_id: TrustPolicyId) -> TrustPolicy | None:
        """The policy, or ``None``."""
        ...

    async def list(
        self, organization_id: OrganizationId, agent_id: AgentId | None = None
    ) -> Sequence[TrustPolicy]:
        """The organization's policies (only those bound to ``agent_id`` if given), oldest
        first (``created_at``, then id)."""
        ...

    async def for_repository(self, provider: str, repository_id: str) -> Sequence[TrustPolicy]:
        """Every policy, of any organization, for the repository with this immutable id,
        oldest first. The caller still matches names and conditions."""
        ...

    async def add(self, policy: TrustPolicy) -> None:
        """Stage a new policy. ``commit`` raises ``TrustPolicyConflict`` when the organization
        has a policy with the same :attr:`~TrustPolicy.conditions` (``Conflict`` for a taken
        id), and ``AgentNotFound`` / ``OrganizationNotFound`` for a missing parent."""
        ...

    async def remove(self, policy: TrustPolicy) -> None:
        """Stage the deletion of ``policy``. ``commit`` raises ``ConcurrentUpdate`` when it is
        already gone."""
        ...
