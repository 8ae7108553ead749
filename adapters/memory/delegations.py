"""Memory delegation repository: links are frozen values, so reads share them; writes are
staged and replayed by :class:`~.transaction.Transaction` at commit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from agentidp.domain.delegation import Delegation, DelegationId
from agentidp.domain.ids import AgentId, OrganizationId

from .staging import Staging

if TYPE_CHECKING:
    from .store import InMemoryStore


class InMemoryDelegationRepository:
    """Implements ``DelegationRepository`` with the same keys and conflicts as SQL."""

    def __init__(self, store: InMemoryStore, staging: Staging) -> None:
        self._store = store
        self._staging = staging

    async def get(self, delegation_id: DelegationId) -> Delegation | None:
        return self._store.delegations.get(delegation_id)

    async def find(
        self,
        organization_id: OrganizationId,
        delegator_id: AgentId,
        delegatee_id: AgentId,
        parent_id: DelegationId | None,
    ) -> Sequence[Delegation]:
        matches = [
            link
            for link in self._store.delegations.values()
            if link.organization_id == organization_id
            and link.delegator_id == delegator_id
            and link.delegatee_id == delegatee_id
            and link.parent_id == parent_id
        ]
        matches.sort(key=lambda link: (link.created_at, link.id), reverse=True)
        return matches

    async def add(self, delegation: Delegation) -> None:
        self._staging.write(lambda transaction: transaction.add_delegation(delegation))

    async def revoke(self, delegation: Delegation) -> None:
        self._staging.write(lambda transaction: transaction.revoke_delegation(delegation))
