"""OAuth 2.0 token use cases: client credentials grant, bearer authentication, RFC 7662
introspection and RFC 7009 revocation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from agentidp.domain.agent import Agent
from agentidp.domain.audit import AuditAction, Outcome
from agentidp.domain.delegation import DelegationId, chain_authorises
from agentidp.domain.errors import DomainError
from agentidp.domain.ids import AgentId, OrganizationId, TokenId
from agentidp.domain.organization import OrganizationStatus
from agentidp.domain.scopes import TOKENS_READ, format_scope, narrow, parse_scope
from agentidp.domain.token import (
    AccessTokenClaims,
    BootstrapTokenClaims,
    MalformedClaims,
    is_bootstrap_token,
)
from agentidp.domain.trust_policy import TrustPolicyId

from ..audit_trail import AuditTrail
from ..client_auth import ClientAuthenticator
from ..commands import AuthenticateClient, IntrospectToken, IssueToken, Origin, RevokeToken
from ..delegation_chains import load_chain
from ..errors import (
    AgentNotPermitted,
    InvalidClient,
    TenantMismatch,
    TokenQuotaExhausted,
    Unauthenticated,
)
from ..ports.security import RevocationList, TokenRejected, TokenSigner
from ..ports.system import Clock, IdGenerator
from ..ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from ..principal import BootstrapGrant, Principal
from ..usage_limits import UsageLimits

#: How audit events name what a client authenticated for.
GRANT_CLIENT_CREDENTIALS = "client_credentials"


@dataclass(frozen=True, slots=True)
class TokenSettings:
    """Who we are in tokens and how long they live."""

    issuer: str
    audience: str
    ttl: timedelta = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """An RFC 6749 §5.1 access token response."""

    access_token: str = field(repr=False)  # SECURITY: never in logs or tracebacks
    expires_in: int
    scope: str
    token_type: str = "Bearer"


class _TokenUseCase:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdGenerator,
        signer: TokenSigner,
        revocations: RevocationList,
        settings: TokenSettings,
        *,
        limits: UsageLimits | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._signer = signer
        self._revocations = revocations
        self._settings = settings
        self._trail = AuditTrail(clock, ids)
        #: Tier limits (per-client rate, monthly tokens); ``None``: nothing is limited.
        self._limits = limits

    async def _admit(self, organization_id: OrganizationId, client_id: AgentId) -> None:
        """Count an authenticated client's request against its tier's rate limit.

        Raises:
            RateLimitExceeded: the client's window is full.
        """
        if self._limits is not None:
            await self._limits.admit_client(organization_id, client_id)

    async def _verified_claims(self, token: str) -> AccessTokenClaims:
        """Signature, claims table, expiry, revocation and a still-active agent.

        Raises:
            Unauthenticated: any check failed.
            TenantMismatch: the token is ours but carries no organization.
        """
        claims, _ = await self._verified(token)
        return claims

    async def _verified(self, token: str) -> tuple[AccessTokenClaims, frozenset[str]]:
        """:meth:`_verified_claims`, plus the caller's membership roles, read together with
        the agent (one read: this runs on every authenticated request).

        Raises:
            Unauthenticated: any check failed, or the agent's organization is not active.
            TenantMismatch: the token is ours but carries no organization.
        """
        return await self._verified_agent_token(self._signed_claims(token))

    def _signed_claims(self, token: str) -> dict[str, Any]:
        """The claims of a token our signer signed.

        Raises:
            Unauthenticated: the signature is invalid.
        """
        try:
            return dict(self._signer.verify(token))
        except TokenRejected:
            raise Unauthenticated("Token signature is invalid.") from None

    async def _verified_agent_token(
        self, raw: Mapping[str, Any]
    ) -> tuple[AccessTokenClaims, frozenset[str]]:
        """:meth:`_verified` on claims whose signature was checked."""
        try:
            claims = AccessTokenClaims.from_dict(
                raw, issuer=self._settings.issuer, audience=self._settings.audience
            )
        except MalformedClaims as exc:
            if exc.claim == "organization_id":
                raise TenantMismatch() from None
            raise Unauthenticated("Token claims are invalid.") from None
        if not claims.is_active(self._clock.now()):
            raise Unauthenticated("Token has expired.")
        if await self._revocations.is_revoked(claims.jti):
            raise Unauthenticated("Token has been revoked.")
        async with self._uow() as uow:
            found = await uow.memberships.agent_with_role(claims.sub)
            delegated = await self._delegation_holds(uow, claims) if claims.is_delegated else True
        # SECURITY: suspending or decommissioning an agent, or suspending or deleting its
        # organization, ends its outstanding tokens at once.
        if (
            found is None
            or not found.agent.is_active
            or not found.organization_active
            or found.agent.organization_id != claims.organization_id
            or not delegated
        ):
            raise Unauthenticated("Token is no longer valid.")
        if claims.is_delegated:
            return claims, frozenset()  # delegation hands on scopes, never membership roles
        return claims, frozenset() if found.role is None else frozenset({found.role.value})

    async def _verified_bootstrap(self, raw: Mapping[str, Any]) -> BootstrapTokenClaims:
        """A bootstrap token's claims, if it is unexpired, not used up (revoked), and its
        trust policy still exists, is still a bootstrap policy of the token's organization,
        and that organization is active.

        SECURITY: deleting the bootstrap policy (or suspending the organization) ends its
        outstanding bootstrap tokens at once.

        Raises:
            Unauthenticated: any check failed.
        """
        try:
            claims = BootstrapTokenClaims.from_dict(
                raw, issuer=self._settings.issuer, audience=self._settings.audience
            )
        except MalformedClaims:
            raise Unauthenticated("Token claims are invalid.") from None
        if not claims.is_active(self._clock.now()):
            raise Unauthenticated("Token has expired.")
        if await self._revocations.is_revoked(claims.jti):
            raise Unauthenticated("Token has been used or revoked.")
        async with self._uow() as uow:
            policy = await uow.trust_policies.get(TrustPolicyId(claims.trust_policy_id))
            organization = await uow.organizations.get(claims.organization_id)
        if (
            policy is None
            or not policy.is_bootstrap
            or policy.organization_id != claims.organization_id
            or organization is None
            or organization.status is not OrganizationStatus.ACTIVE
        ):
            raise Unauthenticated("Token is no longer valid.")
        return claims

    async def _delegation_holds(self, uow: UnitOfWork, claims: AccessTokenClaims) -> bool:
        """A delegated token's link chain is still active and matches its claims, and every
        agent acting along it is still active.

        SECURITY: checked on every use, so revoking any link of the chain (or suspending
        any of its agents) ends every token issued under it at once, in every worker.
        """
        chain = await load_chain(uow.delegations, DelegationId(claims.delegation_id or ""))
        for actor_id in claims.act:
            actor = await uow.agents.get(actor_id)
            if actor is None or not actor.is_active:
                return False
        return chain_authorises(
            chain,
            subject=claims.sub,
            acting=claims.act,
            scope=claims.scope,
            organization_id=claims.organization_id,
            now=self._clock.now(),
        )

    async def _stage_token(
        self,
        uow: UnitOfWork,
        agent: Agent,
        scope: frozenset[str],
        origin: Origin,
        metadata: Mapping[str, Any] | None = None,
    ) -> IssuedToken:
        """Sign an access token for ``agent`` and stage what every issuance stages: the
        month's token count (tier quota) and the ``token.issued`` audit event (``metadata``
        added to it). The caller commits, and hands the token out only after the commit:
        ``commit`` raises ``TokenQuotaExhausted`` when the quota is used up."""
        claims = AccessTokenClaims.issue(
            issuer=self._settings.issuer,
            audience=self._settings.audience,
            agent_id=agent.id,
            organization_id=agent.organization_id,
            scope=scope,
            jti=TokenId(self._ids.new_id()),
            now=self._clock.now(),
            ttl=self._settings.ttl,
        )
        token = self._signer.sign(claims.to_dict())
        if self._limits is not None:
            await self._limits.count_token(uow, agent.organization_id, self._clock.now())
        await uow.audit.append(
            self._trail.event(
                AuditAction.TOKEN_ISSUED,
                organization_id=agent.organization_id,
                actor_id=agent.id,
                agent_id=agent.id,
                origin=origin,
                metadata={
                    "jti": claims.jti,
                    "scope": format_scope(scope),
                    "exp": claims.exp,
                    **(metadata or {}),
                },
            )
        )
        return IssuedToken(
            access_token=token, expires_in=claims.exp - claims.iat, scope=format_scope(scope)
        )

    async def _audit(
        self, principal: Principal, origin: Origin, action: AuditAction, metadata: dict[str, Any]
    ) -> None:
        """Record a token operation performed by ``principal`` and commit it."""
        async with self._uow() as uow:
            await uow.audit.append(
                self._trail.event(
                    action,
                    organization_id=principal.organization_id,
                    actor_id=principal.actor,
                    agent_id=principal.subject,
                    origin=origin,
                    metadata=metadata,
                )
            )
            await uow.commit()


class _ClientAuthenticatingUseCase(_TokenUseCase):
    """Base of the use cases whose caller proves a client secret (RFC 6749 §2.3.1)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdGenerator,
        signer: TokenSigner,
        revocations: RevocationList,
        settings: TokenSettings,
        authenticator: ClientAuthenticator,
        *,
        limits: UsageLimits | None = None,
    ) -> None:
        super().__init__(uow, clock, ids, signer, revocations, settings, limits=limits)
        self._authenticator = authenticator

    async def _authenticated_agent(
        self, uow: UnitOfWork, client_id: str, secret: str, origin: Origin, purpose: str
    ) -> Agent:
        """The agent that proved ``secret``, if it and its organization are active.

        Every refusal is audited as ``auth.failed`` with its reason (committed before raising).

        Raises:
            InvalidClient: authentication failed (one answer for every cause).
            AgentNotPermitted: the agent or its organization is not active.
        """
        auth = await self._authenticator.authenticate(uow, client_id, secret)
        agent = auth.agent
        if auth.failure is not None or agent is None:
            reason = auth.failure.value if auth.failure else "unknown"
            organization_id = agent.organization_id if agent else None
            await self._refuse(uow, client_id, organization_id, origin, reason, purpose)
            raise InvalidClient()
        if not agent.is_active:
            reason = f"agent_{agent.status.value}"
            await self._refuse(uow, client_id, agent.organization_id, origin, reason, purpose)
            raise AgentNotPermitted()
        if not auth.organization_active:
            reason = "organization_inactive"
            await self._refuse(uow, client_id, agent.organization_id, origin, reason, purpose)
            raise AgentNotPermitted()
        # NOTE: after authentication, so nobody can spend another client's budget; floods of
        # unauthenticated requests meet the per-IP limit instead (docs/limits.md).
        await self._admit(agent.organization_id, agent.id)
        return agent

    async def _refuse(
        self,
        uow: UnitOfWork,
        client_id: str,
        organization_id: str | None,
        origin: Origin,
        reason: str,
        purpose: str,
    ) -> None:
        await uow.audit.append(
            self._trail.event(
                AuditAction.AUTH_FAILED,
                organization_id=organization_id,
                actor_id=None,
                agent_id=client_id if organization_id else None,
                origin=origin,
                outcome=Outcome.FAILURE,
                metadata={"reason": reason, "purpose": purpose},
            )
        )
        await uow.commit()


