"""Memory unit of work: stages private copies, applies them at commit under the store lock."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Self

from agentidp.application.ports.repositories import (
    AgentRepository,
    AuditLog,
    ClientDirectory,
    CredentialRepository,
    MembershipRepository,
    OrganizationRepository,
)
from agentidp.application.ports.usage import UsageCounters

from .audit import InMemoryAuditLog
from .clients import InMemoryClientDirectory
from .delegations import InMemoryDelegationRepository
from .federation import InMemoryFederationPartnerRepository
from .memberships import InMemoryMembershipRepository
from .organizations import InMemoryOrganizationRepository
from .repositories import InMemoryAgentRepository, InMemoryCredentialRepository
from .staging import Staging
from .trust_policies import InMemoryTrustPolicyRepository
from .usage import InMemoryUsageCounters

if TYPE_CHECKING:
    from .store import InMemoryStore


class InMemoryUnitOfWork:
    """One atomic set of changes to an :class:`InMemoryStore` (implements ``UnitOfWork``).

    Reads see the committed state only; writes are staged and applied by ``commit`` with the
    same conflicts as the SQL backends (unique email and slug, foreign keys, revisions).
    """

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self._staging = Staging()
        self.organizations: OrganizationRepository = InMemoryOrganizationRepository(
            store, self._staging
        )
        self.agents: AgentRepository = InMemoryAgentRepository(store, self._staging)
        self.credentials: CredentialRepository = InMemoryCredentialRepository(store, self._staging)
        self.memberships: MembershipRepository = InMemoryMembershipRepository(
            store, self._staging
        )
        self.delegations = InMemoryDelegationRepository(store, self._staging)
        self.trust_policies = InMemoryTrustPolicyRepository(store, self._staging)
        self.clients: ClientDirectory = InMemoryClientDirectory(store)
        self.audit: AuditLog = InMemoryAuditLog(store, self._staging)
        self.federation_partners = InMemoryFederationPartnerRepository(store, self._staging)
        self.usage: UsageCounters = InMemoryUsageCounters(store, self._staging)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.rollback()

    async def commit(self) -> None:
        """Apply everything staged atomically; nothing staged is a no-op.

        The staging is emptied whatever the outcome.

        Raises:
            AgentAlreadyExists, OrganizationSlugTaken, AlreadyMember, ConcurrentUpdate,
            OrganizationNotFound, AgentNotFound, Conflict: nothing of this unit of work was applied.
        """
        writes, events = self._staging.take()
        if not writes and not events:
            return
        async with self._store.lock:
            self._store.apply(writes, events)

    async def rollback(self) -> None:
        """Discard everything staged."""
        self._staging.clear()
