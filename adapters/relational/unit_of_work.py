"""The commit/rollback mechanics every relational unit of work shares.

A unit of work stages its writes in a :class:`~.staging.StagedChanges` and, on ``commit``,
hands them to the store's writer through a ``submit`` callable that returns once the batch is
durably committed. Each backend subclass only builds its repositories on the staging.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Generic, Self, TypeVar

from agentidp.application.ports.delegations import DelegationRepository
from agentidp.application.ports.federation import FederationPartnerRepository
from agentidp.application.ports.repositories import (
    AgentRepository,
    AuditLog,
    ClientDirectory,
    CredentialRepository,
    MembershipRepository,
    OrganizationRepository,
)
from agentidp.application.ports.trust_policies import TrustPolicyRepository
from agentidp.application.ports.usage import UsageCounters
from agentidp.domain.audit import AuditEvent

from .staging import StagedChanges

W = TypeVar("W")

#: Hands one unit of work's writes and events to the writer; returns once durably committed.
SubmitWrites = Callable[[Sequence[W], Sequence[AuditEvent]], Awaitable[None]]


class StagedUnitOfWork(Generic[W]):
    """One atomic set of changes (implements ``UnitOfWork``) over a staging and a writer.

    Subclasses assign the repositories in their ``__init__`` after calling this one's.
    """

    organizations: OrganizationRepository
    agents: AgentRepository
    credentials: CredentialRepository
    memberships: MembershipRepository
    delegations: DelegationRepository
    trust_policies: TrustPolicyRepository
    clients: ClientDirectory
    audit: AuditLog
    federation_partners: FederationPartnerRepository
    usage: UsageCounters

    def __init__(self, staging: StagedChanges[W], submit: SubmitWrites[W]) -> None:
        self._staging = staging
        self._submit = submit

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
        """Apply everything staged, atomically and durably; nothing staged is a no-op.

        The staging is emptied whatever the outcome. If the awaiting task is cancelled the
        batch may still commit, exactly like a lost reply from a database server.

        Raises:
            AgentAlreadyExists, OrganizationSlugTaken, AlreadyMember, ConcurrentUpdate,
            OrganizationNotFound, AgentNotFound, Conflict: the batch was rolled back, nothing
            of it applied.
            BackendUnavailable: the store could not commit; nothing applied.
        """
        writes, events = self._staging.take()
        if writes or events:
            await self._submit(writes, events)

    async def rollback(self) -> None:
        """Discard everything staged."""
        self._staging.clear()