class IssueTokenUseCase(_ClientAuthenticatingUseCase):
    """Client credentials grant: authenticate the agent, narrow the scope, sign, audit.

    The ``token.issued`` audit event is committed before the token is returned; a refusal is
    audited as ``auth.failed`` with its reason.
    """

    async def __call__(self, cmd: IssueToken) -> IssuedToken:
        """Raises: InvalidClient (every authentication failure alike), AgentNotPermitted
        (suspended or decommissioned agent, inactive organization), InvalidScope /
        ScopeNotGranted, RateLimitExceeded, TokenQuotaExhausted (audited as refusals, except
        the rate limit: a flood must not flood the audit log)."""
        async with self._uow() as uow:
            agent = await self._authenticated_agent(
                uow, cmd.client_id, cmd.client_secret, cmd.origin, GRANT_CLIENT_CREDENTIALS
            )
            try:
                scope = narrow(parse_scope(cmd.scope or ""), agent.scopes)
            except DomainError:
                await self._refuse(
                    uow,
                    cmd.client_id,
                    agent.organization_id,
                    cmd.origin,
                    "invalid_scope",
                    GRANT_CLIENT_CREDENTIALS,
                )
                raise
            issued = await self._stage_token(uow, agent, scope, cmd.origin)
            # NOTE: the token leaves only after its issuance event is durably committed.
            try:
                await uow.commit()
            except TokenQuotaExhausted:
                # Nothing of the issuance was committed (the count neither): audit the refusal.
                await self._refuse(
                    uow,
                    cmd.client_id,
                    agent.organization_id,
                    cmd.origin,
                    "token_quota_exhausted",
                    GRANT_CLIENT_CREDENTIALS,
                )
                raise
        return issued


