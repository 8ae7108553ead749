"""Repository ports. Repositories hang off a :class:`~.unit_of_work.UnitOfWork` and share it.

Contract shared by every repository here:
- Reads see committed state only; ``add``/``update`` are staged and take effect at
  ``UnitOfWork.commit()``, which is also where conflicts are raised.
- Returned aggregates are private copies: changing one changes nothing until ``update``.
- Repositories do not check tenancy or permissions; use cases do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from agentidp.domain.agent import Agent, AgentStatus
from agentidp.domain.audit import AuditAction, AuditEvent, ChainedAuditEvent, Outcome
from agentidp.domain.credential import Credential, CredentialStatus
from agentidp.domain.ids import AgentId, AuditEventId, CredentialId, OrganizationId
from agentidp.domain.membership import MemberRole, Membership
from agentidp.domain.organization import Organization, OrganizationStatus


@dataclass(frozen=True, slots=True)
class Page:
    """1-based page number and page size."""

    number: int = 1
    size: int = 20

    @property
    def offset(self) -> int:
        """Rows to skip."""
        return (self.number - 1) * self.size


@dataclass(frozen=True, slots=True)
class AgentFilter:
    """Filters of an agent listing; ``organization_id`` is mandatory (tenant scoping)."""

    organization_id: OrganizationId
    status: AgentStatus | None = None
    owner: str | None = None
    agent_type: str | None = None


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Filters of an audit query; ``organization_id`` is mandatory (tenant scoping)."""

    organization_id: OrganizationId
    agent_id: str | None = None
    action: AuditAction | None = None
    outcome: Outcome | None = None
    since: datetime | None = None
    until: datetime | None = None


class OrganizationRepository(Protocol):
    """Organizations by id or slug."""

    async def get(self, organization_id: OrganizationId) -> Organization | None:
        """The organization, or ``None``."""
        ...

    async def get_by_slug(self, slug: str) -> Organization | None:
        """The organization with this slug, or ``None``."""
        ...

    async def list_all(self) -> Sequence[Organization]:
        """Every organization, oldest first (operator views only)."""
        ...

    async def list(
        self, page: Page, status: OrganizationStatus | None = None
    ) -> tuple[Sequence[Organization], int]:
        """One page of organizations (optionally of one status), newest first (``created_at``
        DESC, then id), and the total number of matches. Platform views only: no tenancy."""
        ...

    async def add(self, organization: Organization) -> None:
        """Stage a new organization.

        ``commit`` raises ``OrganizationSlugTaken`` on a duplicate slug.
        """
        ...

    async def update(self, organization: Organization) -> None:
        """Stage a change of an organization loaded at ``organization.revision`` (the slug
        never changes). ``commit`` raises ``ConcurrentUpdate`` if it changed meanwhile; on
        success the stored revision is +1."""
        ...


@dataclass(frozen=True, slots=True)
class AgentMembership:
    """An agent read together with its role in its own organization (``None``: not a member)
    and whether that organization is active: what authenticating a bearer token needs."""

    agent: Agent
    role: MemberRole | None
    organization_active: bool


class MembershipRepository(Protocol):
    """Agents' roles in their organizations; ``(organization_id, agent_id)`` is unique.

    Like every repository it checks no tenancy: the use cases make sure a membership's agent
    belongs to its organization.
    """

    async def get(self, organization_id: OrganizationId, agent_id: AgentId) -> Membership | None:
        """The agent's membership in the organization, or ``None``."""
        ...

    async def list(
        self, organization_id: OrganizationId, page: Page
    ) -> tuple[Sequence[Membership], int]:
        """One page of the organization's memberships, oldest first (``joined_at``, then
        id), and the total number of them."""
        ...

    async def agent_with_role(self, agent_id: AgentId) -> AgentMembership | None:
        """The agent, its role in its own organization and that organization's status, in
        one read (one round trip where the store is remote); ``None`` for an unknown agent.
        Committed state only."""
        ...

    async def add(self, membership: Membership) -> None:
        """Stage a new membership. ``commit`` raises ``AlreadyMember`` if the agent already
        has one in that organization, ``AgentNotFound`` or ``OrganizationNotFound`` if either
        does not exist."""
        ...

    async def remove(self, membership: Membership) -> None:
        """Stage the removal of a membership (matched by organization and agent). ``commit``
        raises ``ConcurrentUpdate`` if it was already gone."""
        ...


