"""Wire schemas: msgspec Structs for every JSON body the HTTP API reads or writes.

Field names on the wire are camelCase for the registry, credential and audit resources (the
seed's spec) and snake_case for the OAuth/OIDC documents (their RFCs). Conversions from the
domain are explicit, one ``from_domain`` per output type; nothing here is persisted.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from agentidp.application.use_cases.agents import AgentPage
from agentidp.application.use_cases.audit import AuditPage
from agentidp.application.use_cases.credentials import CredentialView, IssuedSecret
from agentidp.domain.agent import (
    _CAPABILITY,
    _EMAIL,
    _SEMVER,
    Agent,
    AgentStatus,
    AgentType,
    DeploymentEnv,
)
from agentidp.domain.audit import ChainedAuditEvent
from agentidp.domain.credential import CredentialStatus

# NOTE: the patterns are the domain's own rules, published in the OpenAPI document so that a
# schema-valid request is a domain-valid one (the domain still checks; this is the contract).
Email = Annotated[
    str, Meta(max_length=254, pattern=_EMAIL.pattern, examples=["agent-001@agents.example"])
]
SemVer = Annotated[str, Meta(max_length=64, pattern=_SEMVER.pattern, examples=["1.0.0"])]
Capability = Annotated[str, Meta(pattern=_CAPABILITY.pattern, examples=["documents:read"])]
Capabilities = Annotated[list[Capability], Meta(max_length=64)]
Owner = Annotated[str, Meta(max_length=256, pattern=r"\S", examples=["team-ml"])]
ScopeName = Annotated[str, Meta(min_length=1, max_length=64, examples=["agents:read"])]
Scopes = Annotated[list[ScopeName], Meta(max_length=16)]
#: ISO 8601 with an explicit offset: a naive time would be ambiguous (and not comparable).
AwareDateTime = Annotated[datetime, Meta(tz=True)]


#: A field a client may not change: documented ``readOnly``, rejected with 400 when sent.
Immutable = Annotated[
    Any,
    Meta(
        extra_json_schema={
            "description": "Immutable: sending it is a 400.",
            "extra": {"readOnly": True},
        }
    ),
]


class _Camel(Struct, rename="camel", kw_only=True):
    """Base of the camelCase resource schemas."""


# --- Errors -------------------------------------------------------------------------------


class ErrorOut(Struct, kw_only=True):
    """The error envelope of every non-OAuth endpoint: ``{code, message, details}``."""

    code: str
    message: str
    details: dict[str, Any] = msgspec.field(default_factory=dict)


class OAuthErrorOut(Struct, kw_only=True):
    """RFC 6749 §5.2 error response of the token, introspection and revocation endpoints."""

    error: str
    error_description: str


# --- Agents -------------------------------------------------------------------------------


class AgentIn(_Camel):
    """Registration request. An ``organizationId`` in the body is ignored: the organization
    always comes from the caller's token."""

    email: Email
    agent_type: AgentType
    version: SemVer
    capabilities: Capabilities
    owner: Owner
    deployment_env: DeploymentEnv
    scopes: Scopes | None = None
    metadata: dict[str, Any] = msgspec.field(default_factory=dict)


class AgentUpdateIn(_Camel, forbid_unknown_fields=True):
    """Partial update; only the fields present change. ``status`` runs the lifecycle step
    (suspend, reactivate, decommission). ``agentId``, ``email``, ``organizationId`` and
    ``createdAt`` are immutable: naming them is a 400 ``VALIDATION_ERROR``."""

    agent_type: AgentType | UnsetType = UNSET
    version: SemVer | UnsetType = UNSET
    capabilities: Capabilities | UnsetType = UNSET
    owner: Owner | UnsetType = UNSET
    deployment_env: DeploymentEnv | UnsetType = UNSET
    scopes: Scopes | UnsetType = UNSET
    metadata: dict[str, Any] | UnsetType = UNSET
    status: AgentStatus | UnsetType = UNSET
    agent_id: Immutable = UNSET
    email: Immutable = UNSET
    organization_id: Immutable = UNSET
    created_at: Immutable = UNSET

    #: Wire names of the immutable fields, in the order they are reported.
    IMMUTABLE = ("agentId", "email", "organizationId", "createdAt")
    #: Wire attribute → domain field for the mutable fields.
    MUTABLE = {
        "agent_type": "agent_type",
        "version": "version",
        "capabilities": "capabilities",
        "owner": "owner",
        "deployment_env": "deployment_env",
        "scopes": "scopes",
        "metadata": "metadata",
        "status": "status",
    }

    def immutable_fields(self) -> list[str]:
        """Wire names of the immutable fields this request tries to set."""
        values = (self.agent_id, self.email, self.organization_id, self.created_at)
        pairs = zip(self.IMMUTABLE, values, strict=True)
        return [name for name, value in pairs if value is not UNSET]

    def changes(self) -> dict[str, Any]:
        """The fields present in the request, keyed by their domain names."""
        result: dict[str, Any] = {}
        for attribute, domain_name in self.MUTABLE.items():
            value = getattr(self, attribute)
            if value is not UNSET:
                result[domain_name] = value.value if attribute == "status" else value
        return result