class AuthenticateClientUseCase(_ClientAuthenticatingUseCase):
    """Introspection and revocation callers that authenticate with client credentials
    (RFC 7662 §2.1, RFC 7009 §2.1) act as their agent, exactly as the token endpoint would
    authenticate them; refusals are audited the same way."""

    async def __call__(self, cmd: AuthenticateClient) -> Principal:
        """Raises: InvalidClient, AgentNotPermitted."""
        async with self._uow() as uow:
            agent = await self._authenticated_agent(
                uow, cmd.client_id, cmd.client_secret, cmd.origin, cmd.purpose
            )
        return Principal(
            subject=agent.id, organization_id=agent.organization_id, scopes=agent.scopes
        )


class AuthenticateBearerUseCase(_TokenUseCase):
    """Turn a bearer access token into the :class:`Principal` every other use case takes."""

    async def __call__(self, token: str) -> Principal:
        """Raises: Unauthenticated (bad, expired, revoked token or inactive agent),
        TenantMismatch (a token of ours without ``organization_id``)."""
        raw = self._signed_claims(token)
        if is_bootstrap_token(raw):
            bootstrap = await self._verified_bootstrap(raw)
            return Principal(
                subject=None,
                organization_id=bootstrap.organization_id,
                scopes=bootstrap.scope,
                token_id=bootstrap.jti,
                bootstrap=BootstrapGrant(bootstrap.trust_policy_id, bootstrap.exp),
            )
        claims, roles = await self._verified_agent_token(raw)
        await self._admit(claims.organization_id, claims.sub)
        return Principal(
            subject=claims.sub,
            organization_id=claims.organization_id,
            scopes=claims.scope,
            token_id=claims.jti,
            roles=roles,
            actors=claims.act,
            delegation_id=claims.delegation_id,
        )


