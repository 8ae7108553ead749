"""Organization use cases: create, list, read, update and soft-delete tenants.

Who may do what is in :mod:`.organizations_access`; memberships are in
:mod:`.organizations_members`; administrator agents (bootstrap, first administrator) in
:mod:`.organizations_admins`, re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agentidp.domain.agent import AgentStatus
from agentidp.domain.audit import AuditAction
from agentidp.domain.ids import OrganizationId
from agentidp.domain.organization import Organization, OrganizationStatus
from agentidp.domain.scopes import ADMIN_ORGS

from ..commands import (
    CreateOrganization,
    DeleteOrganization,
    GetOrganization,
    ListOrganizations,
    UpdateOrganization,
)
from ..errors import InvalidRequest, NotPlatformAdmin, OrganizationSlugTaken
from ..ports.repositories import AgentFilter, Page
from ..ports.unit_of_work import UnitOfWork
from ..principal import Principal
from .organizations_access import (
    MAX_PAGE_SIZE,
    OrganizationUseCase,
    check_page,
    is_tenant_admin,
    require_platform_admin,
    visible_organization,
)
from .organizations_admins import (
    BootstrapOrganizationUseCase,
    Bootstrapped,
    CreateOrganizationAdminUseCase,
)

__all__ = [
    "MAX_PAGE_SIZE",
    "BootstrapOrganizationUseCase",
    "Bootstrapped",
    "CreateOrganizationAdminUseCase",
    "CreateOrganizationUseCase",
    "DeleteOrganizationUseCase",
    "GetOrganizationUseCase",
    "ListOrganizationsUseCase",
    "OrganizationPage",
    "UpdateOrganizationUseCase",
]

#: What a tenant administrator may change on its own organization; the rest (tier, limit
#: overrides, status) is the platform administrator's.
TENANT_CHANGEABLE = frozenset({"name"})
#: How many agents a soft delete suspends per read (it pages through all of them).
_SUSPEND_BATCH = 100


@dataclass(frozen=True, slots=True)
class OrganizationPage:
    """One page of organizations and the total number of matches."""

    items: Sequence[Organization]
    total: int
    page: int
    limit: int


class CreateOrganizationUseCase(OrganizationUseCase):
    """Platform administrators: create an active organization."""

    async def __call__(self, cmd: CreateOrganization) -> Organization:
        """Raises: InsufficientScope, NotPlatformAdmin, InvalidValue (slug, name, tier,
        limits), OrganizationSlugTaken."""
        cmd.principal.require_scope(ADMIN_ORGS)
        require_platform_admin(cmd.principal)
        organization = Organization.create(
            id=OrganizationId(self._ids.new_id()),
            slug=cmd.slug,
            name=cmd.name,
            now=self._clock.now(),
            plan_tier=cmd.plan_tier,
            max_agents=cmd.max_agents,
            max_tokens_per_month=cmd.max_tokens_per_month,
        )
        async with self._uow() as uow:
            await uow.organizations.add(organization)
            await self._record(
                uow,
                AuditAction.ORGANIZATION_CREATED,
                cmd.principal,
                organization.id,
                cmd.origin,
                metadata={"slug": organization.slug, **_described(organization)},
            )
            try:
                await uow.commit()
            except OrganizationSlugTaken:
                raise OrganizationSlugTaken(slug=cmd.slug) from None
        return organization


class ListOrganizationsUseCase(OrganizationUseCase):
    """Every organization for a platform administrator; only its own for a tenant
    administrator; none for anyone else. Newest first."""

    async def __call__(self, cmd: ListOrganizations) -> OrganizationPage:
        """Raises: InsufficientScope, InvalidRequest (bad page, limit or status)."""
        cmd.principal.require_scope(ADMIN_ORGS)
        check_page(cmd.page, cmd.limit)
        try:
            status = OrganizationStatus(cmd.status) if cmd.status else None
        except ValueError:
            raise InvalidRequest("Unknown status filter.", field="status") from None
        page = Page(cmd.page, cmd.limit)
        async with self._uow() as uow:
            if cmd.principal.is_platform_admin:
                items, total = await uow.organizations.list(page, status)
            else:
                items, total = await _own(uow, cmd.principal, status, page)
        return OrganizationPage(items=items, total=total, page=cmd.page, limit=cmd.limit)


class GetOrganizationUseCase(OrganizationUseCase):
    """Read one organization the caller may see (a deleted one too)."""

    async def __call__(self, cmd: GetOrganization) -> Organization:
        """Raises: InsufficientScope, OrganizationNotFound."""
        cmd.principal.require_scope(ADMIN_ORGS)
        async with self._uow() as uow:
            return await visible_organization(uow, cmd.principal, cmd.organization_id)


class UpdateOrganizationUseCase(OrganizationUseCase):
    """Partial update. Tenant administrators may only rename their organization; tier,
    limit overrides and status (active ⇄ suspended) are the platform administrator's."""

    async def __call__(self, cmd: UpdateOrganization) -> Organization:
        """Raises: InsufficientScope, InvalidRequest (no field), OrganizationNotFound,
        NotPlatformAdmin, OrganizationDeleted, InvalidValue, ConcurrentUpdate."""
        cmd.principal.require_scope(ADMIN_ORGS)
        if not cmd.changes:
            raise InvalidRequest("At least one field must be given.", field="body")
        async with self._uow() as uow:
            current = await visible_organization(uow, cmd.principal, cmd.organization_id)
            reserved = sorted(set(cmd.changes) - TENANT_CHANGEABLE)
            if reserved and not cmd.principal.is_platform_admin:
                raise NotPlatformAdmin(
                    "Only a platform administrator may change planTier, maxAgents, "
                    "maxTokensPerMonth or status.",
                    fields=reserved,
                )
            updated = current.update(dict(cmd.changes), now=self._clock.now())
            changes = _changes(current, updated)
            if not changes:
                return current  # nothing differs: nothing written, nothing audited
            await uow.organizations.update(updated)
            await self._record(
                uow,
                AuditAction.ORGANIZATION_UPDATED,
                cmd.principal,
                updated.id,
                cmd.origin,
                metadata={"changes": changes},
            )
            await uow.commit()
        return updated


