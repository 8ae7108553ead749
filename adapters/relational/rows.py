"""Rows ↔ domain objects for every relational backend: the one place that knows how each
table's columns map to an aggregate.

Each table has a column tuple (the order of every SELECT list), a ``*_params`` method
(domain → named parameters for INSERT/UPDATE) and a ``*_to_domain`` method (row tuple in
column order → domain object) on :class:`RowMapper`. What differs between backends is only how
an instant, a scope set and a JSON value are written to and read from a column: the
:class:`Encoding` hooks each adapter supplies.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from agentidp.domain.agent import Agent, AgentStatus, AgentType, DeploymentEnv
from agentidp.domain.audit import AuditAction, AuditEvent, ChainedAuditEvent, Outcome
from agentidp.domain.credential import Credential, CredentialStatus
from agentidp.domain.delegation import Delegation, DelegationId, DelegationStatus
from agentidp.domain.ids import AgentId, AuditEventId, CredentialId, OrganizationId
from agentidp.domain.membership import MemberRole, Membership, MembershipId
from agentidp.domain.organization import Organization, OrganizationStatus
from agentidp.domain.tiers import PlanTier

Row = tuple[Any, ...]
Params = dict[str, Any]


def check_aware(moment: datetime) -> datetime:
    """``moment`` unchanged, checked to be timezone-aware.

    Raises:
        ValueError: ``moment`` is naive (its instant would be a guess).
    """
    if moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: the store keeps timezone-aware instants")
    return moment


@dataclass(frozen=True, slots=True)
class Encoding:
    """How one backend stores the values that have no single SQL representation.

    Attributes:
        encode_time: an aware instant → its column value (raises ``ValueError`` if naive).
        decode_time: a column value → an aware ``datetime.UTC`` instant.
        encode_scopes: a scope set → its column value.
        decode_scopes: a column value → the scope set.
        encode_json: capabilities or agent metadata → JSON text.
        encode_audit_metadata: audit metadata → JSON text.
        decode_json: a JSON column value as the driver returns it → the Python value.
    """

    encode_time: Callable[[datetime], Any]
    decode_time: Callable[[Any], datetime]
    encode_scopes: Callable[[frozenset[str]], Any]
    decode_scopes: Callable[[Any], frozenset[str]]
    encode_json: Callable[[Any], str]
    encode_audit_metadata: Callable[[Any], str]
    decode_json: Callable[[Any], Any]

    def encode_optional_time(self, moment: datetime | None) -> Any:
        """:attr:`encode_time`, passing ``None`` through."""
        return None if moment is None else self.encode_time(moment)

    def decode_optional_time(self, value: Any) -> datetime | None:
        """:attr:`decode_time`, passing ``None`` through."""
        return None if value is None else self.decode_time(value)


# --- columns ------------------------------------------------------------------------------

ORGANIZATION_COLUMNS: Final = (
    "id",
    "slug",
    "name",
    "status",
    "created_at",
    "updated_at",
    "plan_tier",
    "max_agents",
    "max_tokens_per_month",
    "revision",
)

MEMBERSHIP_COLUMNS: Final = ("id", "organization_id", "agent_id", "role", "joined_at")

DELEGATION_COLUMNS: Final = (
    "id",
    "organization_id",
    "delegator_agent_id",
    "delegatee_agent_id",
    "scopes",
    "created_at",
    "expires_at",
    "parent_id",
    "depth",
    "status",
    "revoked_at",
)

AGENT_COLUMNS: Final = (
    "id",
    "organization_id",
    "email",
    "agent_type",
    "version",
    "capabilities",
    "owner",
    "deployment_env",
    "scopes",
    "status",
    "created_at",
    "updated_at",
    "metadata",
    "revision",
)

CREDENTIAL_COLUMNS: Final = (
    "id",
    "agent_id",
    "organization_id",
    "secret_hash",
    "status",
    "created_at",
    "expires_at",
    "revoked_at",
    "rotated_at",
    "revision",
)

#: Stored columns except ``seq``, which the database assigns in chain order.
AUDIT_COLUMNS: Final = (
    "id",
    "occurred_at",
    "organization_id",
    "actor_id",
    "agent_id",
    "action",
    "outcome",
    "ip_address",
    "user_agent",
    "metadata",
    "previous_hash",
    "hash",
)


class RowMapper:
    """The row mappers of every table, for one backend's :class:`Encoding`."""

    __slots__ = ("_encoding",)

    def __init__(self, encoding: Encoding) -> None:
        self._encoding = encoding

    @property
    def encoding(self) -> Encoding:
        """This backend's column encodings (for row mappers kept in their own module)."""
        return self._encoding

    # --- organizations --------------------------------------------------------------------

    def organization_params(self, organization: Organization) -> Params:
        """Named parameters of an organization row."""
        return {
            "id": organization.id,
            "slug": organization.slug,
            "name": organization.name,
            "status": organization.status.value,
            "created_at": self._encoding.encode_time(organization.created_at),
            "updated_at": self._encoding.encode_time(organization.updated_at),
            "plan_tier": organization.plan_tier.value,
            "max_agents": organization.max_agents,
            "max_tokens_per_month": organization.max_tokens_per_month,
            "revision": organization.revision,
        }

    def organization_to_domain(self, row: Row) -> Organization:
        """An :class:`Organization` from a row in :data:`ORGANIZATION_COLUMNS` order."""
        (
            id_,
            slug,
            name,
            status,
            created_at,
            updated_at,
            plan_tier,
            max_agents,
            max_tokens_per_month,
            revision,
        ) = row
        return Organization(
            id=OrganizationId(id_),
            slug=slug,
            name=name,
            status=OrganizationStatus(status),
            created_at=self._encoding.decode_time(created_at),
            updated_at=self._encoding.decode_time(updated_at),
            plan_tier=PlanTier(plan_tier),
            max_agents=max_agents,
            max_tokens_per_month=max_tokens_per_month,
            revision=revision,
        )

    # --- organization_members -------------------------------------------------------------

    def membership_params(self, membership: Membership) -> Params:
        """Named parameters of a membership row."""
        return {
            "id": membership.id,
            "organization_id": membership.organization_id,
            "agent_id": membership.agent_id,
            "role": membership.role.value,
            "joined_at": self._encoding.encode_time(membership.joined_at),
        }

    def membership_to_domain(self, row: Row) -> Membership:
        """A :class:`Membership` from a row in :data:`MEMBERSHIP_COLUMNS` order."""
        id_, organization_id, agent_id, role, joined_at = row
        return Membership(
            id=MembershipId(id_),
            organization_id=OrganizationId(organization_id),
            agent_id=AgentId(agent_id),
            role=MemberRole(role),
            joined_at=self._encoding.decode_time(joined_at),
        )

    # --- delegations ----------------------------------------------------------------------

    def delegation_params(self, delegation: Delegation) -> Params:
        """Named parameters of a delegation link row."""
        encoding = self._encoding
        return {
            "id": delegation.id,
            "organization_id": delegation.organization_id,
            "delegator_agent_id": delegation.delegator_id,
            "delegatee_agent_id": delegation.delegatee_id,
            "scopes": encoding.encode_scopes(delegation.scopes),
            "created_at": encoding.encode_time(delegation.created_at),
            "expires_at": encoding.encode_time(delegation.expires_at),
            "parent_id": delegation.parent_id,
            "depth": delegation.depth,
            "status": delegation.status.value,
            "revoked_at": encoding.encode_optional_time(delegation.revoked_at),
        }

    def delegation_to_domain(self, row: Row) -> Delegation:
        """A :class:`Delegation` from a row in :data:`DELEGATION_COLUMNS` order."""
        (id_, organization_id, delegator, delegatee, scopes, created_at, expires_at) = row[:7]
        parent_id, depth, status, revoked_at = row[7:]
        encoding = self._encoding
        return Delegation(
            id=DelegationId(id_),
            organization_id=OrganizationId(organization_id),
            delegator_id=AgentId(delegator),
            delegatee_id=AgentId(delegatee),
            scopes=encoding.decode_scopes(scopes),
            created_at=encoding.decode_time(created_at),
            expires_at=encoding.decode_time(expires_at),
            parent_id=None if parent_id is None else DelegationId(parent_id),
            depth=depth,
            status=DelegationStatus(status),
            revoked_at=encoding.decode_optional_time(revoked_at),
        )

    # --- agents ---------------------------------------------------------------------------

    def agent_params(self, agent: Agent) -> Params:
        """Named parameters of an agent row."""
        encoding = self._encoding
        return {
            "id": agent.id,
            "organization_id": agent.organization_id,
            "email": agent.email,
            "agent_type": agent.agent_type.value,
            "version": agent.version,
            "capabilities": encoding.encode_json(list(agent.capabilities)),
            "owner": agent.owner,
            "deployment_env": agent.deployment_env.value,
            "scopes": encoding.encode_scopes(agent.scopes),
            "status": agent.status.value,
            "created_at": encoding.encode_time(agent.created_at),
            "updated_at": encoding.encode_time(agent.updated_at),
            "metadata": encoding.encode_json(agent.metadata),
            "revision": agent.revision,
        }

    def agent_to_domain(self, row: Row) -> Agent:
        """An :class:`Agent` from a row in :data:`AGENT_COLUMNS` order."""
        (
            id_,
            organization_id,
            email,
            agent_type,
            version,
            capabilities,
            owner,
            deployment_env,
            scopes,
            status,
            created_at,
            updated_at,
            metadata,
            revision,
        ) = row
        encoding = self._encoding
        return Agent(
            id=AgentId(id_),
            organization_id=OrganizationId(organization_id),
            email=email,
            agent_type=AgentType(agent_type),
            version=version,
            capabilities=tuple(encoding.decode_json(capabilities)),
            owner=owner,
            deployment_env=DeploymentEnv(deployment_env),
            scopes=encoding.decode_scopes(scopes),
            status=AgentStatus(status),
            created_at=encoding.decode_time(created_at),
            updated_at=encoding.decode_time(updated_at),
            metadata=encoding.decode_json(metadata),
            revision=revision,
        )

    # --- credentials ----------------------------------------------------------------------

    def credential_params(self, credential: Credential) -> Params:
        """Named parameters of a credential row."""
        encoding = self._encoding
        return {
            "id": credential.id,
            "agent_id": credential.agent_id,
            "organization_id": credential.organization_id,
            "secret_hash": credential.secret_hash,
            "status": credential.status.value,
            "created_at": encoding.encode_time(credential.created_at),
            "expires_at": encoding.encode_optional_time(credential.expires_at),
            "revoked_at": encoding.encode_optional_time(credential.revoked_at),
            "rotated_at": encoding.encode_optional_time(credential.rotated_at),
            "revision": credential.revision,
        }

    def credential_to_domain(self, row: Row) -> Credential:
        """A :class:`Credential` from a row in :data:`CREDENTIAL_COLUMNS` order."""
        (
            id_,
            agent_id,
            organization_id,
            secret_hash,
            status,
            created_at,
            expires_at,
            revoked_at,
            rotated_at,
            revision,
        ) = row
        encoding = self._encoding
        return Credential(
            id=CredentialId(id_),
            agent_id=AgentId(agent_id),
            organization_id=OrganizationId(organization_id),
            secret_hash=secret_hash,
            status=CredentialStatus(status),
            created_at=encoding.decode_time(created_at),
            expires_at=encoding.decode_optional_time(expires_at),
            revoked_at=encoding.decode_optional_time(revoked_at),
            rotated_at=encoding.decode_optional_time(rotated_at),
            revision=revision,
        )

    # --- audit_events ---------------------------------------------------------------------

    def audit_params(self, stored: ChainedAuditEvent) -> Params:
        """Named parameters of an audit row."""
        event = stored.event
        return {
            "id": event.id,
            "occurred_at": self._encoding.encode_time(event.occurred_at),
            "organization_id": event.organization_id,
            "actor_id": event.actor_id,
            "agent_id": event.agent_id,
            "action": event.action.value,
            "outcome": event.outcome.value,
            "ip_address": event.ip_address,
            "user_agent": event.user_agent,
            "metadata": self._encoding.encode_audit_metadata(event.metadata),
            "previous_hash": stored.previous_hash,
            "hash": stored.hash,
        }

    def chained_audit_params(
        self, events: Sequence[AuditEvent], head: str
    ) -> tuple[list[Params], str]:
        """Link ``events`` in order after the chain ``head``: the rows to insert (named
        parameters, :meth:`audit_params`) and the new head."""
        rows = []
        for event in events:
            stored = event.chained(head)
            rows.append(self.audit_params(stored))
            head = stored.hash
        return rows, head

    def audit_to_domain(self, row: Row) -> ChainedAuditEvent:
        """A :class:`ChainedAuditEvent` from a row in :data:`AUDIT_COLUMNS` order."""
        (
            id_,
            occurred_at,
            organization_id,
            actor_id,
            agent_id,
            action,
            outcome,
            ip_address,
            user_agent,
            metadata,
            previous_hash,
            hash_,
        ) = row
        event = AuditEvent(
            id=AuditEventId(id_),
            occurred_at=self._encoding.decode_time(occurred_at),
            organization_id=None if organization_id is None else OrganizationId(organization_id),
            actor_id=actor_id,
            agent_id=agent_id,
            action=AuditAction(action),
            outcome=Outcome(outcome),
            ip_address=ip_address,
            user_agent=user_agent,
            metadata=self._encoding.decode_json(metadata),
        )
        return ChainedAuditEvent(event=event, previous_hash=previous_hash, hash=hash_)
