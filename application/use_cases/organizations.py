"""Organization bootstrap: the operator creates a tenant and its first administrator agent."""

from __future__ import annotations

from dataclasses import dataclass, field

from agentidp.domain.agent import Agent, AgentType, DeploymentEnv
from agentidp.domain.audit import AuditAction
from agentidp.domain.credential import Credential, format_client_secret
from agentidp.domain.ids import AgentId, CredentialId, OrganizationId
from agentidp.domain.organization import Organization
from agentidp.domain.scopes import KNOWN_SCOPES, OPERATOR_ONLY_SCOPES

from ..audit_trail import AuditTrail
from ..commands import LOCAL, BootstrapOrganization
from ..ports.security import SecretHasher
from ..ports.system import Clock, IdGenerator
from ..ports.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class Bootstrapped:
    """The organization, its administrator agent and that agent's secret (shown once)."""

    organization: Organization
    admin: Agent
    credential: Credential
    client_secret: str = field(repr=False)  # SECURITY: never in logs or tracebacks
    organization_created: bool


class BootstrapOrganizationUseCase:
    """Create the organization if its slug is new, then an administrator agent holding every
    scope, and a credential for it. Operator only (CLI, embedding code): no principal."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, ids: IdGenerator, hasher: SecretHasher
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._hasher = hasher
        self._trail = AuditTrail(clock, ids)

    async def __call__(self, cmd: BootstrapOrganization) -> Bootstrapped:
        """Raises: InvalidValue (slug, name or email), AgentAlreadyExists, OrganizationSlugTaken
        (a concurrent bootstrap won the slug)."""
        secret = format_client_secret(self._ids.secret_hex())
        secret_hash = await self._hasher.hash(secret)
        now = self._clock.now()
        async with self._uow() as uow:
            organization = await uow.organizations.get_by_slug(cmd.slug)
            created = organization is None
            if organization is None:
                organization = Organization.create(
                    id=OrganizationId(self._ids.new_id()), slug=cmd.slug, name=cmd.name, now=now
                )
                await uow.organizations.add(organization)
            admin = Agent.register(
                id=AgentId(self._ids.new_id()),
                organization_id=organization.id,
                email=cmd.admin_email,
                agent_type=AgentType.ORCHESTRATOR,
                version="1.0.0",
                capabilities=["agents:admin"],
                owner=cmd.admin_owner,
                deployment_env=DeploymentEnv.PRODUCTION,
                scopes=frozenset(KNOWN_SCOPES) - OPERATOR_ONLY_SCOPES,
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
            await uow.agents.add(admin)
            await uow.credentials.add(credential)
            for action, metadata in (
                (AuditAction.ORGANIZATION_CREATED, {"slug": organization.slug})
                if created
                else (None, {}),
                (AuditAction.AGENT_CREATED, {"bootstrap": True}),
                (AuditAction.CREDENTIAL_GENERATED, {"credentialId": credential.id}),
            ):
                if action is not None:
                    await uow.audit.append(
                        self._trail.event(
                            action,
                            organization_id=organization.id,
                            actor_id="operator",
                            agent_id=admin.id,
                            origin=LOCAL,
                            metadata=metadata,
                        )
                    )
            await uow.commit()
        return Bootstrapped(organization, admin, credential, secret, created)
