"""Domain values → plain dicts for output. Field names follow the HTTP API's JSON (camelCase),
so ``--json`` output and API responses can be processed by the same scripts.

SECURITY: credential views never include ``secret_hash``; secrets appear only in the results
of generate/rotate/bootstrap, and only through :func:`issued_secret`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from agentidp.application.use_cases.audit import AuditChainReport
from agentidp.application.use_cases.credentials import CredentialView, IssuedSecret
from agentidp.application.use_cases.tokens import IssuedToken
from agentidp.domain.agent import Agent
from agentidp.domain.audit import ChainedAuditEvent
from agentidp.domain.organization import Organization


def instant(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``, or ``None``."""
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def agent(value: Agent) -> dict[str, Any]:
    """An agent as the API shows it."""
    return {
        "agentId": value.id,
        "organizationId": value.organization_id,
        "email": value.email,
        "agentType": value.agent_type.value,
        "version": value.version,
        "capabilities": list(value.capabilities),
        "owner": value.owner,
        "deploymentEnv": value.deployment_env.value,
        "scopes": sorted(value.scopes),
        "status": value.status.value,
        "metadata": dict(value.metadata),
        "createdAt": instant(value.created_at),
        "updatedAt": instant(value.updated_at),
    }


def credential(value: CredentialView) -> dict[str, Any]:
    """Credential metadata; never the secret or its hash."""
    return {
        "credentialId": value.id,
        "clientId": value.client_id,
        "status": value.status.value,
        "createdAt": instant(value.created_at),
        "expiresAt": instant(value.expires_at),
        "rotatedAt": instant(value.rotated_at),
        "revokedAt": instant(value.revoked_at),
    }


def issued_secret(value: IssuedSecret) -> dict[str, Any]:
    """A credential together with its one-time client secret."""
    return {**credential(value.credential), "clientSecret": value.client_secret}


def organization(value: Organization) -> dict[str, Any]:
    """An organization."""
    return {
        "organizationId": value.id,
        "slug": value.slug,
        "name": value.name,
        "status": value.status.value,
        "createdAt": instant(value.created_at),
    }


def token(value: IssuedToken) -> dict[str, Any]:
    """An RFC 6749 §5.1 token response (snake_case, as the RFC spells it)."""
    return {
        "access_token": value.access_token,
        "token_type": value.token_type,
        "expires_in": value.expires_in,
        "scope": value.scope,
    }


def audit_event(value: ChainedAuditEvent) -> dict[str, Any]:
    """A stored audit event with its chain links."""
    event = value.event
    return {
        "eventId": event.id,
        "timestamp": instant(event.occurred_at),
        "organizationId": event.organization_id,
        "actorId": event.actor_id,
        "agentId": event.agent_id,
        "action": event.action.value,
        "outcome": event.outcome.value,
        "ipAddress": event.ip_address,
        "userAgent": event.user_agent,
        "metadata": dict(event.metadata),
        "previousHash": value.previous_hash,
        "hash": value.hash,
    }


def verification(value: AuditChainReport) -> dict[str, Any]:
    """The result of ``audit verify``, as ``GET /api/v1/audit/verify`` answers it."""
    return {
        "verified": value.verified,
        "checkedCount": value.checked_count,
        "brokenAtEventId": value.broken_at,
        "headHash": value.head_hash,
    }
