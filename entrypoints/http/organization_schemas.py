"""Wire schemas of ``/api/v1/organizations`` (organizations.yaml of the seed): camelCase
msgspec Structs, one ``from_domain`` per output type.

Kept beside :mod:`.schemas` rather than in it so the organization resource reads as one unit.
Slug, name, tier, limit and role rules are the domain's (their messages are the spec's, e.g.
"slug must contain only lowercase letters, digits, and hyphens."); the schemas only fix types
and the largest number a limit column holds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from msgspec import UNSET, Meta, Struct, UnsetType

from agentidp.application.use_cases.organizations import Bootstrapped, OrganizationPage
from agentidp.application.use_cases.organizations_members import MemberPage
from agentidp.domain.membership import Membership
from agentidp.domain.organization import Organization
from agentidp.domain.tiers import PlanTier

from .schemas import AgentOut, Email, Immutable, Owner

#: A per-organization limit override: at least 1 (checked by the domain with the spec's
#: message), at most what a 32-bit integer column holds.
Limit = Annotated[int, Meta(le=2_147_483_647, examples=[500])]
Name = Annotated[str, Meta(max_length=1024, examples=["Acme Corp"])]
Slug = Annotated[str, Meta(max_length=256, examples=["acme-corp"])]


class _Camel(Struct, rename="camel", kw_only=True):
    """Base of the camelCase organization schemas."""


class OrganizationIn(_Camel, forbid_unknown_fields=True):
    """Create request. ``slug`` is unique across the deployment and immutable afterwards."""

    name: Name
    slug: Slug
    plan_tier: PlanTier = PlanTier.FREE
    max_agents: Limit | None = None
    max_tokens_per_month: Limit | None = None


class OrganizationUpdateIn(_Camel, forbid_unknown_fields=True):
    """Partial update (at least one field). ``status`` is ``active`` or ``suspended`` only
    (``deleted`` is the DELETE operation). ``slug`` and ``organizationId`` are immutable:
    naming them is a 400 ``VALIDATION_ERROR``."""

    name: Name | UnsetType = UNSET
    plan_tier: PlanTier | UnsetType = UNSET
    max_agents: Limit | UnsetType = UNSET
    max_tokens_per_month: Limit | UnsetType = UNSET
    status: str | UnsetType = UNSET
    slug: Immutable = UNSET
    organization_id: Immutable = UNSET

    def immutable_fields(self) -> list[str]:
        """Wire names of the immutable fields this request tries to set."""
        pairs = (("slug", self.slug), ("organizationId", self.organization_id))
        return [name for name, value in pairs if value is not UNSET]

    def changes(self) -> dict[str, Any]:
        """The fields present in the request, keyed by their domain names."""
        present = {
            "name": self.name,
            "plan_tier": self.plan_tier,
            "max_agents": self.max_agents,
            "max_tokens_per_month": self.max_tokens_per_month,
            "status": self.status,
        }
        return {field: value for field, value in present.items() if value is not UNSET}


class OrganizationOut(_Camel):
    """An organization as the API shows it. ``maxAgents``/``maxTokensPerMonth`` are the
    organization's own overrides; ``null`` means the plan tier's limit applies
    (``GET /api/v1/tiers/status`` shows the effective figures)."""

    organization_id: str
    name: str
    slug: str
    plan_tier: str
    max_agents: int | None
    max_tokens_per_month: int | None
    status: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_domain(cls, organization: Organization) -> OrganizationOut:
        """The wire form of ``organization``."""
        return cls(
            organization_id=organization.id,
            name=organization.name,
            slug=organization.slug,
            plan_tier=organization.plan_tier.value,
            max_agents=organization.max_agents,
            max_tokens_per_month=organization.max_tokens_per_month,
            status=organization.status.value,
            created_at=organization.created_at,
            updated_at=organization.updated_at,
        )


class OrganizationPageOut(Struct, kw_only=True):
    """One page of organizations: ``{data, total, page, limit}``."""

    data: list[OrganizationOut]
    total: int
    page: int
    limit: int

    @classmethod
    def from_domain(cls, page: OrganizationPage) -> OrganizationPageOut:
        """The wire form of a page of organizations."""
        return cls(
            data=[OrganizationOut.from_domain(item) for item in page.items],
            total=page.total,
            page=page.page,
            limit=page.limit,
        )


class MemberIn(_Camel, forbid_unknown_fields=True):
    """Add-member request: an agent of the organization and its role (``member``/``admin``)."""

    agent_id: Annotated[str, Meta(max_length=64)]
    role: Annotated[str, Meta(max_length=64, examples=["member"])]


class MemberOut(_Camel):
    """One membership."""

    member_id: str
    organization_id: str
    agent_id: str
    role: str
    joined_at: datetime

    @classmethod
    def from_domain(cls, membership: Membership) -> MemberOut:
        """The wire form of ``membership``."""
        return cls(
            member_id=membership.id,
            organization_id=membership.organization_id,
            agent_id=membership.agent_id,
            role=membership.role.value,
            joined_at=membership.joined_at,
        )


class MemberPageOut(Struct, kw_only=True):
    """One page of memberships: ``{data, total, page, limit}``."""

    data: list[MemberOut]
    total: int
    page: int
    limit: int

    @classmethod
    def from_domain(cls, page: MemberPage) -> MemberPageOut:
        """The wire form of a page of memberships."""
        return cls(
            data=[MemberOut.from_domain(item) for item in page.items],
            total=page.total,
            page=page.page,
            limit=page.limit,
        )


class OrganizationAdminIn(_Camel, forbid_unknown_fields=True):
    """First-administrator request: the new agent's email and owner."""

    email: Email
    owner: Owner = "platform-admin"


class OrganizationAdminOut(_Camel):
    """The new administrator agent and its client credentials. The secret is shown only in
    this response and stored only as a hash."""

    organization_id: str
    agent: AgentOut
    client_id: str
    client_secret: str
    credential_id: str
    member_id: str | None

    @classmethod
    def from_result(cls, result: Bootstrapped) -> OrganizationAdminOut:
        """The wire form of a freshly created administrator."""
        return cls(
            organization_id=result.organization.id,
            agent=AgentOut.from_domain(result.admin),
            client_id=result.admin.id,
            client_secret=result.client_secret,
            credential_id=result.credential.id,
            member_id=None if result.membership is None else result.membership.id,
        )
