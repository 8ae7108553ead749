"""Who may see and change an organization, and how its changes are audited.

Two kinds of administrator (docs/organizations.md):

- platform administrator (``admin:orgs`` + ``admin:platform``): everything, on every
  organization;
- tenant administrator (``admin:orgs`` + role ``admin`` in its own organization): read its
  organization, rename it, manage its members;
- anyone else: nothing; every organization is 404 to it.

SECURITY: an organization the caller may not see answers 404 ``ORG_NOT_FOUND`` exactly like
one that does not exist, so its existence never leaks. Only a *visible* organization can be
refused with 403 (a tenant administrator asking for a platform administrator's operation).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentidp.domain.audit import AuditAction
from agentidp.domain.ids import OrganizationId, is_uuid
from agentidp.domain.membership import MemberRole
from agentidp.domain.organization import Organization
from agentidp.domain.scopes import ADMIN_ORGS

from ..audit_trail import AuditedUseCase
from ..commands import Origin
from ..errors import InvalidRequest, NotPlatformAdmin, OrganizationNotFound
from ..ports.unit_of_work import UnitOfWork
from ..principal import Principal

#: Largest page of organizations or members.
MAX_PAGE_SIZE = 100


def is_tenant_admin(principal: Principal, organization_id: str) -> bool:
    """True if ``principal`` administers ``organization_id`` as a tenant administrator."""
    return (
        principal.organization_id == organization_id
        and ADMIN_ORGS in principal.scopes
        and MemberRole.ADMIN.value in principal.roles
    )


def require_platform_admin(principal: Principal) -> None:
    """Raises:
    NotPlatformAdmin: the caller does not hold ``admin:platform``.
    """
    if not principal.is_platform_admin:
        raise NotPlatformAdmin()


async def visible_organization(
    uow: UnitOfWork, principal: Principal, organization_id: str
) -> Organization:
    """The organization, if the caller may see it (platform administrator, or tenant
    administrator of that very organization). Deleted organizations are visible too.

    Raises:
        OrganizationNotFound: it does not exist, the id is not a UUID, or the caller may not
            see it (indistinguishable on purpose).
    """
    organization = (
        await uow.organizations.get(OrganizationId(organization_id))
        if is_uuid(organization_id)
        else None
    )
    if organization is None or not (
        principal.is_platform_admin or is_tenant_admin(principal, organization.id)
    ):
        raise OrganizationNotFound(organization_id=organization_id)
    return organization


def check_page(page: int, limit: int) -> None:
    """Raises:
    InvalidRequest: ``page`` < 1 or ``limit`` outside 1-:data:`MAX_PAGE_SIZE`.
    """
    if page < 1 or not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidRequest(
            f"page must be >= 1 and limit between 1 and {MAX_PAGE_SIZE}.", field="limit"
        )


class OrganizationUseCase(AuditedUseCase):
    """Base of the organization and membership use cases."""

    async def _record(
        self,
        uow: UnitOfWork,
        action: AuditAction,
        principal: Principal,
        organization_id: str,
        origin: Origin,
        *,
        agent_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        """Stage the audit event of a change to ``organization_id`` (in that organization's
        log). A platform administrator acting from another organization is named with it."""
        details = dict(metadata or {})
        if principal.organization_id != organization_id and not principal.is_operator:
            details["actorOrganizationId"] = principal.organization_id
        await uow.audit.append(
            self._trail.event(
                action,
                organization_id=organization_id,
                actor_id=principal.actor,
                agent_id=agent_id,
                origin=origin,
                metadata=details,
            )
        )
