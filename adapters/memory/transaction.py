"""Applying one commit to the memory store: all of it, or (after a conflict) none of it.

Changes are made in place and recorded in an undo log; a conflict replays the log backwards.
The whole apply runs without an ``await``, under the store lock, so no reader ever sees a
half-applied commit. Constraint checks mirror the SQL schema: unique email and slug, foreign
keys agent → organization and credential → agent, optimistic revisions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Final, Protocol

from agentidp.application.errors import (
    AgentAlreadyExists,
    AgentNotFound,
    AlreadyMember,
    ConcurrentUpdate,
    Conflict,
    FederationPartnerConflict,
    OrganizationNotFound,
    OrganizationSlugTaken,
    TrustPolicyConflict,
)
from agentidp.domain.agent import Agent
from agentidp.domain.audit import AuditEvent
from agentidp.domain.credential import Credential
from agentidp.domain.delegation import Delegation, DelegationStatus
from agentidp.domain.federation import FederationPartner
from agentidp.domain.ids import OrganizationId
from agentidp.domain.membership import Membership
from agentidp.domain.organization import Organization
from agentidp.domain.trust_policy import TrustPolicy

if TYPE_CHECKING:
    from .store import InMemoryStore

_MISSING: Final = object()


class _Revisioned(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def revision(self) -> int: ...


class Transaction:
    """The undoable application of one unit of work's writes to an :class:`InMemoryStore`."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self._undo: list[tuple[dict[Any, Any], Any, object]] = []
        self._chain_length = len(store.audit_chain)
        self._chain_head = store.chain_head

    def add_organization(self, organization: Organization) -> None:
        store = self._store
        if organization.id in store.organizations:
            raise OrganizationSlugTaken()
        if organization.slug in store.organization_ids_by_slug:
            raise OrganizationSlugTaken()
        self._set(store.organizations, organization.id, organization)
        self._set(store.organization_ids_by_slug, organization.slug, organization.id)

    def update_organization(self, organization: Organization) -> None:
        stored = self._store.organizations.get(organization.id)
        _check_revision(self._store.organizations, organization)
        if stored is not None and stored.slug != organization.slug:
            raise Conflict()  # the slug is immutable (the SQL UPDATE never writes it)
        self._set(
            self._store.organizations,
            organization.id,
            replace(organization, revision=organization.revision + 1),
        )

    def add_membership(self, membership: Membership) -> None:
        store = self._store
        key = (membership.organization_id, membership.agent_id)
        if key in store.membership_ids_by_member or membership.id in store.memberships:
            raise AlreadyMember()
        if membership.organization_id not in store.organizations:
            raise OrganizationNotFound()
        if membership.agent_id not in store.agents:
            raise AgentNotFound()
        self._set(store.memberships, membership.id, membership)
        self._set(store.membership_ids_by_member, key, membership.id)

    def remove_membership(self, membership: Membership) -> None:
        store = self._store
        key = (membership.organization_id, membership.agent_id)
        membership_id = store.membership_ids_by_member.get(key)
        if membership_id is None:
            raise ConcurrentUpdate()  # someone else removed it first
        self._delete(store.memberships, membership_id)
        self._delete(store.membership_ids_by_member, key)

    def add_delegation(self, delegation: Delegation) -> None:
        store = self._store
        parent_id = delegation.parent_id
        if delegation.id in store.delegations or (
            parent_id is not None and parent_id not in store.delegations
        ):
            raise Conflict()
        if not {delegation.delegator_id, delegation.delegatee_id} <= store.agents.keys():
            raise AgentNotFound()
        self._set(store.delegations, delegation.id, delegation)

    def revoke_delegation(self, delegation: Delegation) -> None:
        stored = self._store.delegations.get(delegation.id)
        # Like the SQL "UPDATE ... WHERE status = 'active'": a revoked link keeps its instant.
        if stored is not None and stored.status is DelegationStatus.ACTIVE:
            self._set(self._store.delegations, delegation.id, delegation)

    def add_federation_partner(self, partner: FederationPartner) -> None:
        partners = self._store.federation_partners
        if partner.id in partners:
            raise Conflict()
        if any(stored.issuer == partner.issuer for stored in partners.values()):
            raise FederationPartnerConflict()
        self._set(partners, partner.id, partner)

    def update_federation_partner(self, partner: FederationPartner) -> None:
        partners = self._store.federation_partners
        _check_revision(partners, partner)
        # The issuer is immutable, like the SQL UPDATE that never writes it.
        stored = partners[partner.id]
        kept = replace(partner, issuer=stored.issuer, created_at=stored.created_at)
        self._set(partners, partner.id, replace(kept, revision=partner.revision + 1))

    def remove_federation_partner(self, partner: FederationPartner) -> None:
        _check_revision(self._store.federation_partners, partner)
        self._delete(self._store.federation_partners, partner.id)

    def add_trust_policy(self, policy: TrustPolicy) -> None:
        store = self._store
        if policy.id in store.trust_policies:
            raise Conflict()
        if any(policy.conditions == o.conditions for o in store.trust_policies.values()):
            raise TrustPolicyConflict()
        if policy.agent_id is not None and policy.agent_id not in store.agents:
            raise AgentNotFound()
        self._set(store.trust_policies, policy.id, policy)

    def remove_trust_policy(self, policy: TrustPolicy) -> None:
        if policy.id not in self._store.trust_policies:
            raise ConcurrentUpdate()  # someone else removed it first
        self._delete(self._store.trust_policies, policy.id)

    def add_agent(self, agent: Agent) -> None:
        if agent.id in self._store.agents:
            raise AgentAlreadyExists()
        self._put_agent(agent)

    def update_agent(self, agent: Agent) -> None:
        _check_revision(self._store.agents, agent)
        self._put_agent(replace(agent, revision=agent.revision + 1))

    def add_credential(self, credential: Credential) -> None:
        if credential.id in self._store.credentials:
            raise Conflict()
        self._put_credential(credential)

    def update_credential(self, credential: Credential) -> None:
        _check_revision(self._store.credentials, credential)
        self._put_credential(replace(credential, revision=credential.revision + 1))

    def append_events(self, events: Iterable[AuditEvent]) -> None:
        store = self._store
        for event in events:
            if event.id in store.audit_events_by_id:
                raise Conflict()
            stored = event.chained(store.chain_head)
            store.audit_chain.append(stored)
            self._set(store.audit_events_by_id, event.id, stored)
            store.chain_head = stored.hash

    def set_usage_counter(self, key: tuple[OrganizationId, str], value: int) -> None:
        """Set one usage counter (undone with the rest on rollback)."""
        self._set(self._store.usage_counters, key, value)

    def rollback(self) -> None:
        """Undo every change made so far, newest first."""
        for mapping, key, previous in reversed(self._undo):
            if previous is _MISSING:
                del mapping[key]
            else:
                mapping[key] = previous
        self._undo.clear()
        del self._store.audit_chain[self._chain_length :]
        self._store.chain_head = self._chain_head

    def _put_agent(self, agent: Agent) -> None:
        store = self._store
        email = agent.email.lower()  # emails are unique regardless of case
        holder = store.agent_ids_by_email.get(email)
        if holder is not None and holder != agent.id:
            raise AgentAlreadyExists()
        if agent.organization_id not in store.organizations:
            raise OrganizationNotFound()
        previous = store.agents.get(agent.id)
        if previous is not None and previous.email.lower() != email:
            self._delete(store.agent_ids_by_email, previous.email.lower())
        self._set(store.agents, agent.id, agent)
        self._set(store.agent_ids_by_email, email, agent.id)

    def _put_credential(self, credential: Credential) -> None:
        if credential.agent_id not in self._store.agents:
            raise AgentNotFound()
        self._set(self._store.credentials, credential.id, credential)

    def _set(self, mapping: dict[Any, Any], key: object, value: object) -> None:
        self._undo.append((mapping, key, mapping.get(key, _MISSING)))
        mapping[key] = value

    def _delete(self, mapping: dict[Any, Any], key: object) -> None:
        self._undo.append((mapping, key, mapping.pop(key)))


def _check_revision(table: Mapping[Any, _Revisioned], row: _Revisioned) -> None:
    # Same rule as the SQL "UPDATE ... WHERE id = ? AND revision = ?" matching no row.
    current = table.get(row.id)
    if current is None or current.revision != row.revision:
        raise ConcurrentUpdate()
