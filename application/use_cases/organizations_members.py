"""Membership use cases: give an agent of an organization a role, list and remove them.

Platform administrators manage any organization's members, tenant administrators their own
organization's (:mod:`.organizations_access`). A member must be an agent *of that
organization*: memberships never reach across tenants.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agentidp.domain.audit import AuditAction
from agentidp.domain.ids import AgentId, is_uuid
from agentidp.domain.membership import Membership, MembershipId, member_role
from agentidp.domain.scopes import ADMIN_ORGS

from ..commands import AddMember, ListMembers, RemoveMember
from ..errors import AgentNotFound, AlreadyMember, MemberNotFound
from ..ports.repositories import Page
from .organizations_access import OrganizationUseCase, check_page, visible_organization


@dataclass(frozen=True, slots=True)
class MemberPage:
    """One page of memberships and the total number of them."""

    items: Sequence[Membership]
    total: int
    page: int
    limit: int


class AddMemberUseCase(OrganizationUseCase):
    """Give one of the organization's agents a role in it."""

    async def __call__(self, cmd: AddMember) -> Membership:
        """Raises: InsufficientScope, InvalidValue (role), OrganizationNotFound,
        OrganizationDeleted, AgentNotFound (no such agent in this organization),
        AlreadyMember."""
        cmd.principal.require_scope(ADMIN_ORGS)
        role = member_role(cmd.role)
        async with self._uow() as uow:
            organization = await visible_organization(uow, cmd.principal, cmd.organization_id)
            organization.ensure_not_deleted()
            agent = await uow.agents.get(AgentId(cmd.agent_id)) if is_uuid(cmd.agent_id) else None
            # SECURITY: another organization's agent is "not found" here: it is not ours to
            # name, and saying otherwise would confirm that it exists.
            if agent is None or agent.organization_id != organization.id:
                raise AgentNotFound(agent_id=cmd.agent_id)
            if await uow.memberships.get(organization.id, agent.id) is not None:
                raise AlreadyMember(agent_id=agent.id)
            membership = Membership.create(
                id=MembershipId(self._ids.new_id()),
                organization_id=organization.id,
                agent_id=agent.id,
                role=role,
                now=self._clock.now(),
            )
            await uow.memberships.add(membership)
            await self._record(
                uow,
                AuditAction.ORGANIZATION_MEMBER_ADDED,
                cmd.principal,
                organization.id,
                cmd.origin,
                agent_id=agent.id,
                metadata={"memberId": membership.id, "role": role.value},
            )
            await uow.commit()
        return membership


class ListMembersUseCase(OrganizationUseCase):
    """The organization's memberships, oldest first."""

    async def __call__(self, cmd: ListMembers) -> MemberPage:
        """Raises: InsufficientScope, InvalidRequest (page, limit), OrganizationNotFound."""
        cmd.principal.require_scope(ADMIN_ORGS)
        check_page(cmd.page, cmd.limit)
        async with self._uow() as uow:
            organization = await visible_organization(uow, cmd.principal, cmd.organization_id)
            items, total = await uow.memberships.list(organization.id, Page(cmd.page, cmd.limit))
        return MemberPage(items=items, total=total, page=cmd.page, limit=cmd.limit)


class RemoveMemberUseCase(OrganizationUseCase):
    """Take an agent's membership away (the agent itself stays)."""

    async def __call__(self, cmd: RemoveMember) -> None:
        """Raises: InsufficientScope, OrganizationNotFound, OrganizationDeleted,
        MemberNotFound, ConcurrentUpdate (removed concurrently)."""
        cmd.principal.require_scope(ADMIN_ORGS)
        async with self._uow() as uow:
            organization = await visible_organization(uow, cmd.principal, cmd.organization_id)
            organization.ensure_not_deleted()
            membership = (
                await uow.memberships.get(organization.id, AgentId(cmd.agent_id))
                if is_uuid(cmd.agent_id)
                else None
            )
            if membership is None:
                raise MemberNotFound(agent_id=cmd.agent_id)
            await uow.memberships.remove(membership)
            await self._record(
                uow,
                AuditAction.ORGANIZATION_MEMBER_REMOVED,
                cmd.principal,
                organization.id,
                cmd.origin,
                agent_id=membership.agent_id,
                metadata={"memberId": membership.id, "role": membership.role.value},
            )
            await uow.commit()