class IntrospectTokenUseCase(_TokenUseCase):
    """RFC 7662: active tokens of the caller's organization get their claims, anything else
    gets ``{"active": false}`` (unknown, expired, revoked, foreign: indistinguishable)."""

    async def __call__(self, cmd: IntrospectToken) -> dict[str, Any]:
        """Raises: InsufficientScope (the caller lacks ``tokens:read``)."""
        cmd.principal.require_scope(TOKENS_READ)
        try:
            raw: Mapping[str, Any] | None = self._signed_claims(cmd.token)
        except Unauthenticated:
            raw = None
        if raw is not None and is_bootstrap_token(raw):
            return await self._bootstrap(cmd, raw)
        return await self._answer(cmd, await self._claims_or_none(raw), {})

    async def _answer(
        self,
        cmd: IntrospectToken,
        claims: AccessTokenClaims | BootstrapTokenClaims | None,
        extra: Mapping[str, Any],
    ) -> dict[str, Any]:
        """The audited RFC 7662 answer: the claims (and ``extra``) of a valid token of the
        caller's organization, else ``{"active": false}``."""
        active = claims is not None and claims.organization_id == cmd.principal.organization_id
        await self._audit(
            cmd.principal,
            cmd.origin,
            AuditAction.TOKEN_INTROSPECTED,
            {"jti": claims.jti if active and claims else None, "active": active},
        )
        if not active or claims is None:
            return {"active": False}
        return {"active": True, "token_type": "Bearer", **extra, **claims.to_dict()}

    async def _bootstrap(self, cmd: IntrospectToken, raw: Mapping[str, Any]) -> dict[str, Any]:
        """A bootstrap token: active (with ``token_use`` ``bootstrap``) while it may still
        register, for callers of its organization."""
        try:
            claims: BootstrapTokenClaims | None = await self._verified_bootstrap(raw)
        except Unauthenticated:
            claims = None
        return await self._answer(cmd, claims, {"token_use": "bootstrap"})

    async def _claims_or_none(self, raw: Mapping[str, Any] | None) -> AccessTokenClaims | None:
        if raw is None:
            return None
        try:
            claims, _ = await self._verified_agent_token(raw)
        except (Unauthenticated, TenantMismatch):
            return None
        return claims


