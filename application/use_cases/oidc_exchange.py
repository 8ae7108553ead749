"""GitHub Actions OIDC token exchange: a workflow's OIDC JWT → an access token of an agent.

Checks, in order (each refusal audited as ``oidc.token_exchanged`` / failure with its reason):

1. The provider is ``github``, else 400 ``VALIDATION_ERROR``.
2. Signature against the issuer's JWKS with pinned algorithms, size, ``iss``, ``aud``,
   ``exp``, ``nbf`` and ``iat`` age (:class:`ForeignTokenVerifier`), else 401
   ``OIDC_TOKEN_EXPIRED`` / ``OIDC_TOKEN_INVALID`` (503 if the keys cannot be fetched).
3. The claims table and ``sub`` consistency (:class:`GitHubClaims`), else 401
   ``OIDC_TOKEN_INVALID``.
4. ``jti`` never seen before (:class:`ReplayGuard`, shared through Redis), else 401
   ``OIDC_TOKEN_INVALID``.
5. A trust policy for the token's repository (immutable id and name) accepts every claim,
   else 403 ``TRUST_POLICY_BRANCH_MISMATCH`` (only the branch failed) or
   ``TRUST_POLICY_NOT_FOUND``.
6. Exactly one agent is designated (``agentId``, or the only agent the accepting policies
   bind), else 403 ``TRUST_POLICY_NOT_FOUND``. Without ``agentId``, a single accepting
   *bootstrap* policy (no agent) instead yields a bootstrap token: scope ``agents:write``,
   no agent, good for one ``POST /api/v1/agents`` (docs/oidc-github.md).
7. The agent and its organization are active, else 403 ``AGENT_SUSPENDED``,
   ``AGENT_DECOMMISSIONED`` or ``unauthorized_client``.
8. Requested scope within the agent's, the client rate limit and the monthly token quota,
   exactly as for the client credentials grant.

The access token is issued exactly like the client credentials grant's (same claims, same
``token.issued`` event, same quota count: :meth:`_TokenUseCase._stage_token`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from agentidp.domain.agent import Agent, AgentStatus
from agentidp.domain.audit import AuditAction, Outcome
from agentidp.domain.errors import DomainError, InvalidValue
from agentidp.domain.github_claims import GitHubClaims, MalformedGitHubToken
from agentidp.domain.ids import AgentId, TokenId
from agentidp.domain.organization import OrganizationStatus
from agentidp.domain.scopes import format_scope, narrow, parse_scope
from agentidp.domain.token import BOOTSTRAP_SCOPE, BootstrapTokenClaims
from agentidp.domain.trust_policy import GITHUB, Mismatch, TrustPolicy

from ..commands import ExchangeOidcToken, Origin
from ..errors import (
    AgentNotPermitted,
    LinkedAgentDecommissioned,
    LinkedAgentSuspended,
    NoMatchingTrustPolicy,
    OidcIssuerUnavailable,
    OidcTokenExpired,
    OidcTokenInvalid,
    TokenQuotaExhausted,
    TrustPolicyBranchMismatch,
)
from ..ports.key_sets import (
    ForeignTokenPolicy,
    ForeignTokenRejected,
    ForeignTokenVerifier,
    KeySetUnavailable,
)
from ..ports.replay import ReplayGuard
from ..ports.security import RevocationList, TokenSigner
from ..ports.system import Clock, IdGenerator
from ..ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from ..usage_limits import UsageLimits
from .tokens import IssuedToken, TokenSettings, _TokenUseCase

#: GitHub.com's Actions issuer; GitHub Enterprise Server has its own (configuration).
GITHUB_ISSUER: Final = "https://token.actions.githubusercontent.com"
#: GitHub signs Actions tokens with RS256 only.
GITHUB_ALGORITHMS: Final = frozenset({"RS256"})


@dataclass(frozen=True, slots=True)
class OidcSettings:
    """The GitHub OIDC issuer we trust and how strictly its tokens are checked."""

    audience: str
    issuer: str = GITHUB_ISSUER
    #: ``None``: read ``jwks_uri`` from the issuer's discovery document.
    jwks_uri: str | None = None
    algorithms: frozenset[str] = GITHUB_ALGORITHMS
    #: The oldest ``iat`` accepted: a workflow exchanges its token right after minting it.
    max_age: timedelta = timedelta(minutes=10)
    leeway: timedelta = timedelta(seconds=30)
    max_token_bytes: int = 16 * 1024
    #: Lifetime of a bootstrap token (register one agent right after the exchange).
    bootstrap_ttl: timedelta = timedelta(seconds=300)


class _Refusal(Exception):
    """A refusal to audit (``reason``, ``metadata``, in ``organization_id``'s log when known),
    then to raise as ``error``."""

    def __init__(
        self,
        error: Exception,
        reason: str,
        organization_id: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(reason)
        self.error = error
        self.reason = reason
        self.organization_id = organization_id
        self.metadata = metadata or {}


class ExchangeOidcTokenUseCase(_TokenUseCase):
    """``POST /oidc/token`` and the RFC 8693 grant with a GitHub subject token."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdGenerator,
        signer: TokenSigner,
        revocations: RevocationList,
        settings: TokenSettings,
        verifier: ForeignTokenVerifier,
        replays: ReplayGuard,
        oidc: OidcSettings,
        *,
        limits: UsageLimits | None = None,
    ) -> None:
        super().__init__(uow, clock, ids, signer, revocations, settings, limits=limits)
        self._verifier = verifier
        self._replays = replays
        self._oidc = oidc

    async def __call__(self, cmd: ExchangeOidcToken) -> IssuedToken:
        """Raises: InvalidValue (provider), OidcTokenInvalid / OidcTokenExpired,
        OidcIssuerUnavailable, NoMatchingTrustPolicy, TrustPolicyBranchMismatch,
        LinkedAgentSuspended / LinkedAgentDecommissioned, AgentNotPermitted, InvalidScope /
        ScopeNotGranted, RateLimitExceeded, TokenQuotaExhausted."""
        if cmd.provider != GITHUB:
            raise InvalidValue("provider", "Only 'github' is supported.")
        try:
            claims = await self._verified_claims_of(cmd.token)
            async with self._uow() as uow:
                policy, agent = await self._designated(uow, claims, cmd.agent_id)
                if agent is None:
                    return await self._issue_bootstrap(uow, policy, claims, cmd)
                scope = self._scope(cmd.scope, agent, policy)
                await self._admit(agent.organization_id, agent.id)
                issued = await self._issue(uow, agent, scope, policy, claims, cmd.origin)
        except _Refusal as refusal:
            await self._refuse(refusal, cmd.origin)
            raise refusal.error from None
        return issued

    async def _verified_claims_of(self, token: str) -> GitHubClaims:
        oidc = self._oidc
        try:
            policy = ForeignTokenPolicy(
                issuer=oidc.issuer,
                audience=oidc.audience,
                jwks_uri=oidc.jwks_uri,
                algorithms=oidc.algorithms,
                max_age=oidc.max_age,
                leeway=oidc.leeway,
                max_bytes=oidc.max_token_bytes,
            )
            payload = await self._verifier.verify(token, policy, self._clock.now())
            claims = GitHubClaims.from_payload(payload)
        except KeySetUnavailable as exc:
            raise _Refusal(OidcIssuerUnavailable(), f"issuer-unavailable:{exc.reason}") from None
        except ForeignTokenRejected as exc:
            raise _Refusal(_rejection(exc), exc.reason) from None
        except MalformedGitHubToken as exc:
            raise _Refusal(OidcTokenInvalid(), exc.reason) from None
        # SECURITY: single use. Keyed by issuer too: jti values are only unique per issuer.
        expires_at = int(payload["exp"] + oidc.leeway.total_seconds())
        if not await self._replays.first_use(f"{oidc.issuer}\n{claims.jti}", expires_at):
            raise _Refusal(
                OidcTokenInvalid("The provided GitHub OIDC token was already used."),
                "replayed-jti",
                metadata=_about(claims),
            )
        return claims

    async def _designated(
        self, uow: UnitOfWork, claims: GitHubClaims, agent_id: str | None
    ) -> tuple[TrustPolicy, Agent | None]:
        """The accepting policy and its active agent; ``None`` for the agent in bootstrap mode
        (no ``agentId`` given and a bootstrap policy accepts the workflow)."""
        policies = await uow.trust_policies.for_repository(GITHUB, claims.repository_id)
        # A named agent is only ever reached through its own policies; bootstrap policies
        # count only when no agent is named.
        wanted = [policy for policy in policies if agent_id is None or policy.agent_id == agent_id]
        accepted = [policy for policy in wanted if policy.match(claims).accepted]
        if not accepted:
            raise _no_match(wanted, claims)
        bootstraps = [policy for policy in accepted if policy.is_bootstrap]
        if bootstraps:  # only possible without agentId
            # Seed 002: an exchange without agentId is bootstrap mode whenever a bootstrap
            # policy accepts the workflow (the agents it also trusts are reached by agentId).
            # SECURITY: two bootstrap policies (possibly of two organizations) accepting one
            # workflow: never guess which organization was meant.
            if len(bootstraps) > 1:
                raise self._ambiguous(
                    accepted,
                    claims,
                    "Several bootstrap policies trust this workflow; keep only one.",
                )
            return bootstraps[0], None
        if len({policy.agent_id for policy in accepted}) != 1:
            raise self._ambiguous(
                accepted, claims, "Several agents trust this workflow; pass agentId."
            )
        policy = accepted[0]
        return policy, await self._active_agent(uow, policy, claims)

    @staticmethod
    def _ambiguous(accepted: list[TrustPolicy], claims: GitHubClaims, message: str) -> _Refusal:
        return _Refusal(
            NoMatchingTrustPolicy(message),
            "ambiguous-agent",
            accepted[0].organization_id,
            _about(claims),
        )

    async def _active_agent(
        self, uow: UnitOfWork, policy: TrustPolicy, claims: GitHubClaims
    ) -> Agent:
        found = await uow.memberships.agent_with_role(AgentId(policy.agent_id or ""))
        about = {**_about(claims), "trustPolicyId": policy.id}
        if found is None or found.agent.organization_id != policy.organization_id:
            raise _Refusal(NoMatchingTrustPolicy(), "agent-missing", policy.organization_id, about)
        agent = found.agent
        if agent.status is AgentStatus.SUSPENDED:
            raise _Refusal(LinkedAgentSuspended(), "agent_suspended", agent.organization_id, about)
        if agent.status is AgentStatus.DECOMMISSIONED:
            raise _Refusal(
                LinkedAgentDecommissioned(), "agent_decommissioned", agent.organization_id, about
            )
        if not found.organization_active:
            raise _Refusal(
                AgentNotPermitted(), "organization_inactive", agent.organization_id, about
            )
        return agent

    def _scope(self, requested: str | None, agent: Agent, policy: TrustPolicy) -> frozenset[str]:
        if not requested:
            return agent.scopes
        try:
            return narrow(parse_scope(requested), agent.scopes)
        except DomainError as exc:
            raise _Refusal(
                exc, "invalid_scope", agent.organization_id, {"trustPolicyId": policy.id}
            ) from None

    async def _issue(
        self,
        uow: UnitOfWork,
        agent: Agent,
        scope: frozenset[str],
        policy: TrustPolicy,
        claims: GitHubClaims,
        origin: Origin,
    ) -> IssuedToken:
        about = {**_about(claims), "trustPolicyId": policy.id, "grant": "github_oidc"}
        issued = await self._stage_token(uow, agent, scope, origin, metadata=about)
        await uow.audit.append(
            self._trail.event(
                AuditAction.OIDC_TOKEN_EXCHANGED,
                organization_id=agent.organization_id,
                actor_id=agent.id,
                agent_id=agent.id,
                origin=origin,
                metadata=about,
            )
        )
        try:
            await uow.commit()
        except TokenQuotaExhausted as exc:
            raise _Refusal(exc, "token_quota_exhausted", agent.organization_id, about) from None
        return issued

    async def _issue_bootstrap(
        self, uow: UnitOfWork, policy: TrustPolicy, claims: GitHubClaims, cmd: ExchangeOidcToken
    ) -> IssuedToken:
        """Issue a bootstrap token (scope exactly ``agents:write``, no agent) under the
        bootstrap ``policy``: counted in the monthly token quota, audited as
        ``token.issued`` and ``oidc.token_exchanged`` with the policy as the actor."""
        organization_id = policy.organization_id
        about = {**_about(claims), "trustPolicyId": policy.id, "grant": "github_oidc_bootstrap"}
        organization = await uow.organizations.get(organization_id)
        if organization is None or organization.status is not OrganizationStatus.ACTIVE:
            raise _Refusal(AgentNotPermitted(), "organization_inactive", organization_id, about)
        if cmd.scope:
            try:
                narrow(parse_scope(cmd.scope), BOOTSTRAP_SCOPE)
            except DomainError as exc:
                raise _Refusal(exc, "invalid_scope", organization_id, about) from None
        token = BootstrapTokenClaims.issue(
            issuer=self._settings.issuer,
            audience=self._settings.audience,
            trust_policy_id=policy.id,
            organization_id=organization_id,
            jti=TokenId(self._ids.new_id()),
            now=self._clock.now(),
            ttl=self._oidc.bootstrap_ttl,
        )
        signed = self._signer.sign(token.to_dict())
        if self._limits is not None:
            await self._limits.count_token(uow, organization_id, self._clock.now())
        scope = format_scope(token.scope)
        issued_about = {**about, "jti": token.jti, "scope": scope, "exp": token.exp}
        for action in (AuditAction.TOKEN_ISSUED, AuditAction.OIDC_TOKEN_EXCHANGED):
            await uow.audit.append(
                self._trail.event(
                    action,
                    organization_id=organization_id,
                    actor_id=token.sub,
                    agent_id=None,
                    origin=cmd.origin,
                    metadata=issued_about,
                )
            )
        try:
            await uow.commit()
        except TokenQuotaExhausted as exc:
            raise _Refusal(exc, "token_quota_exhausted", organization_id, about) from None
        return IssuedToken(access_token=signed, expires_in=token.exp - token.iat, scope=scope)

    async def _refuse(self, refusal: _Refusal, origin: Origin) -> None:
        async with self._uow() as uow:
            await uow.audit.append(
                self._trail.event(
                    AuditAction.OIDC_TOKEN_EXCHANGED,
                    organization_id=refusal.organization_id,
                    actor_id=None,
                    agent_id=None,
                    origin=origin,
                    outcome=Outcome.FAILURE,
                    metadata={"reason": refusal.reason, **refusal.metadata},
                )
            )
            await uow.commit()


