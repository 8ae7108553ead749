"""The delegation links port (agent-to-agent delegation, docs/delegation.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from agentidp.domain.delegation import Delegation, DelegationId
from agentidp.domain.ids import AgentId, OrganizationId


class DelegationRepository(Protocol):
    """Delegation links. A link is written once, then only ever revoked; whether it is usable
    is computed along its chain by the application, never stored on the descendants."""

    async def get(self, delegation_id: DelegationId) -> Delegation | None:
        """The link, or ``None``. No tenancy check (callers compare ``organization_id``)."""
        ...

    async def find(
        self,
        organization_id: OrganizationId,
        delegator_id: AgentId,
        delegatee_id: AgentId,
        parent_id: DelegationId | None,
    ) -> Sequence[Delegation]:
        """The links from ``delegator_id`` to ``delegatee_id`` extending ``parent_id``
        (``None``: roots), revoked and expired ones included, newest first."""
        ...

    async def add(self, delegation: Delegation) -> None:
        """Stage a new link. ``commit`` raises ``AgentNotFound`` for an unknown agent and
        ``Conflict`` for a taken id or an unknown parent."""
        ...

    async def revoke(self, delegation: Delegation) -> None:
        """Stage the revocation of ``delegation`` (as returned by ``Delegation.revoke``).
        Only an active stored link changes: a concurrent revocation keeps its own instant."""
        ...