class AgentOut(_Camel):
    """An agent as the API shows it."""

    agent_id: str
    organization_id: str
    email: str
    agent_type: str
    version: str
    capabilities: list[str]
    owner: str
    deployment_env: str
    status: str
    scopes: list[str]
    metadata: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_domain(cls, agent: Agent) -> AgentOut:
        """The wire form of ``agent``."""
        return cls(
            agent_id=agent.id,
            organization_id=agent.organization_id,
            email=agent.email,
            agent_type=agent.agent_type.value,
            version=agent.version,
            capabilities=list(agent.capabilities),
            owner=agent.owner,
            deployment_env=agent.deployment_env.value,
            status=agent.status.value,
            scopes=sorted(agent.scopes),
            metadata=dict(agent.metadata),
            created_at=agent.created_at,
            updated_at=agent.updated_at,
        )


class AgentPageOut(Struct, kw_only=True):
    """One page of agents: ``{data, total, page, limit}``."""

    data: list[AgentOut]
    total: int
    page: int
    limit: int

    @classmethod
    def from_domain(cls, page: AgentPage) -> AgentPageOut:
        """The wire form of a page of agents."""
        return cls(
            data=[AgentOut.from_domain(agent) for agent in page.items],
            total=page.total,
            page=page.page,
            limit=page.limit,
        )


# --- Credentials --------------------------------------------------------------------------


class CredentialIn(_Camel):
    """Generate or rotate request: an optional expiry (ISO 8601 with offset, in the future)."""

    expires_at: AwareDateTime | None = None


class CredentialOut(_Camel):
    """A credential's metadata. The secret and its hash are never shown here."""

    credential_id: str
    client_id: str
    status: CredentialStatus
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    rotated_at: datetime | None

    @classmethod
    def from_domain(cls, credential: CredentialView) -> CredentialOut:
        """The wire form of ``credential`` (without secret material)."""
        return cls(
            credential_id=credential.id,
            client_id=credential.client_id,
            status=credential.status,
            created_at=credential.created_at,
            expires_at=credential.expires_at,
            revoked_at=credential.revoked_at,
            rotated_at=credential.rotated_at,
        )


class CredentialSecretOut(CredentialOut):
    """A credential with its client secret: returned once, on generation and rotation."""

    client_secret: str

    @classmethod
    def from_issued(cls, issued: IssuedSecret) -> CredentialSecretOut:
        """The wire form of a freshly generated or rotated credential."""
        base = CredentialOut.from_domain(issued.credential)
        return cls(**msgspec.structs.asdict(base), client_secret=issued.client_secret)


# --- Audit --------------------------------------------------------------------------------


class AuditEventOut(_Camel):
    """One audit event with its hash-chain link."""

    event_id: str
    organization_id: str | None
    agent_id: str | None
    actor_id: str | None
    action: str
    outcome: str
    ip_address: str | None
    user_agent: str | None
    metadata: dict[str, Any]
    timestamp: datetime
    previous_hash: str
    hash: str

    @classmethod
    def from_domain(cls, stored: ChainedAuditEvent) -> AuditEventOut:
        """The wire form of a stored event."""
        event = stored.event
        return cls(
            event_id=event.id,
            organization_id=event.organization_id,
            agent_id=event.agent_id,
            actor_id=event.actor_id,
            action=event.action.value,
            outcome=event.outcome.value,
            ip_address=event.ip_address,
            user_agent=event.user_agent,
            metadata=dict(event.metadata),
            timestamp=event.occurred_at,
            previous_hash=stored.previous_hash,
            hash=stored.hash,
        )


