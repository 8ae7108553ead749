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
        return self.subject is None

    @property
    def is_platform_admin(self) -> bool:
        """True for a deployment-level administrator (scope ``admin:platform``), who manages
        organizations other than its own."""
        return ADMIN_PLATFORM in self.scopes

    @property
    def actor(self) -> str:
        """How audit events name this caller."""
        return self.subject if self.subject is not None else "operator"

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
