"""One agent per bootstrap token: what ``POST /api/v1/agents`` does when its caller holds a
bootstrap token (docs/oidc-github.md, ADR 0012 point 6).

Inside the registration's unit of work, before its commit:

1. the bootstrap trust policy must still exist, be a bootstrap policy, and belong to the
   caller's organization (checked again: it may have been deleted since authentication);
2. the token is used up through the :class:`ReplayGuard` (atomic across workers with Redis):
   of two concurrent registrations with one token, exactly one goes on;
3. an agent-scoped trust policy for the new agent, with the bootstrap policy's conditions, is
   staged with its ``trust_policy.created`` event, so the next job can exchange its GitHub
   token for the new agent's tokens (``agentId``).

After the commit the token's ``jti`` is also revoked, so later uses fail authentication (401)
rather than reaching the use case.
"""

from __future__ import annotations

from typing import Final

from agentidp.domain.agent import Agent
from agentidp.domain.audit import AuditAction
from agentidp.domain.trust_policy import TrustPolicy, TrustPolicyId

from .audit_trail import AuditTrail
from .commands import Origin
from .errors import Unauthenticated
from .ports.replay import ReplayGuard
from .ports.security import RevocationList
from .ports.system import Clock, IdGenerator
from .ports.unit_of_work import UnitOfWork
from .principal import Principal
from .use_cases.trust_policies import record_trust_policy

#: Replay-guard namespace of bootstrap token ids (GitHub ``jti`` keys start with the issuer).
_KEY_PREFIX: Final = "agentidp-bootstrap\n"


class BootstrapRegistrations:
    """Spends a bootstrap token on exactly one agent registration."""

    def __init__(
        self, replays: ReplayGuard, revocations: RevocationList, clock: Clock, ids: IdGenerator
    ) -> None:
        self._replays = replays
        self._revocations = revocations
        self._clock = clock
        self._ids = ids
        self._trail = AuditTrail(clock, ids)

    async def stage(
        self, uow: UnitOfWork, principal: Principal, agent: Agent, origin: Origin
    ) -> TrustPolicy:
        """Check the bootstrap policy, use the token up and stage the new agent's own trust
        policy in ``uow`` (the caller commits). Returns the staged policy.

        Raises:
            Unauthenticated: the caller holds no bootstrap token, its policy is gone or no
                longer a bootstrap policy of its organization, or the token was already used.
        """
        grant = principal.bootstrap
        if grant is None or principal.token_id is None:
            raise Unauthenticated("Not a bootstrap token.")
        policy = await uow.trust_policies.get(TrustPolicyId(grant.trust_policy_id))
        if (
            policy is None
            or not policy.is_bootstrap
            or policy.organization_id != principal.organization_id
        ):
            raise Unauthenticated("Token is no longer valid.")
        # SECURITY: one registration per token, decided atomically (shared through Redis).
        if not await self._replays.first_use(_KEY_PREFIX + principal.token_id, grant.expires_at):
            raise Unauthenticated("This bootstrap token has already been used.")
        own = TrustPolicy.create(
            id=TrustPolicyId(self._ids.new_id()),
            organization_id=policy.organization_id,
            provider=policy.provider,
            repository=policy.repository,
            repository_owner_id=policy.repository_owner_id,
            repository_id=policy.repository_id,
            branch=policy.branch,
            environment=policy.environment,
            workflow=policy.workflow,
            agent_id=agent.id,
            now=self._clock.now(),
        )
        await uow.trust_policies.add(own)
        await record_trust_policy(
            uow, self._trail, AuditAction.TRUST_POLICY_CREATED, principal, own, origin
        )
        return own

    async def finish(self, principal: Principal) -> None:
        """After the commit: revoke the token, so it no longer authenticates anywhere."""
        if principal.bootstrap is not None and principal.token_id is not None:
            await self._revocations.revoke(principal.token_id, principal.bootstrap.expires_at)