class RevokeTokenUseCase(_TokenUseCase):
    """RFC 7009: revoke one of your own tokens (or, with ``admin:orgs``, any token of your
    organization). Unknown, invalid, expired or foreign tokens are a silent no-op."""

    async def __call__(self, cmd: RevokeToken) -> None:
        """Raises: NotResourceOwner (another agent's token without ``admin:orgs``, or a
        bootstrap token without it)."""
        try:
            raw = self._signer.verify(cmd.token)
            if is_bootstrap_token(raw):
                await self._revoke_bootstrap(cmd, raw)
                return
            claims = AccessTokenClaims.from_dict(
                raw, issuer=self._settings.issuer, audience=self._settings.audience
            )
        except (TokenRejected, MalformedClaims):
            return  # RFC 7009 §2.2: an invalid token is not an error.
        if claims.organization_id != cmd.principal.organization_id:
            return  # SECURITY: tenant isolation: another organization's token is invisible.
        # A delegated token may also be revoked by the agent it was issued to (its client).
        if not (claims.is_delegated and cmd.principal.subject == claims.client_id):
            cmd.principal.require_self_or_admin(claims.sub)
        if not claims.is_active(self._clock.now()):
            return
        await self._revocations.revoke(claims.jti, claims.exp)
        await self._audit(
            cmd.principal,
            cmd.origin,
            AuditAction.TOKEN_REVOKED,
            {"jti": claims.jti, "sub": claims.sub},
        )

    async def _revoke_bootstrap(self, cmd: RevokeToken, raw: Mapping[str, Any]) -> None:
        """An administrator (``admin:orgs``) of its organization revokes a bootstrap token;
        anything invalid, expired or foreign is a silent no-op, as for agent tokens."""
        try:
            claims = BootstrapTokenClaims.from_dict(
                raw, issuer=self._settings.issuer, audience=self._settings.audience
            )
        except MalformedClaims:
            return
        if claims.organization_id != cmd.principal.organization_id:
            return  # SECURITY: tenant isolation: another organization's token is invisible.
        cmd.principal.require_self_or_admin(claims.sub)  # nobody is a bootstrap token's self
        if not claims.is_active(self._clock.now()):
            return
        await self._revocations.revoke(claims.jti, claims.exp)
        await self._audit(
            cmd.principal,
            cmd.origin,
            AuditAction.TOKEN_REVOKED,
            {"jti": claims.jti, "sub": claims.sub},
        )
