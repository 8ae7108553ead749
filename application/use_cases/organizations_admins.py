"""Administrator agents of organizations: the operator's bootstrap and a platform
administrator's "first administrator of this organization".

Both make the same thing, written once in :class:`AdminFactory`: an orchestrator agent with
every scope an API caller may hold (``admin:platform`` only when the operator asks), a client
secret shown once, and an ``admin`` membership in the organization, all audited in the unit of
work that creates them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agentidp.domain.agent import Agent, AgentType, DeploymentEnv
from agentidp.domain.audit import AuditAction
from agentidp.domain.credential import Credential, format_client_secret
from agentidp.domain.ids import AgentId, CredentialId, OrganizationId
from agentidp.domain.membership import MemberRole, Membership, MembershipId
from agentidp.domain.organization import Organization
from agentidp.domain.scopes import ADMIN_ORGS, ADMIN_PLATFORM, KNOWN_SCOPES, OPERATOR_ONLY_SCOPES

from ..audit_trail import AuditTrail
from ..commands import LOCAL, BootstrapOrganization, CreateOrganizationAdmin, Origin
from ..ports.security import SecretHasher
from ..ports.system import Clock, IdGenerator
from ..ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from ..principal import Principal
from .organizations_access import require_platform_admin, visible_organization

#: What every administrator agent holds: every scope except the operator-only ones.
ADMIN_SCOPES = frozenset(KNOWN_SCOPES) - OPERATOR_ONLY_SCOPES


@dataclass(frozen=True, slots=True)
class Bootstrapped:
    """The organization, its administrator agent and that agent's secret (shown once)."""

    organization: Organization
    admin: Agent
    credential: Credential
    client_secret: str = field(repr=False)  # SECURITY: never in logs or tracebacks
    organization_created: bool
    membership: Membership | None = None


class AdminFactory:
    """Stages an administrator agent, its credential and its ``admin`` membership."""

    def __init__(self, clock: Clock, ids: IdGenerator, hasher: SecretHasher) -> None:
        self._clock = clock
        self._ids = ids
        self._hasher = hasher
        self._trail = AuditTrail(clock, ids)

    async def new_secret(self) -> tuple[str, str]:
        """A fresh client secret and its hash. Call it before opening the unit of work: the
        hash is deliberately slow."""
        secret = format_client_secret(self._ids.secret_hex())
        return secret, await self._hasher.hash(secret)

    async def stage(
        self,
        uow: UnitOfWork,
        organization: Organization,
        *,
        email: str,
        owner: str,
        secret_hash: str,
        actor: str,
        origin: Origin,
        platform_admin: bool = False,
    ) -> tuple[Agent, Credential, Membership]:
        """Stage the agent, its credential, its membership and their audit events.

        Raises:
            InvalidValue: the email or owner is invalid.
        """
        now = self._clock.now()
        admin = Agent.register(
            id=AgentId(self._ids.new_id()),
            organization_id=organization.id,
            email=email,
            agent_type=AgentType.ORCHESTRATOR,
            version="1.0.0",
            capabilities=["agents:admin"],
            owner=owner,
            deployment_env=DeploymentEnv.PRODUCTION,
            scopes=ADMIN_SCOPES | ({ADMIN_PLATFORM} if platform_admin else set()),
            now=now,
        )
        credential = Credential.issue(
            id=CredentialId(self._ids.new_id()),
            agent_id=admin.id,
            organization_id=organization.id,
            agent_active=True,
            agent_status=admin.status.value,
            secret_hash=secret_hash,
            now=now,
            expires_at=None,
        )
        membership = Membership.create(
            id=MembershipId(self._ids.new_id()),
            organization_id=organization.id,
            agent_id=admin.id,
            role=MemberRole.ADMIN,
            now=now,
        )
        await uow.agents.add(admin)
        await uow.credentials.add(credential)
        await uow.memberships.add(membership)
        created = {"administrator": True, **({"platformAdmin": True} if platform_admin else {})}
        for action, metadata in (
            (AuditAction.AGENT_CREATED, created),
            (AuditAction.CREDENTIAL_GENERATED, {"credentialId": credential.id}),
            (
                AuditAction.ORGANIZATION_MEMBER_ADDED,
                {"memberId": membership.id, "role": membership.role.value},
            ),
        ):
            await uow.audit.append(
                self._trail.event(
                    action,
                    organization_id=organization.id,
                    actor_id=actor,
                    agent_id=admin.id,
                    origin=origin,
                    metadata=metadata,
                )
            )
        return admin, credential, membership


