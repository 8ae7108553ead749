"""Unit of work: one atomic set of changes across repositories, audit included."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Protocol, Self

from .delegations import DelegationRepository
from .federation import FederationPartnerRepository
from .repositories import (
    AgentRepository,
    AuditLog,
    ClientDirectory,
    CredentialRepository,
    MembershipRepository,
    OrganizationRepository,
)
from .trust_policies import TrustPolicyRepository
from .usage import UsageCounters


class UnitOfWork(Protocol):
    """``async with uow:`` … ``await uow.commit()``; leaving without commit discards everything.

    ``commit`` applies all staged changes and audit events atomically, or none of them. It
    raises the conflicts documented on the repositories, and ``BackendUnavailable`` when the
    store cannot be reached (in which case nothing was applied). When ``commit`` returns, the
    changes are durable.
    """

    organizations: OrganizationRepository
    agents: AgentRepository
    credentials: CredentialRepository
    #: Agents' roles in their organizations (and the bearer-authentication read model).
    memberships: MembershipRepository
    #: Agent-to-agent delegation links.
    delegations: DelegationRepository
    #: GitHub Actions OIDC trust policies.
    trust_policies: TrustPolicyRepository
    #: Read model of client authentication (agent, active credentials, organization status).
    clients: ClientDirectory
    audit: AuditLog
    #: Trusted external IdPs (deployment-wide, docs/federation.md).
    federation_partners: FederationPartnerRepository
    #: Usage counters behind the tier limits (agents, tokens per month).
    usage: UsageCounters

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None:
        """Apply the staged changes atomically and durably."""
        ...

    async def rollback(self) -> None:
        """Discard the staged changes."""
        ...


#: Opens a fresh unit of work; use cases call it once per operation.
UnitOfWorkFactory = Callable[[], UnitOfWork]
