"""Credential use cases: generate, list, rotate, revoke. Secrets appear once, in the result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from agentidp.domain.audit import AuditAction
from agentidp.domain.credential import Credential, CredentialStatus, format_client_secret
from agentidp.domain.ids import AgentId, CredentialId, OrganizationId
from agentidp.domain.scopes import AGENTS_READ, AGENTS_WRITE

from ..audit_trail import AuditedUseCase
from ..commands import ChangeCredential, GenerateCredential, ListCredentials, Origin
from ..errors import InvalidRequest
from ..ports.security import SecretHasher
from ..ports.system import Clock, IdGenerator
from ..ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from ..principal import Principal
from ..tenancy import load_agent, load_credential


@dataclass(frozen=True, slots=True)
class CredentialView:
    """What callers may see of a credential: everything but the secret's hash."""

    id: CredentialId
    agent_id: AgentId
    organization_id: OrganizationId
    status: CredentialStatus
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    rotated_at: datetime | None

    @classmethod
    def of(cls, credential: Credential) -> CredentialView:
        """The view of ``credential``; the argon2 hash never leaves the application layer."""
        return cls(
            id=credential.id,
            agent_id=credential.agent_id,
            organization_id=credential.organization_id,
            status=credential.status,
            created_at=credential.created_at,
            expires_at=credential.expires_at,
            revoked_at=credential.revoked_at,
            rotated_at=credential.rotated_at,
        )

    @property
    def client_id(self) -> str:
        """The OAuth client id this credential authenticates: its agent's id."""
        return self.agent_id


@dataclass(frozen=True, slots=True)
class IssuedSecret:
    """A credential together with its client secret: the only time the secret is visible."""

    credential: CredentialView
    client_secret: str = field(repr=False)  # SECURITY: never in logs or tracebacks


class _CredentialUseCase(AuditedUseCase):
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, ids: IdGenerator, hasher: SecretHasher
    ) -> None:
        super().__init__(uow, clock, ids)
        self._hasher = hasher

    async def _record(
        self,
        uow: UnitOfWork,
        action: AuditAction,
        principal: Principal,
        origin: Origin,
        credential: Credential,
    ) -> None:
        await uow.audit.append(
            self._trail.event(
                action,
                organization_id=credential.organization_id,
                actor_id=principal.actor,
                agent_id=credential.agent_id,
                origin=origin,
                metadata={"credentialId": credential.id},
            )
        )

    async def _new_secret(self) -> tuple[str, str]:
        secret = format_client_secret(self._ids.secret_hex())
        return secret, await self._hasher.hash(secret)


class GenerateCredentialUseCase(_CredentialUseCase):
    """Create a client secret for an active agent; the agent itself or an administrator only."""

    async def __call__(self, cmd: GenerateCredential) -> IssuedSecret:
        """Raises: InsufficientScope, AgentNotFound, TenantMismatch, NotResourceOwner,
        AgentNotActive, InvalidValue (expiry not in the future)."""
        cmd.principal.require_scope(AGENTS_WRITE)
        # Hash before opening the unit of work: argon2 takes ~100 ms and holds nothing open.
        secret, secret_hash = await self._new_secret()
        async with self._uow() as uow:
            agent = await load_agent(uow, cmd.principal, cmd.agent_id)
            cmd.principal.require_self_or_admin(agent.id)
            credential = Credential.issue(
                id=CredentialId(self._ids.new_id()),
                agent_id=agent.id,
                organization_id=agent.organization_id,
                agent_active=agent.is_active,
                agent_status=agent.status.value,
                secret_hash=secret_hash,
                now=self._clock.now(),
                expires_at=cmd.expires_at,
            )
            await uow.credentials.add(credential)
            await self._record(
                uow, AuditAction.CREDENTIAL_GENERATED, cmd.principal, cmd.origin, credential
            )
            await uow.commit()
        return IssuedSecret(credential=CredentialView.of(credential), client_secret=secret)


class ListCredentialsUseCase(_CredentialUseCase):
    """An agent's credentials, newest first, without secrets or hashes."""

    async def __call__(self, cmd: ListCredentials) -> Sequence[CredentialView]:
        """Raises: InsufficientScope, AgentNotFound, TenantMismatch, InvalidRequest."""
        cmd.principal.require_scope(AGENTS_READ)
        try:
            status = CredentialStatus(cmd.status) if cmd.status else None
        except ValueError:
            raise InvalidRequest("status must be active or revoked.", field="status") from None
        async with self._uow() as uow:
            agent = await load_agent(uow, cmd.principal, cmd.agent_id)
            found = await uow.credentials.list_by_agent(agent.id, status)
        return [CredentialView.of(credential) for credential in found]


class RotateCredentialUseCase(_CredentialUseCase):
    """Replace a credential's secret in place; the old secret stops working at once."""

    async def __call__(self, cmd: ChangeCredential) -> IssuedSecret:
        """Raises: InsufficientScope, AgentNotFound, TenantMismatch, NotResourceOwner,
        CredentialNotFound, CredentialAlreadyRevoked, ConcurrentUpdate."""
        cmd.principal.require_scope(AGENTS_WRITE)
        secret, secret_hash = await self._new_secret()
        async with self._uow() as uow:
            agent = await load_agent(uow, cmd.principal, cmd.agent_id)
            cmd.principal.require_self_or_admin(agent.id)
            credential = await load_credential(uow, agent, cmd.credential_id)
            credential.rotate(
                new_secret_hash=secret_hash, now=self._clock.now(), expires_at=cmd.expires_at
            )
            await uow.credentials.update(credential)
            await self._record(
                uow, AuditAction.CREDENTIAL_ROTATED, cmd.principal, cmd.origin, credential
            )
            await uow.commit()
        return IssuedSecret(credential=CredentialView.of(credential), client_secret=secret)


class RevokeCredentialUseCase(_CredentialUseCase):
    """Revoke a credential for good; tokens can no longer be obtained with it."""

    async def __call__(self, cmd: ChangeCredential) -> CredentialView:
        """Raises: InsufficientScope, AgentNotFound, TenantMismatch, NotResourceOwner,
        CredentialNotFound, CredentialAlreadyRevoked, ConcurrentUpdate."""
        cmd.principal.require_scope(AGENTS_WRITE)
        async with self._uow() as uow:
            agent = await load_agent(uow, cmd.principal, cmd.agent_id)
            cmd.principal.require_self_or_admin(agent.id)
            credential = await load_credential(uow, agent, cmd.credential_id)
            credential.revoke(now=self._clock.now())
            await uow.credentials.update(credential)
            await self._record(
                uow, AuditAction.CREDENTIAL_REVOKED, cmd.principal, cmd.origin, credential
            )
            await uow.commit()
        return CredentialView.of(credential)