class AuditPageOut(Struct, kw_only=True):
    """One page of audit events: ``{data, total, page, limit}``."""

    data: list[AuditEventOut]
    total: int
    page: int
    limit: int

    @classmethod
    def from_domain(cls, page: AuditPage) -> AuditPageOut:
        """The wire form of a page of events."""
        return cls(
            data=[AuditEventOut.from_domain(event) for event in page.items],
            total=page.total,
            page=page.page,
            limit=page.limit,
        )


class ChainVerificationOut(_Camel):
    """Result of a hash-chain verification (200 even when the chain is broken)."""

    verified: bool
    checked_count: int
    broken_at_event_id: str | None
    #: Hash of the newest verified event: record it elsewhere and pass it back as
    #: ``expectedHead`` to detect truncation of the log's tail.
    head_hash: str | None
    from_date: datetime | UnsetType = UNSET
    to_date: datetime | UnsetType = UNSET


# --- OAuth 2.0 / OIDC ---------------------------------------------------------------------


class TokenOut(Struct, kw_only=True):
    """RFC 6749 §5.1 access token response."""

    access_token: str
    token_type: str
    expires_in: int
    scope: str


class IntrospectionOut(Struct, kw_only=True):
    """RFC 7662 §2.2 introspection response; only ``active`` when the token is not active."""

    active: bool
    token_type: str | UnsetType = UNSET
    iss: str | UnsetType = UNSET
    sub: str | UnsetType = UNSET
    aud: str | list[str] | UnsetType = UNSET
    client_id: str | UnsetType = UNSET
    scope: str | UnsetType = UNSET
    organization_id: str | UnsetType = UNSET
    jti: str | UnsetType = UNSET
    iat: int | UnsetType = UNSET
    exp: int | UnsetType = UNSET


class DiscoveryOut(Struct, kw_only=True):
    """RFC 8414 / OpenID Connect Discovery 1.0 metadata."""

    issuer: str
    token_endpoint: str
    jwks_uri: str
    introspection_endpoint: str
    revocation_endpoint: str
    userinfo_endpoint: str
    grant_types_supported: list[str]
    token_endpoint_auth_methods_supported: list[str]
    introspection_endpoint_auth_methods_supported: list[str]
    revocation_endpoint_auth_methods_supported: list[str]
    response_types_supported: list[str]
    subject_types_supported: list[str]
    id_token_signing_alg_values_supported: list[str]
    scopes_supported: list[str]
    claims_supported: list[str]


class JwksOut(Struct, kw_only=True):
    """RFC 7517 §5 JSON Web Key Set."""

    keys: list[dict[str, Any]]


class AgentInfoOut(Struct, kw_only=True):
    """The calling agent as its token and registry record describe it (UserInfo analogue)."""

    sub: str
    agent_type: str
    deployment_env: str
    organization_id: str
    scope: str


class DependencyOut(_Camel):
    """One dependency in ``/health/detailed``: ``healthy``, ``degraded`` or ``unreachable``."""

    status: str
    latency_ms: int


class DetailedHealthOut(Struct, kw_only=True):
    """``/health/detailed``: the worst dependency status overall, and each dependency's."""

    status: str
    version: str
    uptime: int
    checks: dict[str, DependencyOut]


class HealthOut(Struct, kw_only=True):
    """Liveness: ``ok`` with 200 when every backing service answers, else ``degraded`` (503)."""

    status: str
    version: str
    uptime: int
    services: dict[str, str]


# --- Tiers --------------------------------------------------------------------------------


class TierLimitsOut(_Camel):
    """A tier's effective limits; ``null`` is unlimited (the enterprise tier)."""

    max_agents: int | None
    max_tokens_per_month: int | None
    rate_limit_per_minute: int | None


class TierUsageOut(_Camel):
    """Live usage: agents not decommissioned, tokens this month, the caller's requests in the
    current one-minute window."""

    agents_registered: int
    tokens_this_month: int
    requests_this_minute: int


class TierStatusOut(_Camel):
    """``GET /api/v1/tiers/status`` (tiers.yaml ``TierStatus``)."""

    organization_id: str
    tier: str
    limits: TierLimitsOut
    usage: TierUsageOut
    billing_period_start: date
    billing_period_end: date