def _rejection(exc: ForeignTokenRejected) -> OidcTokenInvalid:
    """The answer to a failed verification: expired, a bad signature (the spec's wording), or
    invalid; the precise reason goes to the audit log only."""
    if exc.expired:
        return OidcTokenExpired()
    if exc.reason == "bad-signature":
        return OidcTokenInvalid("The provided GitHub OIDC token signature is invalid.")
    return OidcTokenInvalid()


def _about(claims: GitHubClaims) -> dict[str, Any]:
    """What the audit log says about a GitHub token (never the token itself)."""
    return {
        "repository": claims.repository,
        "repositoryId": claims.repository_id,
        "ref": claims.ref,
        "environment": claims.environment,
        "jobWorkflowRef": claims.job_workflow_ref,
        "jti": claims.jti,
    }


def _no_match(candidates: Sequence[TrustPolicy], claims: GitHubClaims) -> _Refusal:
    """TRUST_POLICY_BRANCH_MISMATCH when a policy of this repository failed on its branch
    alone and no other reason applies; TRUST_POLICY_NOT_FOUND otherwise."""
    results = [(policy, policy.match(claims).mismatch) for policy in candidates]
    organization_id = candidates[0].organization_id if candidates else None
    about = _about(claims)
    if results and all(mismatch is Mismatch.BRANCH for _, mismatch in results):
        allowed = sorted({policy.branch or "" for policy, _ in results})
        error = TrustPolicyBranchMismatch(
            allowed=allowed[0] if len(allowed) == 1 else allowed,
            provided=claims.branch or claims.ref,
        )
        return _Refusal(error, Mismatch.BRANCH.value, organization_id, about)
    reasons = sorted({str(mismatch) for _, mismatch in results}) or ["no-policy"]
    return _Refusal(NoMatchingTrustPolicy(), ",".join(reasons), organization_id, about)