class AgentRepository(Protocol):
    """Agents; ``update`` is optimistic on ``Agent.revision``."""

    async def get(self, agent_id: AgentId) -> Agent | None:
        """The agent with this id in any organization, or ``None``. No tenancy check."""
        ...

    async def list(self, filter: AgentFilter, page: Page) -> tuple[Sequence[Agent], int]:
        """One page of matching agents, newest first, and the total number of matches."""
        ...

    async def add(self, agent: Agent) -> None:
        """Stage a new agent. ``commit`` raises ``AgentAlreadyExists`` if the email is taken."""
        ...

    async def update(self, agent: Agent) -> None:
        """Stage a change of an agent loaded at ``agent.revision``. ``commit`` raises
        ``ConcurrentUpdate`` if it changed meanwhile; on success the stored revision is +1."""
        ...


class CredentialRepository(Protocol):
    """Credentials of agents; ``update`` is optimistic on ``Credential.revision``."""

    async def get(self, credential_id: CredentialId) -> Credential | None:
        """The credential, or ``None``. No ownership check."""
        ...

    async def list_by_agent(
        self, agent_id: AgentId, status: CredentialStatus | None = None
    ) -> Sequence[Credential]:
        """The agent's credentials (optionally only one status), newest first."""
        ...

    async def add(self, credential: Credential) -> None:
        """Stage a new credential."""
        ...

    async def update(self, credential: Credential) -> None:
        """Stage a change; ``commit`` raises ``ConcurrentUpdate`` on a stale revision."""
        ...


@dataclass(frozen=True, slots=True)
class ClientRecord:
    """What authenticating one client needs, read together.

    ``active_credentials`` are the agent's credentials whose status is active, newest first,
    expired ones included (the authenticator judges expiry against its clock).
    ``organization_active`` is False when the agent's organization is not active (or, in a
    store without referential integrity, missing).
    """

    agent: Agent
    active_credentials: Sequence[Credential]
    organization_active: bool


class ClientDirectory(Protocol):
    """A read model for client authentication: agent, usable credentials and organization
    status in one read (one round trip where the store is remote). Read-only."""

    async def find(self, client_id: AgentId) -> ClientRecord | None:
        """The client's record, or ``None`` if no agent has this id.

        Committed state only (like every repository read); the aggregates in the record are
        private copies. No tenancy check: the client id alone selects the agent.
        """
        ...


class AuditLog(Protocol):
    """The append-only, hash-chained audit log.

    ``append`` stages an event; at commit the adapter links it to the current chain head
    (serialised across writers, so the chain never forks) in the same transaction as the
    other staged changes. There is no update and no delete.
    """

    async def append(self, event: AuditEvent) -> None:
        """Stage ``event`` for the chain."""
        ...

    async def get(self, event_id: AuditEventId) -> ChainedAuditEvent | None:
        """One stored event, or ``None``."""
        ...

    async def query(
        self, filter: AuditFilter, page: Page
    ) -> tuple[Sequence[ChainedAuditEvent], int]:
        """One page of matching events, newest first, and the total number of matches."""
        ...

    async def chain(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> Sequence[ChainedAuditEvent]:
        """The whole chain (every organization) in chain order. With ``since``/``until``, the
        contiguous span from the first event that occurred at or after ``since`` to the last
        that occurred at or before ``until`` (concurrent writers' timestamps need not follow
        chain order, so a plain time filter could leave holes). Used by verification."""
        ...