class DeleteOrganizationUseCase(OrganizationUseCase):
    """Platform administrators: soft delete. The organization becomes ``deleted`` (for
    good) and every active agent of it is suspended in the same unit of work, so its
    outstanding tokens stop working and it gets no new ones."""

    async def __call__(self, cmd: DeleteOrganization) -> Organization:
        """Raises: InsufficientScope, OrganizationNotFound, NotPlatformAdmin,
        OrganizationDeleted (already deleted), ConcurrentUpdate."""
        cmd.principal.require_scope(ADMIN_ORGS)
        async with self._uow() as uow:
            current = await visible_organization(uow, cmd.principal, cmd.organization_id)
            require_platform_admin(cmd.principal)
            deleted = current.delete(now=self._clock.now())
            await uow.organizations.update(deleted)
            suspended = await self._suspend_agents(uow, cmd, deleted.id)
            await self._record(
                uow,
                AuditAction.ORGANIZATION_DELETED,
                cmd.principal,
                deleted.id,
                cmd.origin,
                metadata={"suspendedAgents": suspended},
            )
            await uow.commit()
        return deleted

    async def _suspend_agents(
        self, uow: UnitOfWork, cmd: DeleteOrganization, organization_id: OrganizationId
    ) -> int:
        """Stage the suspension (audited) of every active agent; returns how many."""
        now = self._clock.now()
        active = AgentFilter(organization_id=organization_id, status=AgentStatus.ACTIVE)
        # NOTE: reads see committed state only, so the pages stay stable while the
        # suspensions are staged.
        number, suspended, total = 1, 0, None
        while total is None or suspended < total:
            agents, total = await uow.agents.list(active, Page(number, _SUSPEND_BATCH))
            if not agents:
                break
            for agent in agents:
                agent.suspend(now=now)
                await uow.agents.update(agent)
                await self._record(
                    uow,
                    AuditAction.AGENT_SUSPENDED,
                    cmd.principal,
                    organization_id,
                    cmd.origin,
                    agent_id=agent.id,
                    metadata={"reason": "organization_deleted"},
                )
            suspended += len(agents)
            number += 1
        return suspended


async def _own(
    uow: UnitOfWork, principal: Principal, status: OrganizationStatus | None, page: Page
) -> tuple[Sequence[Organization], int]:
    """The caller's own organization as a listing, if it administers it and it matches."""
    if not is_tenant_admin(principal, principal.organization_id):
        return [], 0
    own = await uow.organizations.get(principal.organization_id)
    if own is None or (status is not None and own.status is not status):
        return [], 0
    return ([own] if page.offset == 0 else []), 1


def _described(organization: Organization) -> dict[str, Any]:
    """The changeable fields of ``organization`` as the API names them."""
    return {
        "name": organization.name,
        "planTier": organization.plan_tier.value,
        "maxAgents": organization.max_agents,
        "maxTokensPerMonth": organization.max_tokens_per_month,
        "status": organization.status.value,
    }


def _changes(before: Organization, after: Organization) -> dict[str, dict[str, Any]]:
    """``{field: {from, to}}`` for every field that differs (API names)."""
    old, new = _described(before), _described(after)
    return {name: {"from": old[name], "to": new[name]} for name in old if old[name] != new[name]}
