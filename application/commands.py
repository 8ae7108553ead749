"""Commands: what a caller asks a use case to do (frozen, validated by the use case)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .principal import Principal


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a request came from, for the audit trail."""

    ip_address: str | None = None
    user_agent: str | None = None


LOCAL = Origin(ip_address=None, user_agent="agentidp-local")


@dataclass(frozen=True, slots=True)
class RegisterAgent:
    """Register a new agent in the caller's organization."""

    principal: Principal
    email: str
    agent_type: str
    version: str
    capabilities: list[str]
    owner: str
    deployment_env: str
    scopes: list[str] | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    origin: Origin = LOCAL


@dataclass(frozen=True, slots=True)
class GetAgent:
    """Read one agent of the caller's organization."""

    principal: Principal
    agent_id: str


@dataclass(frozen=True, slots=True)
class ListAgents:
    """List the caller organization's agents; filters only narrow."""

    principal: Principal
    page: int = 1
    limit: int = 20
    status: str | None = None
    owner: str | None = None
    agent_type: str | None = None


@dataclass(frozen=True, slots=True)
class UpdateAgent:
    """Partially update an agent; a ``status`` change runs the matching lifecycle step."""

    principal: Principal
    agent_id: str
    changes: Mapping[str, Any]
    origin: Origin = LOCAL


@dataclass(frozen=True, slots=True)
class ChangeAgentStatus:
    """Suspend, reactivate or decommission an agent."""

    principal: Principal
    agent_id: str
    origin: Origin = LOCAL


@dataclass(frozen=True, slots=True)
class GenerateCredential:
    """Create a client secret for an agent (shown once in the result)."""

    principal: Principal
    agent_id: str
    expires_at: datetime | None = None
    origin: Origin = LOCAL


@dataclass(frozen=True, slots=True)
class ListCredentials:
    """List an agent's credentials (metadata only, never secrets)."""

    principal: Principal
    agent_id: str
    status: str | None = None


@dataclass(frozen=True, slots=True)
class ChangeCredential:
    """Rotate or revoke one credential of an agent."""

    principal: Principal
    agent_id: str
    credential_id: str
    expires_at: datetime | None = None
    origin: Origin = LOCAL


@dataclass(frozen=True, slots=True)
class IssueToken:
    """OAuth 2.0 client credentials grant (RFC 6749 §4.4)."""

    client_id: str
    client_secret: str = field(repr=False)  # SECURITY: never in logs or tracebacks
    scope: str | None = None
    origin: Origin = LOCAL


@dataclass(frozen=True, slots=True)
class AuthenticateClient:
    """Client authentication for introspection or revocation (RFC 7662 §2.1, RFC 7009 §2.1)."""

    client_id: str
    client_secret: str = field(repr=False)  # SECURITY: never in logs or tracebacks
    purpose: str = "introspection"
    origin: Origin = LOCAL


@dataclass(frozen=True, slots=True)
class IntrospectToken:
    """RFC 7662 token introspection."""

    principal: Principal
    token: str
    origin: Origin = LOCAL


@dataclass(frozen=True, slots=True)
class RevokeToken:
    """RFC 7009 token revocation."""

    principal: Principal
    token: str
    origin: Origin = LOCAL


@dataclass(frozen=True, slots=True)
class QueryAudit:
    """Search the caller organization's audit events inside the retention window."""

    principal: Principal
    agent_id: str | None = None
    action: str | None = None
    outcome: str | None = None
    from_date: datetime | None = None
    to_date: datetime | None = None
    page: int = 1
    limit: int = 20


@dataclass(frozen=True, slots=True)
class GetAuditEvent:
    """Read one audit event of the caller's organization."""

    principal: Principal
    event_id: str


@dataclass(frozen=True, slots=True)
class VerifyAuditChain:
    """Walk the hash chain (optionally a date range) and report the first break."""

    principal: Principal
    from_date: datetime | None = None
    to_date: datetime | None = None
    #: A head hash recorded earlier outside the log; truncation after it is then detected.
    expected_head: str | None = None


@dataclass(frozen=True, slots=True)
class BootstrapOrganization:
    """Operator only: create an organization (if new) and an administrator agent with a secret."""

    slug: str
    name: str
    admin_email: str
    admin_owner: str = "bootstrap"
    #: Also grant ``admin:platform`` (operator-only) to the administrator agent.
    platform_admin: bool = False


@dataclass(frozen=True, slots=True)
class CreateOrganization:
    """Platform administrators: create an organization (tier and limit overrides optional)."""

    principal: Principal
    name: str
    slug: str
    plan_tier: str = "free"
    max_agents: int | None = None
    max_tokens_per_month: int | None = None
    origin: Origin = LOCAL


@dataclass(frozen=True, slots=True)
class ListOrganizations:
    """List the organizations the caller may see, newest first; ``status`` only narrows."""

    principal: Principal
    page: int = 1
    limit: int = 20
    status: str | None = None


@dataclass(frozen=True, slots=True)
class GetOrganization:
    """Read one organization (also one that is deleted)."""

    principal: Principal
    organization_id: str


@dataclass(frozen=True, slots=True)
class UpdateOrganization:
    """Partially update an organization: ``changes`` keyed by domain field name."""

    principal: Principal
    organization_id: str
    changes: Mapping[str, Any]
    origin: Origin = LOCAL


