"""The authenticated caller of a use case, and the checks every use case makes on it."""

from __future__ import annotations

from dataclasses import dataclass

from agentidp.domain.ids import AgentId, OrganizationId, TokenId
from agentidp.domain.scopes import (
    ADMIN_ORGS,
    ADMIN_PLATFORM,
    KNOWN_SCOPES,
    OPERATOR_ONLY_SCOPES,
    grantable,
)

from .errors import InsufficientScope, NotResourceOwner, OperatorOnlyScope, TenantMismatch

#: The organization id of :meth:`Principal.deployment_operator`: never a real tenant's id.
DEPLOYMENT = OrganizationId("*")


@dataclass(frozen=True, slots=True)
class BootstrapGrant:
    """What a bootstrap token (docs/oidc-github.md) lets its holder do: register one agent
    under the bootstrap trust policy ``trust_policy_id``, until ``expires_at`` (unix time)."""

    trust_policy_id: str
    expires_at: int


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: an agent holding a verified access token, or the local operator.

    ``organization_id`` always comes from the verified token (or the operator's explicit
    choice in the CLI), never from request bodies or query strings.
    """

    subject: AgentId | None
    organization_id: OrganizationId
    scopes: frozenset[str]
    token_id: TokenId | None = None
    #: The caller's membership roles in its organization (``member``, ``admin``), looked up
    #: when the token is authenticated; empty for the operator and for non-members.
    roles: frozenset[str] = frozenset()
    #: A delegated token's actors (RFC 8693 ``act``), the agent actually calling first; the
    #: ``subject`` is then the delegator on whose behalf they act. Empty: not delegated.
    actors: tuple[AgentId, ...] = ()
    #: The delegation link behind a delegated token (its chain was checked active).
    delegation_id: str | None = None
    #: Set only for a bootstrap token's holder: no agent, not the operator; the policies allow
    #: it on ``POST /api/v1/agents`` alone, and that registration uses the token up.
    bootstrap: BootstrapGrant | None = None

    @classmethod
    def operator(cls, organization_id: OrganizationId) -> Principal:
        """The local operator (CLI, embedding code) acting on one organization with every scope."""
        return cls(subject=None, organization_id=organization_id, scopes=frozenset(KNOWN_SCOPES))

    @classmethod
    def deployment_operator(cls) -> Principal:
        """The local operator acting on the deployment as a whole (e.g. verifying the audit
        chain across every organization). Its organization matches no tenant, so any
        tenant-scoped operation fails closed for it."""
        return cls(subject=None, organization_id=DEPLOYMENT, scopes=frozenset(KNOWN_SCOPES))

    @property
    def is_operator(self) -> bool:
        """True for the local operator (CLI, embedding code), who is not an agent."""
        return self.subject is None and self.bootstrap is None

    @property
    def is_platform_admin(self) -> bool:
        """True for a deployment-level administrator (scope ``admin:platform``), who manages
        organizations other than its own."""
        return ADMIN_PLATFORM in self.scopes

    @property
    def actor(self) -> str:
        """How audit events name this caller; a delegated caller names both the agent acting
        and the one it acts for (``<actor> for <subject>``)."""
        if self.bootstrap is not None:
            return f"bootstrap:{self.bootstrap.trust_policy_id}"
        if self.subject is None:
            return "operator"
        return f"{self.actors[0]} for {self.subject}" if self.actors else self.subject

    @property
    def acting_agent(self) -> AgentId | None:
        """The agent actually calling: the current actor of a delegated token, else the
        subject (``None`` for the operator)."""
        return self.actors[0] if self.actors else self.subject

    def require_scope(self, scope: str) -> None:
        """Raises:
        InsufficientScope: the caller's token lacks ``scope``.
        """
        if scope not in self.scopes:
            raise InsufficientScope(required=scope)

    def require_tenant(self, organization_id: str) -> None:
        """Raises:
        TenantMismatch: the resource belongs to another organization.
        """
        if organization_id != self.organization_id:
            raise TenantMismatch()

    def grant(self, requested: frozenset[str]) -> frozenset[str]:
        """``requested``, if this caller may hand it to an agent through the API.

        SECURITY: privilege escalation: nobody grants a scope they do not hold, and no API
        caller (a platform administrator included) grants an operator-only scope: those come
        from the local operator only (``agentidp bootstrap --platform-admin``).

        Raises:
            OperatorOnlyScope: ``requested`` holds an operator-only scope.
            ScopeNotGranted: ``requested`` holds a scope this caller lacks.
        """
        reserved = requested & OPERATOR_ONLY_SCOPES
        if reserved:
            raise OperatorOnlyScope(scopes=sorted(reserved))
        return grantable(requested, self.scopes)

    def require_self_or_admin(self, agent_id: str) -> None:
        """Raises:
        NotResourceOwner: the caller is neither ``agent_id`` nor holds ``admin:orgs``.
        """
        if self.subject != agent_id and ADMIN_ORGS not in self.scopes:
            raise NotResourceOwner()
