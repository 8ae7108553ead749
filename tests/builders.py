"""Builders for domain objects with sensible defaults: ``make_agent(owner="ops")`` and so on.

Every builder goes through the domain's own factory (``Agent.register``, ``Credential.issue``
...), so a built object always satisfies the invariants; keyword overrides replace the
defaults. Ids default to fresh random UUIDs (:func:`random_id`) so tests that share a real
database never collide; times default to the fixed instant :data:`NOW`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from agentidp.domain.agent import Agent, AgentStatus
from agentidp.domain.audit import AuditAction, AuditEvent, Outcome
from agentidp.domain.credential import Credential, CredentialStatus
from agentidp.domain.ids import AgentId, AuditEventId, CredentialId, OrganizationId, TokenId
from agentidp.domain.organization import Organization
from agentidp.domain.scopes import AGENTS_READ, TOKENS_READ
from agentidp.domain.token import AccessTokenClaims

#: The default "now" of every builder: fixed, timezone-aware, UTC.
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
ISSUER = "https://idp.example"
AUDIENCE = "https://api.example"


def random_id() -> str:
    """A fresh canonical UUID string (cosmicpython's ``random_ref``)."""
    return str(uuid.uuid4())


def random_slug(prefix: str = "org") -> str:
    """A slug that is unique per call and valid for :meth:`Organization.create`."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def make_organization(**overrides: Any) -> Organization:
    """An active organization."""
    fields: dict[str, Any] = {
        "id": OrganizationId(random_id()),
        "slug": random_slug(),
        "name": "Example Org",
        "now": NOW,
    }
    fields.update(overrides)
    return Organization.create(**fields)


def make_agent(*, status: AgentStatus = AgentStatus.ACTIVE, **overrides: Any) -> Agent:
    """A registered agent, then taken to ``status`` through its lifecycle methods at ``now``."""
    agent_id = overrides.pop("id", None) or AgentId(random_id())
    fields: dict[str, Any] = {
        "id": agent_id,
        "organization_id": OrganizationId(random_id()),
        "email": f"agent-{agent_id[:8]}@agents.example",
        "agent_type": "classifier",
        "version": "1.0.0",
        "capabilities": ["documents:read"],
        "owner": "platform-team",
        "deployment_env": "production",
        "scopes": frozenset({AGENTS_READ}),
        "now": NOW,
        "metadata": {},
    }
    fields.update(overrides)
    agent = Agent.register(**fields)
    if status is AgentStatus.SUSPENDED:
        agent.suspend(now=fields["now"])
    elif status is AgentStatus.DECOMMISSIONED:
        agent.decommission(now=fields["now"])
    return agent


def make_credential(
    *,
    agent: Agent | None = None,
    status: CredentialStatus = CredentialStatus.ACTIVE,
    **overrides: Any,
) -> Credential:
    """A credential of ``agent`` (a fresh active agent by default), revoked if ``status`` says so.

    ``expires_at`` defaults to 90 days after ``now``; pass ``expires_at=None`` for no expiry.
    """
    owner = agent if agent is not None else make_agent()
    now = overrides.get("now", NOW)
    fields: dict[str, Any] = {
        "id": CredentialId(random_id()),
        "agent_id": owner.id,
        "organization_id": owner.organization_id,
        "agent_active": owner.is_active,
        "agent_status": owner.status.value,
        "secret_hash": f"$argon2id$v=19$fake${uuid.uuid4().hex}",
        "now": now,
        "expires_at": now + timedelta(days=90),
    }
    fields.update(overrides)
    credential = Credential.issue(**fields)
    if status is CredentialStatus.REVOKED:
        credential.revoke(now=now)
    return credential


def make_claims(**overrides: Any) -> AccessTokenClaims:
    """Access-token claims minted by :meth:`AccessTokenClaims.issue` (issuer :data:`ISSUER`,
    audience :data:`AUDIENCE`)."""
    fields: dict[str, Any] = {
        "issuer": ISSUER,
        "audience": AUDIENCE,
        "agent_id": AgentId(random_id()),
        "organization_id": OrganizationId(random_id()),
        "scope": frozenset({AGENTS_READ, TOKENS_READ}),
        "jti": TokenId(random_id()),
        "now": NOW,
    }
    fields.update(overrides)
    return AccessTokenClaims.issue(**fields)


def make_audit_event(**overrides: Any) -> AuditEvent:
    """A successful ``agent.created`` event at :data:`NOW`."""
    fields: dict[str, Any] = {
        "id": AuditEventId(random_id()),
        "occurred_at": NOW,
        "organization_id": OrganizationId(random_id()),
        "actor_id": random_id(),
        "agent_id": random_id(),
        "action": AuditAction.AGENT_CREATED,
        "outcome": Outcome.SUCCESS,
        "ip_address": "192.0.2.1",
        "user_agent": "agentidp-tests/1.0",
        "metadata": {},
    }
    fields.update(overrides)
    return AuditEvent(**fields)