@dataclass(frozen=True, slots=True)
class DeleteOrganization:
    """Soft-delete an organization and suspend every one of its agents."""

    principal: Principal
    organization_id: str
    origin: Origin = LOCAL


@dataclass(frozen=True, slots=True)
class AddMember:
    """Give an agent of the organization a role (``member`` or ``admin``) in it."""

    principal: Principal
    organization_id: str
    agent_id: str
    role: str
    origin: Origin = LOCAL


@dataclass(frozen=True, slots=True)
class ListMembers:
    """List an organization's memberships, oldest first."""

    principal: Principal
    organization_id: str
    page: int = 1
    limit: int = 20


@dataclass(frozen=True, slots=True)
class RemoveMember:
    """Take an agent's membership (and so its role) away."""

    principal: Principal
    organization_id: str
    agent_id: str
    origin: Origin = LOCAL


@dataclass(frozen=True, slots=True)
class CreateOrganizationAdmin:
    """Platform administrators: create an administrator agent (with a secret, shown once) in
    an existing organization, typically its first."""

    principal: Principal
    organization_id: str
    email: str
    owner: str = "platform-admin"
    origin: Origin = LOCAL


@dataclass(frozen=True, slots=True)
class CreateDelegation:
    """Delegate some of the caller's scopes to another agent of its organization.

    ``parent_id`` extends a link the caller is the delegatee of (A → B → C); a caller holding
    a delegated token extends the link behind it.
    """

    principal: Principal
    delegatee_id: str
    scopes: Any
    ttl_seconds: int
    parent_id: str | None = None
    origin: Origin = LOCAL


@dataclass(frozen=True, slots=True)
class VerifyDelegation:
    """Check a delegation token (``<chainId>.<issuedAt>.<expiresAt>``)."""

    principal: Principal
    delegation_token: str
    origin: Origin = LOCAL


@dataclass(frozen=True, slots=True)
class RevokeDelegation:
    """Revoke a delegation link (and so, at once, every link extending it)."""

    principal: Principal
    delegation_id: str
    origin: Origin = LOCAL


@dataclass(frozen=True, slots=True)
class ExchangeDelegatedToken:
    """RFC 8693 delegation: ``subject_token`` (the delegator's access token) and
    ``actor_token`` (the delegatee's) for a delegated token, optionally narrowed to
    ``scope``."""

    subject_token: str = field(repr=False)
    actor_token: str = field(repr=False)
    scope: str | None = None
    origin: Origin = LOCAL


@dataclass(frozen=True, slots=True)
class CreateTrustPolicy:
    """Trust a GitHub repository (optionally one branch, environment, workflow) to act as an
    agent of the caller's organization (docs/oidc-github.md)."""

    principal: Principal
    provider: str
    repository: str
    repository_owner_id: str
    repository_id: str
    agent_id: str | None
    branch: str | None = None
    environment: str | None = None
    workflow: str | None = None
    origin: Origin = LOCAL


@dataclass(frozen=True, slots=True)
class ListTrustPolicies:
    """The caller organization's trust policies, optionally of one agent."""

    principal: Principal
    agent_id: str | None = None


@dataclass(frozen=True, slots=True)
class GetTrustPolicy:
    """One trust policy of the caller's organization."""

    principal: Principal
    policy_id: str


@dataclass(frozen=True, slots=True)
class DeleteTrustPolicy:
    """Delete one trust policy of the caller's organization."""

    principal: Principal
    policy_id: str
    origin: Origin = LOCAL


@dataclass(frozen=True, slots=True)
class ExchangeOidcToken:
    """Exchange a GitHub Actions OIDC token for an access token (``POST /oidc/token`` and the
    RFC 8693 grant). ``token`` is the credential: never logged."""

    provider: str
    token: str = field(repr=False)
    agent_id: str | None = None
    scope: str | None = None
    origin: Origin = LOCAL


@dataclass(frozen=True, slots=True)
class RegisterFederationPartner:
    """Trust an external IdP (platform administrators; docs/federation.md)."""

    principal: Principal
    name: str
    issuer: str
    jwks_uri: str
    allowed_organizations: list[str] = field(default_factory=list)
    expires_at: datetime | None = None
    origin: Origin = LOCAL


@dataclass(frozen=True, slots=True)
class ListFederationPartners:
    """Every federation partner (platform administrators)."""

    principal: Principal


@dataclass(frozen=True, slots=True)
class GetFederationPartner:
    """One federation partner (platform administrators)."""

    principal: Principal
    partner_id: str


@dataclass(frozen=True, slots=True)
class UpdateFederationPartner:
    """Partial update of a federation partner; ``changes`` uses the domain's field names
    (``name``, ``jwks_uri``, ``allowed_organizations``, ``status``, ``expires_at``)."""

    principal: Principal
    partner_id: str
    changes: Mapping[str, Any]
    origin: Origin = LOCAL


@dataclass(frozen=True, slots=True)
class DeleteFederationPartner:
    """Remove a federation partner for good (platform administrators)."""

    principal: Principal
    partner_id: str
    origin: Origin = LOCAL


@dataclass(frozen=True, slots=True)
class VerifyFederatedToken:
    """Verify a token minted by a federation partner (any authenticated caller). ``token`` is
    a credential: never logged."""

    principal: Principal
    token: str = field(repr=False)
    expected_issuer: str | None = None
