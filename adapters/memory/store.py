"""The memory backend's committed state, shared by every unit of work built on it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from types import TracebackType
from typing import Self

from agentidp.domain.agent import Agent
from agentidp.domain.audit import GENESIS_HASH, AuditEvent, ChainedAuditEvent
from agentidp.domain.credential import Credential
from agentidp.domain.delegation import Delegation, DelegationId
from agentidp.domain.federation import FederationPartner, FederationPartnerId
from agentidp.domain.ids import AgentId, AuditEventId, CredentialId, OrganizationId
from agentidp.domain.membership import Membership, MembershipId
from agentidp.domain.organization import Organization
from agentidp.domain.trust_policy import TrustPolicy, TrustPolicyId

from .staging import Write
from .transaction import Transaction
from .unit_of_work import InMemoryUnitOfWork


class InMemoryStore:
    """Dicts of committed aggregates and the audit chain, for development and tests.

    Only :class:`InMemoryUnitOfWork` commits change it, all-or-nothing under :attr:`lock`.
    The secondary indexes (``*_by_*``) exist for the uniqueness rules and lookups.
    """

    def __init__(self) -> None:
        self.organizations: dict[OrganizationId, Organization] = {}
        self.agents: dict[AgentId, Agent] = {}
        self.credentials: dict[CredentialId, Credential] = {}
        self.audit_chain: list[ChainedAuditEvent] = []
        self.chain_head: str = GENESIS_HASH
        self.organization_ids_by_slug: dict[str, OrganizationId] = {}
        self.agent_ids_by_email: dict[str, AgentId] = {}
        self.audit_events_by_id: dict[AuditEventId, ChainedAuditEvent] = {}
        #: Usage counters of the tier limits (``tokens:YYYY-MM``) by (organization, counter).
        self.usage_counters: dict[tuple[OrganizationId, str], int] = {}
        self.memberships: dict[MembershipId, Membership] = {}
        self.membership_ids_by_member: dict[tuple[OrganizationId, AgentId], MembershipId] = {}
        #: Agent-to-agent delegation links by id.
        self.delegations: dict[DelegationId, Delegation] = {}
        #: Federation partners by id (deployment-wide; the issuer is unique).
        self.federation_partners: dict[FederationPartnerId, FederationPartner] = {}
        #: GitHub Actions OIDC trust policies by id.
        self.trust_policies: dict[TrustPolicyId, TrustPolicy] = {}
        self.lock = asyncio.Lock()

    def unit_of_work(self) -> InMemoryUnitOfWork:
        """A fresh unit of work (the ``UnitOfWorkFactory`` of this store)."""
        return InMemoryUnitOfWork(self)

    # NOTE: open/close/ping mirror SqliteStore so wiring can treat every store alike.
    async def open(self) -> None:
        """Nothing to open."""

    async def close(self) -> None:
        """Nothing to close; the data lives as long as this object."""

    async def ping(self) -> None:
        """Health check; memory is always there."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def apply(self, writes: Sequence[Write], events: Sequence[AuditEvent]) -> None:
        """Apply one commit completely, or raise its first conflict and apply nothing.

        Call it holding :attr:`lock`; it never awaits, so readers see before or after.
        """
        transaction = Transaction(self)
        try:
            for write in writes:
                write(transaction)
            transaction.append_events(events)
        except BaseException:
            transaction.rollback()
            raise
