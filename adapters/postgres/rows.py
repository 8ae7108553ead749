"""Rows ↔ domain objects: the one place that knows how each table encodes an aggregate.

Each table has a column tuple (the order of every SELECT list), a ``*_params`` function
(domain → named parameters for INSERT/UPDATE), the casts its JSON parameters need, and a
``*_to_domain`` function (row tuple in column order → domain object).

Encodings: instants are ``timestamptz`` (psycopg returns them in the session time zone;
``to_domain`` converts them to ``datetime.UTC``); enums are their values; ``Agent.scopes`` is
a sorted ``text[]``; capabilities and metadata are JSON text encoded when staged, so a caller
changing the object afterwards cannot change what is committed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Final

from agentidp.domain.agent import Agent, AgentStatus, AgentType, DeploymentEnv
from agentidp.domain.audit import AuditAction, AuditEvent, ChainedAuditEvent, Outcome
from agentidp.domain.credential import Credential, CredentialStatus
from agentidp.domain.ids import AgentId, AuditEventId, CredentialId, OrganizationId
from agentidp.domain.organization import Organization, OrganizationStatus

Row = tuple[Any, ...]
Params = dict[str, Any]


def aware(moment: datetime) -> datetime:
    """``moment`` unchanged, checked to be timezone-aware.

    Raises:
        ValueError: ``moment`` is naive (psycopg would send it as a ``timestamp`` read in the
            session time zone, so the stored instant would be a guess).
    """
    if moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: the store keeps timezone-aware instants")
    return moment


def optional_aware(moment: datetime | None) -> datetime | None:
    """:func:`aware`, passing ``None`` through."""
    return None if moment is None else aware(moment)


def utc(moment: datetime) -> datetime:
    """A ``timestamptz`` read from the database as a ``datetime.UTC`` datetime."""
    return moment.astimezone(UTC)


def optional_utc(moment: datetime | None) -> datetime | None:
    """:func:`utc`, passing ``None`` through."""
    return None if moment is None else moment.astimezone(UTC)


def encode_json(value: Any) -> str:
    """Compact JSON text for a ``jsonb`` parameter."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def encode_verbatim_json(value: Any) -> str:
    """JSON text for the ``json`` audit metadata column.

    ASCII-only: every non-ASCII character, a lone surrogate and U+0000 included, travels as a
    ``\\uXXXX`` escape that the ``json`` type stores as written and ``json.loads`` reads back
    as the same string, so the stored metadata hashes exactly as it did when it was linked.
    """
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


# --- organizations ------------------------------------------------------------------------

ORGANIZATION_COLUMNS: Final = ("id", "slug", "name", "status", "created_at")


def organization_params(organization: Organization) -> Params:
    """Named parameters of an organization row."""
    return {
        "id": organization.id,
        "slug": organization.slug,
        "name": organization.name,
        "status": organization.status.value,
        "created_at": aware(organization.created_at),
    }


def organization_to_domain(row: Row) -> Organization:
    """An :class:`Organization` from a row in :data:`ORGANIZATION_COLUMNS` order."""
    id_, slug, name, status, created_at = row
    return Organization(
        id=OrganizationId(id_),
        slug=slug,
        name=name,
        status=OrganizationStatus(status),
        created_at=utc(created_at),
    )


# --- agents -------------------------------------------------------------------------------

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
AGENT_CASTS: Final = {"capabilities": "jsonb", "metadata": "jsonb"}


def agent_params(agent: Agent) -> Params:
    """Named parameters of an agent row."""
    return {
        "id": agent.id,
        "organization_id": agent.organization_id,
        "email": agent.email,
        "agent_type": agent.agent_type.value,
        "version": agent.version,
        "capabilities": encode_json(list(agent.capabilities)),
        "owner": agent.owner,
        "deployment_env": agent.deployment_env.value,
        "scopes": sorted(agent.scopes),
        "status": agent.status.value,
        "created_at": aware(agent.created_at),
        "updated_at": aware(agent.updated_at),
        "metadata": encode_json(agent.metadata),
        "revision": agent.revision,
    }


def agent_to_domain(row: Row) -> Agent:
    """An :class:`Agent` from a row in :data:`AGENT_COLUMNS` order (jsonb already decoded)."""
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
    return Agent(
        id=AgentId(id_),
        organization_id=OrganizationId(organization_id),
        email=email,
        agent_type=AgentType(agent_type),
        version=version,
        capabilities=tuple(capabilities),
        owner=owner,
        deployment_env=DeploymentEnv(deployment_env),
        scopes=frozenset(scopes),
        status=AgentStatus(status),
        created_at=utc(created_at),
        updated_at=utc(updated_at),
        metadata=metadata,
        revision=revision,
    )


# --- credentials --------------------------------------------------------------------------

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


def credential_params(credential: Credential) -> Params:
    """Named parameters of a credential row."""
    return {
        "id": credential.id,
        "agent_id": credential.agent_id,
        "organization_id": credential.organization_id,
        "secret_hash": credential.secret_hash,
        "status": credential.status.value,
        "created_at": aware(credential.created_at),
        "expires_at": optional_aware(credential.expires_at),
        "revoked_at": optional_aware(credential.revoked_at),
        "rotated_at": optional_aware(credential.rotated_at),
        "revision": credential.revision,
    }


def credential_to_domain(row: Row) -> Credential:
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
    return Credential(
        id=CredentialId(id_),
        agent_id=AgentId(agent_id),
        organization_id=OrganizationId(organization_id),
        secret_hash=secret_hash,
        status=CredentialStatus(status),
        created_at=utc(created_at),
        expires_at=optional_utc(expires_at),
        revoked_at=optional_utc(revoked_at),
        rotated_at=optional_utc(rotated_at),
        revision=revision,
    )


# --- audit_events -------------------------------------------------------------------------

#: Stored columns except ``seq``, which the identity column assigns in chain order.
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
AUDIT_CASTS: Final = {"metadata": "json"}


def audit_params(stored: ChainedAuditEvent) -> Params:
    """Named parameters of an audit row."""
    event = stored.event
    return {
        "id": event.id,
        "occurred_at": aware(event.occurred_at),
        "organization_id": event.organization_id,
        "actor_id": event.actor_id,
        "agent_id": event.agent_id,
        "action": event.action.value,
        "outcome": event.outcome.value,
        "ip_address": event.ip_address,
        "user_agent": event.user_agent,
        "metadata": encode_verbatim_json(event.metadata),
        "previous_hash": stored.previous_hash,
        "hash": stored.hash,
    }


def audit_to_domain(row: Row) -> ChainedAuditEvent:
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
        occurred_at=utc(occurred_at),
        organization_id=None if organization_id is None else OrganizationId(organization_id),
        actor_id=actor_id,
        agent_id=agent_id,
        action=AuditAction(action),
        outcome=Outcome(outcome),
        ip_address=ip_address,
        user_agent=user_agent,
        metadata=metadata,
    )
    return ChainedAuditEvent(event=event, previous_hash=previous_hash, hash=hash_)
