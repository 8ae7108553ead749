"""Agent registry use cases: register, read, list, update, suspend, reactivate, decommission."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agentidp.domain.agent import Agent, AgentStatus
from agentidp.domain.audit import AuditAction
from agentidp.domain.credential import CredentialStatus, revoke_all
from agentidp.domain.ids import AgentId
from agentidp.domain.scopes import AGENTS_READ, AGENTS_WRITE, scope_collection

from ..audit_trail import AuditedUseCase
from ..bootstrap_registration import BootstrapRegistrations
from ..commands import (
    ChangeAgentStatus,
    GetAgent,
    ListAgents,
    Origin,
    RegisterAgent,
    UpdateAgent,
)
from ..errors import AgentNotFound, InvalidRequest, Unauthenticated
from ..ports.repositories import AgentFilter, Page
from ..ports.system import Clock, IdGenerator
from ..ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from ..principal import Principal
from ..tenancy import load_agent
from ..usage_limits import UsageLimits

#: Scopes a new agent gets when the registration names none.
DEFAULT_AGENT_SCOPES = frozenset({AGENTS_READ})
MAX_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class AgentPage:
    """One page of agents and the total number of matches."""

    items: Sequence[Agent]
    total: int
    page: int
    limit: int


class _AgentUseCase(AuditedUseCase):
    """Base of the agent use cases."""

    async def _record(
        self,
        uow: UnitOfWork,
        action: AuditAction,
        principal: Principal,
        agent: Agent,
        origin: Origin,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        await uow.audit.append(
            self._trail.event(
                action,
                organization_id=agent.organization_id,
                actor_id=principal.actor,
                agent_id=agent.id,
                origin=origin,
                metadata=metadata,
            )
        )


class RegisterAgentUseCase(_AgentUseCase):
    """Register an agent in the caller's organization (any organization in the body is ignored),
    within its tier's agents limit (exact under concurrency: checked at commit, which raises
    ``AgentLimitReached``)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdGenerator,
        limits: UsageLimits,
        bootstrap: BootstrapRegistrations | None = None,
    ) -> None:
        super().__init__(uow, clock, ids)
        self._limits = limits
        #: Spends bootstrap tokens; ``None``: bootstrap callers are refused.
        self._bootstrap = bootstrap

    async def __call__(self, cmd: RegisterAgent) -> Agent:
        """Raises: InsufficientScope, InvalidValue, InvalidScope, ScopeNotGranted (granting
        scopes the caller lacks), OperatorOnlyScope, AgentAlreadyExists."""
        cmd.principal.require_scope(AGENTS_WRITE)
        requested = scope_collection(cmd.scopes) if cmd.scopes is not None else frozenset()
        # SECURITY: privilege escalation: nobody grants a scope they do not hold themselves,
        # and no API caller grants an operator-only scope (Principal.grant).
        if requested:
            scopes = cmd.principal.grant(requested)
        else:
            scopes = DEFAULT_AGENT_SCOPES & cmd.principal.scopes
        agent = Agent.register(
            id=AgentId(self._ids.new_id()),
            organization_id=cmd.principal.organization_id,
            email=cmd.email,
            agent_type=cmd.agent_type,
            version=cmd.version,
            capabilities=cmd.capabilities,
            owner=cmd.owner,
            deployment_env=cmd.deployment_env,
            scopes=scopes,
            metadata=cmd.metadata,
            now=self._clock.now(),
        )
        bootstrap = cmd.principal.bootstrap
        if bootstrap is not None and self._bootstrap is None:
            raise Unauthenticated("Bootstrap tokens are not accepted here.")
        async with self._uow() as uow:
            await uow.agents.add(agent)
            await self._limits.limit_agents(uow, agent.organization_id)
            metadata = None
            if bootstrap is not None and self._bootstrap is not None:
                # Last before the commit: only a registration that got this far uses it up.
                own = await self._bootstrap.stage(uow, cmd.principal, agent, cmd.origin)
                metadata = {"trustPolicyId": bootstrap.trust_policy_id, "ownTrustPolicyId": own.id}
            await self._record(
                uow, AuditAction.AGENT_CREATED, cmd.principal, agent, cmd.origin, metadata
            )
            await uow.commit()
        if self._bootstrap is not None:
            await self._bootstrap.finish(cmd.principal)
        return agent


class GetAgentUseCase(_AgentUseCase):
    """Read one agent of the caller's organization."""

    async def __call__(self, cmd: GetAgent) -> Agent:
        """Raises: InsufficientScope, AgentNotFound, TenantMismatch."""
        cmd.principal.require_scope(AGENTS_READ)
        async with self._uow() as uow:
            return await load_agent(uow, cmd.principal, cmd.agent_id)


class DescribeCallerUseCase(_AgentUseCase):
    """The calling agent itself (OIDC UserInfo analogue): any valid token may ask, no scope."""

    async def __call__(self, principal: Principal) -> Agent:
        """Raises: AgentNotFound (the operator, or an agent that no longer exists)."""
        if principal.subject is None:
            raise AgentNotFound(agent_id="operator")
        async with self._uow() as uow:
            return await load_agent(uow, principal, principal.subject)