class BootstrapOrganizationUseCase:
    """Create the organization if its slug is new, then an administrator agent (an ``admin``
    member) holding every scope an API caller may hold, plus ``admin:platform`` when asked,
    and a credential for it. Operator only (CLI, embedding code): no principal."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, ids: IdGenerator, hasher: SecretHasher
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._admins = AdminFactory(clock, ids, hasher)
        self._trail = AuditTrail(clock, ids)

    async def __call__(self, cmd: BootstrapOrganization) -> Bootstrapped:
        """Raises: InvalidValue (slug, name or email), AgentAlreadyExists, OrganizationSlugTaken
        (a concurrent bootstrap won the slug), OrganizationDeleted (the slug belongs to a
        deleted organization)."""
        secret, secret_hash = await self._admins.new_secret()
        async with self._uow() as uow:
            organization = await uow.organizations.get_by_slug(cmd.slug)
            created = organization is None
            if organization is None:
                organization = Organization.create(
                    id=OrganizationId(self._ids.new_id()),
                    slug=cmd.slug,
                    name=cmd.name,
                    now=self._clock.now(),
                )
                await uow.organizations.add(organization)
                await uow.audit.append(
                    self._trail.event(
                        AuditAction.ORGANIZATION_CREATED,
                        organization_id=organization.id,
                        actor_id="operator",
                        agent_id=None,
                        origin=LOCAL,
                        metadata={"slug": organization.slug},
                    )
                )
            organization.ensure_not_deleted()
            admin, credential, membership = await self._admins.stage(
                uow,
                organization,
                email=cmd.admin_email,
                owner=cmd.admin_owner,
                secret_hash=secret_hash,
                actor="operator",
                origin=LOCAL,
                platform_admin=cmd.platform_admin,
            )
            await uow.commit()
        return Bootstrapped(organization, admin, credential, secret, created, membership)


class CreateOrganizationAdminUseCase:
    """Platform administrators: an administrator agent (``admin`` member, every scope but the
    operator-only ones) with a client secret, in an existing organization that is not deleted.
    This is how a platform administrator gives a new organization its first administrator."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, ids: IdGenerator, hasher: SecretHasher
    ) -> None:
        self._uow = uow
        self._admins = AdminFactory(clock, ids, hasher)

    async def __call__(self, cmd: CreateOrganizationAdmin) -> Bootstrapped:
        """Raises: InsufficientScope (no ``admin:orgs``), OrganizationNotFound (also for a
        caller that is no platform administrator and may not see it), NotPlatformAdmin,
        OrganizationDeleted, InvalidValue (email, owner), AgentAlreadyExists."""
        principal: Principal = cmd.principal
        principal.require_scope(ADMIN_ORGS)
        async with self._uow() as uow:
            organization = await visible_organization(uow, principal, cmd.organization_id)
            require_platform_admin(principal)
            organization.ensure_not_deleted()
            # NOTE: hashed only now, so callers refused above cost no argon2 time; a staged
            # unit of work holds no connection while it waits.
            secret, secret_hash = await self._admins.new_secret()
            admin, credential, membership = await self._admins.stage(
                uow,
                organization,
                email=cmd.email,
                owner=cmd.owner,
                secret_hash=secret_hash,
                actor=principal.actor,
                origin=cmd.origin,
            )
            await uow.commit()
        return Bootstrapped(organization, admin, credential, secret, False, membership)
