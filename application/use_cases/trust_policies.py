"""Trust policy use cases: create, list, get and delete GitHub Actions OIDC trust policies.

Every operation needs ``admin:orgs`` and acts on the caller's organization only; another
organization's policy is "not found" (saying otherwise would confirm it exists). The agent a
policy binds must be an agent of the same organization.
"""

from __future__ import annotations

from collections.abc import Sequence

from agentidp.domain.audit import AuditAction
from agentidp.domain.ids import AgentId, is_uuid
from agentidp.domain.scopes import ADMIN_ORGS
from agentidp.domain.trust_policy import TrustPolicy, TrustPolicyId

from ..audit_trail import AuditedUseCase, AuditTrail
from ..commands import (
    CreateTrustPolicy,
    DeleteTrustPolicy,
    GetTrustPolicy,
    ListTrustPolicies,
    Origin,
)
from ..errors import (
    AgentNotFound,
    ConcurrentUpdate,
    TrustPolicyConflict,
    TrustPolicyNotFound,
)
from ..ports.unit_of_work import UnitOfWork
from ..principal import Principal


class _TrustPolicyUseCase(AuditedUseCase):
    """Base of the trust-policy use cases."""

    async def _visible(self, uow: UnitOfWork, principal: Principal, policy_id: str) -> TrustPolicy:
        """The caller organization's policy ``policy_id``.

        Raises:
            TrustPolicyNotFound: no such policy in the caller's organization.
        """
        policy = (
            await uow.trust_policies.get(TrustPolicyId(policy_id)) if is_uuid(policy_id) else None
        )
        if policy is None or policy.organization_id != principal.organization_id:
            raise TrustPolicyNotFound(id=policy_id)
        return policy

    async def _record(
        self,
        uow: UnitOfWork,
        action: AuditAction,
        principal: Principal,
        policy: TrustPolicy,
        origin: Origin,
    ) -> None:
        await record_trust_policy(uow, self._trail, action, principal, policy, origin)


async def record_trust_policy(
    uow: UnitOfWork,
    trail: AuditTrail,
    action: AuditAction,
    principal: Principal,
    policy: TrustPolicy,
    origin: Origin,
) -> None:
    """Stage the audit event of a trust policy's creation or deletion by ``principal``."""
    await uow.audit.append(
        trail.event(
            action,
            organization_id=policy.organization_id,
            actor_id=principal.actor,
            agent_id=policy.agent_id,
            origin=origin,
            metadata={
                "trustPolicyId": policy.id,
                "provider": policy.provider,
                "repository": policy.repository,
                "repositoryId": policy.repository_id,
                "branch": policy.branch,
                "environment": policy.environment,
                "workflow": policy.workflow,
                "bootstrap": policy.is_bootstrap,
            },
        )
    )


class CreateTrustPolicyUseCase(_TrustPolicyUseCase):
    """Create a trust policy binding a repository to an agent of the caller's organization."""

    async def __call__(self, cmd: CreateTrustPolicy) -> TrustPolicy:
        """Raises: InsufficientScope, InvalidValue (provider, repository, ids, lengths),
        AgentNotFound (not an agent of this organization), TrustPolicyConflict."""
        cmd.principal.require_scope(ADMIN_ORGS)
        async with self._uow() as uow:
            agent_id = await self._own_agent(uow, cmd.principal, cmd.agent_id)
            policy = TrustPolicy.create(
                id=TrustPolicyId(self._ids.new_id()),
                organization_id=cmd.principal.organization_id,
                provider=cmd.provider,
                repository=cmd.repository,
                repository_owner_id=cmd.repository_owner_id,
                repository_id=cmd.repository_id,
                branch=cmd.branch,
                environment=cmd.environment,
                workflow=cmd.workflow,
                agent_id=agent_id,
                now=self._clock.now(),
            )
            existing = await uow.trust_policies.list(policy.organization_id, agent_id)
            if any(other.conditions == policy.conditions for other in existing):
                raise _conflict(policy)
            await uow.trust_policies.add(policy)
            await self._record(
                uow, AuditAction.TRUST_POLICY_CREATED, cmd.principal, policy, cmd.origin
            )
            try:
                await uow.commit()
            except TrustPolicyConflict:
                # A concurrent creation won the unique index: the same answer as above.
                raise _conflict(policy) from None
        return policy

    async def _own_agent(
        self, uow: UnitOfWork, principal: Principal, agent_id: str | None
    ) -> AgentId | None:
        if agent_id is None:
            return None
        agent = await uow.agents.get(AgentId(agent_id)) if is_uuid(agent_id) else None
        # SECURITY: another organization's agent is "not found": not ours to name.
        if agent is None or agent.organization_id != principal.organization_id:
            raise AgentNotFound(agent_id=agent_id)
        return agent.id


class ListTrustPoliciesUseCase(_TrustPolicyUseCase):
    """The caller organization's trust policies, oldest first."""

    async def __call__(self, cmd: ListTrustPolicies) -> Sequence[TrustPolicy]:
        """Raises: InsufficientScope."""
        cmd.principal.require_scope(ADMIN_ORGS)
        if cmd.agent_id is not None and not is_uuid(cmd.agent_id):
            return []  # no agent has a malformed id
        async with self._uow() as uow:
            return await uow.trust_policies.list(
                cmd.principal.organization_id,
                None if cmd.agent_id is None else AgentId(cmd.agent_id),
            )


class GetTrustPolicyUseCase(_TrustPolicyUseCase):
    """One trust policy of the caller's organization."""

    async def __call__(self, cmd: GetTrustPolicy) -> TrustPolicy:
        """Raises: InsufficientScope, TrustPolicyNotFound."""
        cmd.principal.require_scope(ADMIN_ORGS)
        async with self._uow() as uow:
            return await self._visible(uow, cmd.principal, cmd.policy_id)


class DeleteTrustPolicyUseCase(_TrustPolicyUseCase):
    """Delete a trust policy: from the commit on, its repository's tokens are refused."""

    async def __call__(self, cmd: DeleteTrustPolicy) -> None:
        """Raises: InsufficientScope, TrustPolicyNotFound (also when a concurrent delete
        won)."""
        cmd.principal.require_scope(ADMIN_ORGS)
        async with self._uow() as uow:
            policy = await self._visible(uow, cmd.principal, cmd.policy_id)
            await uow.trust_policies.remove(policy)
            await self._record(
                uow, AuditAction.TRUST_POLICY_DELETED, cmd.principal, policy, cmd.origin
            )
            try:
                await uow.commit()
            except ConcurrentUpdate:
                raise TrustPolicyNotFound(id=cmd.policy_id) from None


def _conflict(policy: TrustPolicy) -> TrustPolicyConflict:
    return TrustPolicyConflict(
        provider=policy.provider, repository=policy.repository, branch=policy.branch
    )
