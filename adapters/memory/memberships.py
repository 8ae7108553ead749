"""Memory membership repository (and the bearer-authentication read model).

Memberships are frozen values, so reads share them; writes are staged and replayed by
:class:`~.transaction.Transaction` at commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from agentidp.application.ports.repositories import AgentMembership, Page
from agentidp.domain.ids import AgentId, OrganizationId
from agentidp.domain.membership import Membership

from .repositories import private_agent
from .staging import Staging

if TYPE_CHECKING:
    from .store import InMemoryStore


class InMemoryMembershipRepository:
    """Implements ``MembershipRepository`` with the same uniqueness and foreign keys as SQL."""

    def __init__(self, store: InMemoryStore, staging: Staging) -> None:
        self._store = store
        self._staging = staging

    async def get(self, organization_id: OrganizationId, agent_id: AgentId) -> Membership | None:
        membership_id = self._store.membership_ids_by_member.get((organization_id, agent_id))
        return None if membership_id is None else self._store.memberships[membership_id]

    async def list(
        self, organization_id: OrganizationId, page: Page
    ) -> tuple[Sequence[Membership], int]:
        matches = [
            membership
            for membership in self._store.memberships.values()
            if membership.organization_id == organization_id
        ]
        matches.sort(key=lambda membership: (membership.joined_at, membership.id))
        return matches[page.offset : page.offset + page.size], len(matches)

    async def agent_with_role(self, agent_id: AgentId) -> AgentMembership | None:
        store = self._store
        agent = store.agents.get(agent_id)
        if agent is None:
            return None
        membership = await self.get(agent.organization_id, agent_id)
        organization = store.organizations.get(agent.organization_id)
        return AgentMembership(
            agent=private_agent(agent),
            role=None if membership is None else membership.role,
            organization_active=organization is not None and organization.is_active,
        )

    async def add(self, membership: Membership) -> None:
        self._staging.write(lambda transaction: transaction.add_membership(membership))

    async def remove(self, membership: Membership) -> None:
        self._staging.write(lambda transaction: transaction.remove_membership(membership))
