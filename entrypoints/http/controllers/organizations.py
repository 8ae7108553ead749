"""Organizations: ``/api/v1/organizations`` (organizations.yaml of the seed).

Every route needs ``admin:orgs``. Who may act on which organization (platform versus tenant
administrators) is the use cases' job (``application/use_cases/organizations_access.py``):
an organization the caller may not see is 404 ``ORG_NOT_FOUND``, like one that does not
exist.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter

from agentidp.application.commands import (
    AddMember,
    CreateOrganization,
    CreateOrganizationAdmin,
    DeleteOrganization,
    GetOrganization,
    ListMembers,
    ListOrganizations,
    Origin,
    RemoveMember,
    UpdateOrganization,
)
from agentidp.application.errors import InvalidRequest
from agentidp.application.principal import Principal
from agentidp.application.use_cases.organizations import (
    CreateOrganizationAdminUseCase,
    CreateOrganizationUseCase,
    DeleteOrganizationUseCase,
    GetOrganizationUseCase,
    ListOrganizationsUseCase,
    UpdateOrganizationUseCase,
)
from agentidp.application.use_cases.organizations_members import (
    AddMemberUseCase,
    ListMembersUseCase,
    RemoveMemberUseCase,
)
from agentidp.domain.organization import OrganizationStatus

from ..dependencies import require_json_body
from ..openapi import AUTHENTICATED, BEARER_SECURITY, WITH_BODY, error_responses
from ..organization_schemas import (
    MemberIn,
    MemberOut,
    MemberPageOut,
    OrganizationAdminIn,
    OrganizationAdminOut,
    OrganizationIn,
    OrganizationOut,
    OrganizationPageOut,
    OrganizationUpdateIn,
)
from .agents import AgentIdPath, PageNumber, PageSize

OrganizationIdPath = Annotated[
    str, PathParameter(description="The organization's id (UUID).", max_length=64)
]
StatusFilter = Annotated[
    OrganizationStatus | None, QueryParameter(description="Only organizations in this status.")
]
_ITEM = "/{org_id:str}"
_MEMBERS = "/{org_id:str}/members"


class OrganizationController(Controller):
    """Create, list, read, update and soft-delete organizations; manage their members and
    give them administrator agents."""

    path = "/api/v1/organizations"
    tags = ["organizations"]
    security = BEARER_SECURITY
    before_request = staticmethod(require_json_body)

    @post(
        "/",
        status_code=201,
        summary="Create an organization (platform administrators)",
        responses=error_responses(*AUTHENTICATED, *WITH_BODY, 409),
    )
    async def create_organization(
        self,
        data: JSONBody[OrganizationIn],
        principal: NamedDependency[Principal],
        origin: NamedDependency[Origin],
        create_organization: NamedDependency[CreateOrganizationUseCase],
    ) -> OrganizationOut:
        """Needs ``admin:orgs`` and ``admin:platform``. 409 ``ORG_SLUG_CONFLICT`` for a taken
        slug."""
        organization = await create_organization(
            CreateOrganization(
                principal=principal,
                name=data.name,
                slug=data.slug,
                plan_tier=data.plan_tier.value,
                max_agents=data.max_agents,
                max_tokens_per_month=data.max_tokens_per_month,
                origin=origin,
            )
        )
        return OrganizationOut.from_domain(organization)

    @get(
        "/",
        summary="List organizations, newest first",
        responses=error_responses(*AUTHENTICATED),
    )
    async def list_organizations(
        self,
        principal: NamedDependency[Principal],
        list_organizations: NamedDependency[ListOrganizationsUseCase],
        page: PageNumber = 1,
        limit: PageSize = 20,
        status: StatusFilter = None,
    ) -> OrganizationPageOut:
        """Needs ``admin:orgs``. A platform administrator sees every organization, a tenant
        administrator only its own."""
        result = await list_organizations(
            ListOrganizations(principal, page, limit, status.value if status else None)
        )
        return OrganizationPageOut.from_domain(result)

    @get(_ITEM, summary="Read an organization", responses=error_responses(*AUTHENTICATED, 404))
    async def get_organization(
        self,
        org_id: OrganizationIdPath,
        principal: NamedDependency[Principal],
        get_organization: NamedDependency[GetOrganizationUseCase],
    ) -> OrganizationOut:
        """Needs ``admin:orgs``. A deleted organization is still readable (status
        ``deleted``)."""
        return OrganizationOut.from_domain(
            await get_organization(GetOrganization(principal, org_id))
        )

    @patch(
        _ITEM,
        summary="Partially update an organization",
        responses=error_responses(*AUTHENTICATED, *WITH_BODY, 404, 409),
    )
    async def update_organization(
        self,
        org_id: OrganizationIdPath,
        data: JSONBody[OrganizationUpdateIn],
        principal: NamedDependency[Principal],
        origin: NamedDependency[Origin],
        update_organization: NamedDependency[UpdateOrganizationUseCase],
    ) -> OrganizationOut:
        """Needs ``admin:orgs``. Tenant administrators may change ``name`` only. ``slug`` and
        ``organizationId`` are immutable (400); a deleted organization is 409
        ``ORG_ALREADY_DELETED``."""
        immutable = data.immutable_fields()
        if immutable:
            raise InvalidRequest(
                f"{immutable[0]} is immutable.", field=immutable[0], reason="immutable"
            )
        organization = await update_organization(
            UpdateOrganization(principal, org_id, data.changes(), origin)
        )
        return OrganizationOut.from_domain(organization)

    @delete(
        _ITEM,
        status_code=204,
        summary="Soft-delete an organization (one-way; suspends all its agents)",
        responses=error_responses(*AUTHENTICATED, 404, 409),
    )
    async def delete_organization(
        self,
        org_id: OrganizationIdPath,
        principal: NamedDependency[Principal],
        origin: NamedDependency[Origin],
        delete_organization: NamedDependency[DeleteOrganizationUseCase],
    ) -> None:
        """Needs ``admin:orgs`` and ``admin:platform``. Again: 409 ``ORG_ALREADY_DELETED``."""
        await delete_organization(DeleteOrganization(principal, org_id, origin))

    @post(
        _MEMBERS,
        status_code=201,
        summary="Add an agent of the organization as a member",
        responses=error_responses(*AUTHENTICATED, *WITH_BODY, 404, 409),
    )
    async def add_member(
        self,
        org_id: OrganizationIdPath,
        data: JSONBody[MemberIn],
        principal: NamedDependency[Principal],
        origin: NamedDependency[Origin],
        add_member: NamedDependency[AddMemberUseCase],
    ) -> MemberOut:
        """Needs ``admin:orgs``. ``role`` is ``member`` or ``admin``; an agent of another
        organization is 404 ``AGENT_NOT_FOUND``; a second membership 409
        ``ALREADY_MEMBER``."""
        membership = await add_member(
            AddMember(principal, org_id, data.agent_id, data.role, origin)
        )
        return MemberOut.from_domain(membership)

    @get(
        _MEMBERS,
        summary="List an organization's members, oldest first",
        responses=error_responses(*AUTHENTICATED, 404),
    )
    async def list_members(
        self,
        org_id: OrganizationIdPath,
        principal: NamedDependency[Principal],
        list_members: NamedDependency[ListMembersUseCase],
        page: PageNumber = 1,
        limit: PageSize = 20,
    ) -> MemberPageOut:
        """Needs ``admin:orgs``."""
        return MemberPageOut.from_domain(
            await list_members(ListMembers(principal, org_id, page, limit))
        )

    @delete(
        _MEMBERS + "/{agent_id:str}",
        status_code=204,
        summary="Remove an agent's membership (the agent stays)",
        responses=error_responses(*AUTHENTICATED, 404, 409),
    )
    async def remove_member(
        self,
        org_id: OrganizationIdPath,
        agent_id: AgentIdPath,
        principal: NamedDependency[Principal],
        origin: NamedDependency[Origin],
        remove_member: NamedDependency[RemoveMemberUseCase],
    ) -> None:
        """Needs ``admin:orgs``. Not a member: 404 ``MEMBER_NOT_FOUND``."""
        await remove_member(RemoveMember(principal, org_id, agent_id, origin))

    @post(
        "/{org_id:str}/agents",
        status_code=201,
        summary="Create an administrator agent of the organization (secret shown once)",
        responses=error_responses(*AUTHENTICATED, *WITH_BODY, 404, 409),
    )
    async def create_organization_admin(
        self,
        org_id: OrganizationIdPath,
        data: JSONBody[OrganizationAdminIn],
        principal: NamedDependency[Principal],
        origin: NamedDependency[Origin],
        create_organization_admin: NamedDependency[CreateOrganizationAdminUseCase],
    ) -> OrganizationAdminOut:
        """Needs ``admin:orgs`` and ``admin:platform``. The agent holds every scope but the
        operator-only ones and is an ``admin`` member; its client secret is in this
        response only."""
        result = await create_organization_admin(
            CreateOrganizationAdmin(principal, org_id, data.email, data.owner, origin)
        )
        return OrganizationAdminOut.from_result(result)