class ListAgentsUseCase(_AgentUseCase):
    """List agents of the caller's organization, newest first."""

    async def __call__(self, cmd: ListAgents) -> AgentPage:
        """Raises: InsufficientScope, InvalidRequest (bad page, limit or filter)."""
        cmd.principal.require_scope(AGENTS_READ)
        if cmd.page < 1 or not 1 <= cmd.limit <= MAX_PAGE_SIZE:
            raise InvalidRequest(
                f"page must be >= 1 and limit between 1 and {MAX_PAGE_SIZE}.", field="limit"
            )
        try:
            status = AgentStatus(cmd.status) if cmd.status else None
        except ValueError:
            raise InvalidRequest("Unknown status filter.", field="status") from None
        # SECURITY: tenant isolation: the organization filter always comes from the token;
        # owner and agentType only narrow within it (Test C.7, rule 1).
        filter = AgentFilter(
            organization_id=cmd.principal.organization_id,
            status=status,
            owner=cmd.owner,
            agent_type=cmd.agent_type,
        )
        async with self._uow() as uow:
            items, total = await uow.agents.list(filter, Page(cmd.page, cmd.limit))
        return AgentPage(items=items, total=total, page=cmd.page, limit=cmd.limit)


class UpdateAgentUseCase(_AgentUseCase):
    """Partial update. A ``status`` in the changes runs suspend, reactivate or decommission."""

    async def __call__(self, cmd: UpdateAgent) -> Agent:
        """Raises: InsufficientScope, AgentNotFound, TenantMismatch, AgentDecommissioned,
        ImmutableField, InvalidValue, InvalidTransition, ScopeNotGranted, ConcurrentUpdate."""
        cmd.principal.require_scope(AGENTS_WRITE)
        changes = dict(cmd.changes)
        target = changes.pop("status", None)
        if "scopes" in changes:
            # SECURITY: a caller can only hand out scopes it holds itself.
            changes["scopes"] = cmd.principal.grant(scope_collection(changes["scopes"]))
        async with self._uow() as uow:
            agent = await load_agent(uow, cmd.principal, cmd.agent_id)
            agent.ensure_not_decommissioned()
            # An empty PATCH is still an (audited) update; a PATCH that only repeats the
            # current status changes nothing and writes nothing.
            updates_fields = bool(changes) or target is None
            changes_status = target is not None and target != agent.status.value
            if updates_fields:
                agent.update(changes, now=self._clock.now())
                await self._record(
                    uow,
                    AuditAction.AGENT_UPDATED,
                    cmd.principal,
                    agent,
                    cmd.origin,
                    {"fields": sorted(changes)},
                )
            if changes_status:
                await _change_status(self, uow, agent, str(target), cmd.principal, cmd.origin)
            if updates_fields or changes_status:
                await uow.agents.update(agent)
                await uow.commit()
        return agent


class SuspendAgentUseCase(_AgentUseCase):
    """active → suspended: the agent's tokens stop working and no new ones are issued."""

    async def __call__(self, cmd: ChangeAgentStatus) -> Agent:
        """Raises: InsufficientScope, AgentNotFound, TenantMismatch, AgentDecommissioned,
        InvalidTransition."""
        return await _run_status_change(self, cmd, AgentStatus.SUSPENDED.value)


class ReactivateAgentUseCase(_AgentUseCase):
    """suspended → active."""

    async def __call__(self, cmd: ChangeAgentStatus) -> Agent:
        """Raises: InsufficientScope, AgentNotFound, TenantMismatch, AgentDecommissioned,
        InvalidTransition."""
        return await _run_status_change(self, cmd, AgentStatus.ACTIVE.value)


class DecommissionAgentUseCase(_AgentUseCase):
    """One-way decommission: revokes every credential in the same transaction; the record stays."""

    async def __call__(self, cmd: ChangeAgentStatus) -> Agent:
        """Raises: InsufficientScope, AgentNotFound, TenantMismatch, AgentAlreadyDecommissioned."""
        return await _run_status_change(self, cmd, AgentStatus.DECOMMISSIONED.value)


async def _run_status_change(use_case: _AgentUseCase, cmd: ChangeAgentStatus, target: str) -> Agent:
    cmd.principal.require_scope(AGENTS_WRITE)
    async with use_case._uow() as uow:
        agent = await load_agent(uow, cmd.principal, cmd.agent_id)
        await _change_status(use_case, uow, agent, target, cmd.principal, cmd.origin)
        await uow.agents.update(agent)
        await uow.commit()
    return agent


async def _change_status(
    use_case: _AgentUseCase,
    uow: UnitOfWork,
    agent: Agent,
    target: str,
    principal: Principal,
    origin: Origin,
) -> None:
    """Run the lifecycle step towards ``target`` and stage its audit event (and revocations)."""
    now = use_case._clock.now()
    if target == AgentStatus.SUSPENDED:
        agent.suspend(now=now)
        action = AuditAction.AGENT_SUSPENDED
    elif target == AgentStatus.ACTIVE:
        agent.reactivate(now=now)
        action = AuditAction.AGENT_REACTIVATED
    elif target == AgentStatus.DECOMMISSIONED:
        agent.decommission(now=now)
        action = AuditAction.AGENT_DECOMMISSIONED
        active = await uow.credentials.list_by_agent(agent.id, CredentialStatus.ACTIVE)
        for credential in revoke_all(active, now=now):
            await uow.credentials.update(credential)
            await use_case._record(
                uow,
                AuditAction.CREDENTIAL_REVOKED,
                principal,
                agent,
                origin,
                {"credentialId": credential.id, "reason": "agent_decommissioned"},
            )
    else:
        raise InvalidRequest("status must be active, suspended or decommissioned.", field="status")
    await use_case._record(uow, action, principal, agent, origin)
