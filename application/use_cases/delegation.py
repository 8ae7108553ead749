"""Agent-to-agent delegation use cases (delegation.yaml): create, verify and revoke links,
and exchange tokens for a delegated access token (RFC 8693).

Who is who in a delegated token: ``sub`` is the delegator at the root of the chain (the
party on whose behalf), ``act`` nests the agents acting, the current one outermost, and
``client_id`` is the current actor. Bearer authentication re-checks the link chain on every
use (``tokens.py``), so a revocation anywhere up the chain ends the token at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from agentidp.domain.audit import AuditAction
from agentidp.domain.delegation import (
    DEFAULT_MAX_DEPTH,
    Delegation,
    DelegationId,
    ParentDelegationInactive,
    Party,
    actors,
    chain_is_active,
)
from agentidp.domain.errors import DomainError
from agentidp.domain.ids import AgentId, TokenId, is_uuid
from agentidp.domain.scopes import ADMIN_ORGS, format_scope, narrow, parse_scope, scope_collection
from agentidp.domain.token import AccessTokenClaims

from ..audit_trail import AuditedUseCase
from ..commands import (
    CreateDelegation,
    ExchangeDelegatedToken,
    Origin,
    RevokeDelegation,
    VerifyDelegation,
)
from ..delegation_chains import load_chain
from ..errors import (
    AgentNotFound,
    DelegationNotAuthorized,
    DelegationNotFound,
    InvalidRequest,
    NotResourceOwner,
    TenantMismatch,
    Unauthenticated,
    UnsupportedTokenType,
)
from ..ports import tenant_context
from ..ports.system import Clock, IdGenerator
from ..ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from ..principal import Principal
from ..token_exchange import ACCESS_TOKEN, TokenExchangeRequest
from .tokens import IssuedToken, _TokenUseCase

#: ``<chainId>.<issuedAt epoch seconds>.<expiresAt epoch seconds>`` (delegation.yaml).
_TOKEN: Final = re.compile(r"^([0-9a-f-]{36})\.([0-9]{1,12})\.([0-9]{1,12})$")


@dataclass(frozen=True, slots=True)
class DelegationSettings:
    """How long chains may grow (``AGENTIDP_DELEGATION_MAX_DEPTH``)."""

    max_depth: int = DEFAULT_MAX_DEPTH


@dataclass(frozen=True, slots=True)
class DelegationVerification:
    """The answer of ``verify-delegation``: ``link`` is ``None`` for an unknown token."""

    valid: bool
    chain_id: str
    link: Delegation | None
    #: When the link, or the first revoked link above it, was revoked.
    revoked_at: datetime | None


def delegation_token(link: Delegation) -> str:
    """The reference the delegatee presents to ``verify-delegation``. Not a secret and not
    a credential: authority comes from the stored link, which verification reads."""
    issued = int(link.created_at.timestamp())
    return f"{link.id}.{issued}.{int(link.expires_at.timestamp())}"


class _DelegationUseCase(AuditedUseCase):
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdGenerator,
        settings: DelegationSettings,
    ) -> None:
        super().__init__(uow, clock, ids)
        self._settings = settings

    async def _audit(
        self,
        uow: UnitOfWork,
        principal: Principal,
        origin: Origin,
        action: AuditAction,
        link: Delegation,
    ) -> None:
        """Stage the audit event of a change to ``link``; it names the caller (and whom it
        acts for, when delegated), the delegator and the delegatee."""
        await uow.audit.append(
            self._trail.event(
                action,
                organization_id=link.organization_id,
                actor_id=principal.actor,
                agent_id=link.delegatee_id,
                origin=origin,
                metadata={
                    "chainId": link.id,
                    "delegatorAgentId": link.delegator_id,
                    "delegateeAgentId": link.delegatee_id,
                    "scope": format_scope(link.scopes),
                    "parentChainId": link.parent_id,
                    "depth": link.depth,
                },
            )
        )


class CreateDelegationUseCase(_DelegationUseCase):
    """An agent delegates a subset of its scopes to an agent of its organization, or
    extends a link it holds (A → B → C) with a subset of that link's scopes."""

    async def __call__(self, cmd: CreateDelegation) -> Delegation:
        """Raises: InvalidValue / InvalidScope (scopes, ttlSeconds), Forbidden (the operator
        is not an agent), AgentNotFound (no such delegatee), CrossTenantDelegation,
        SelfDelegation, ScopeExceedsDelegator, DelegationNotFound (parent),
        ParentDelegationInactive, DelegationDepthExceeded."""
        principal = cmd.principal
        delegator_id = principal.acting_agent
        if delegator_id is None:
            raise NotResourceOwner("Only an agent can delegate its scopes.")
        scopes = scope_collection(cmd.scopes)
        # Clamped only so any integer converts; out of range stays out of range for the domain.
        ttl = timedelta(seconds=max(-1, min(cmd.ttl_seconds, 86_401)))
        now = self._clock.now()
        delegatee = await self._delegatee(cmd.delegatee_id)
        async with self._uow() as uow:
            parent = await self._parent(uow, principal, cmd.parent_id, now)
            link = Delegation.grant(
                id=DelegationId(self._ids.new_id()),
                delegator=Party(delegator_id, principal.organization_id, principal.scopes),
                delegatee=delegatee,
                scopes=scopes,
                ttl=ttl,
                now=now,
                parent=parent,
                max_depth=self._settings.max_depth,
            )
            await uow.delegations.add(link)
            await self._audit(uow, principal, cmd.origin, AuditAction.DELEGATION_CREATED, link)
            await uow.commit()
        return link

    async def _delegatee(self, delegatee_id: str) -> Party:
        """The delegatee, wherever it lives: the spec answers another organization's agent
        with ``CROSS_TENANT_DELEGATION`` rather than "not found", so this one read looks
        across tenants (the domain rule then refuses it; nothing of it is returned)."""
        if not is_uuid(delegatee_id):
            raise AgentNotFound("Delegatee agent with the specified ID was not found.")
        with tenant_context.scope(tenant_context.ALL_TENANTS):
            async with self._uow() as uow:
                agent = await uow.agents.get(AgentId(delegatee_id))
        if agent is None or not agent.is_active:
            raise AgentNotFound("Delegatee agent with the specified ID was not found.")
        return Party(agent.id, agent.organization_id, agent.scopes)

    async def _parent(
        self, uow: UnitOfWork, principal: Principal, parent_id: str | None, now: datetime
    ) -> Delegation | None:
        """The link to extend: the one behind the caller's delegated token, or ``parent_id``
        (which must then agree). Its whole chain must be active; the domain checks that the
        caller is its delegatee."""
        if principal.delegation_id is not None:
            if parent_id is not None and parent_id != principal.delegation_id:
                raise InvalidRequest(
                    "parentChainId must be the delegation behind the caller's token."
                )
            parent_id = principal.delegation_id
        if parent_id is None:
            return None
        chain = []
        if is_uuid(parent_id):
            chain = await load_chain(uow.delegations, DelegationId(parent_id))
        if not chain or chain[-1].organization_id != principal.organization_id:
            raise DelegationNotFound()
        if not chain_is_active(chain, now):
            raise ParentDelegationInactive()  # the parent itself, or any link above it
        return chain[-1]


class VerifyDelegationUseCase(_DelegationUseCase):
    """Any authenticated agent checks a delegation token. Always an answer, never an error,
    for a well-formed token: ``valid`` is false for an expired, revoked (itself or any
    ancestor), unknown or another organization's chain."""

    async def __call__(self, cmd: VerifyDelegation) -> DelegationVerification:
        """Raises: InvalidRequest (a malformed token)."""
        match = _TOKEN.fullmatch(cmd.delegation_token)
        if match is None or not is_uuid(match.group(1)):
            raise InvalidRequest("The 'delegationToken' field is malformed.")
        chain_id = match.group(1)
        async with self._uow() as uow:
            chain = await load_chain(uow.delegations, DelegationId(chain_id))
        link = chain[-1] if chain else None
        # SECURITY: another tenant's chain, or a token whose instants are not the link's
        # (a guessed or altered string), is "unknown".
        if (
            link is None
            or link.organization_id != cmd.principal.organization_id
            or delegation_token(link) != cmd.delegation_token
        ):
            return DelegationVerification(False, chain_id, None, None)
        revoked = [ancestor.revoked_at for ancestor in chain if ancestor.revoked_at is not None]
        return DelegationVerification(
            valid=chain_is_active(chain, self._clock.now()),
            chain_id=chain_id,
            link=link,
            revoked_at=revoked[0] if revoked else None,
        )


class RevokeDelegationUseCase(_DelegationUseCase):
    """The delegator (or an organization administrator, ``admin:orgs``) revokes a link;
    every link extending it, and every token issued under any of them, stops working at
    once. Revoking a revoked link succeeds and changes nothing."""

    async def __call__(self, cmd: RevokeDelegation) -> None:
        """Raises: DelegationNotFound (unknown or another organization's), NotResourceOwner
        (neither the delegator nor an administrator)."""
        principal = cmd.principal
        async with self._uow() as uow:
            link = (
                await uow.delegations.get(DelegationId(cmd.delegation_id))
                if is_uuid(cmd.delegation_id)
                else None
            )
            if link is None or link.organization_id != principal.organization_id:
                raise DelegationNotFound()
            if principal.acting_agent != link.delegator_id and ADMIN_ORGS not in principal.scopes:
                raise NotResourceOwner("Only the delegator or an administrator may revoke.")
            revoked = link.revoke(self._clock.now())
            if revoked is link:
                return  # idempotent: already revoked
            await uow.delegations.revoke(revoked)
            await self._audit(uow, principal, cmd.origin, AuditAction.DELEGATION_REVOKED, revoked)
            await uow.commit()


class ExchangeDelegatedTokenUseCase(_TokenUseCase):
    """RFC 8693 token exchange for delegation: ``subject_token`` is the delegator's access
    token (or a delegated token, to go one link further down a chain), ``actor_token`` the
    delegatee's own access token. An active link from the subject's current actor to the
    actor, extending the subject token's link, authorises a token with the link's scopes
    (or fewer, with ``scope``), ``sub`` the root delegator and nested ``act`` claims."""

    async def __call__(self, cmd: ExchangeDelegatedToken) -> IssuedToken:
        """Raises: DelegationNotAuthorized (an unusable token, another organization, no
        active link, a scope beyond the link's), InvalidScope (a malformed scope),
        TokenQuotaExhausted (the organization's monthly tokens are used up)."""
        subject = await self._usable(cmd.subject_token)
        actor = await self._usable(cmd.actor_token)
        if actor.is_delegated or subject.organization_id != actor.organization_id:
            raise DelegationNotAuthorized()
        requested = parse_scope(cmd.scope or "")
        now = self._clock.now()
        delegator = subject.act[0] if subject.act else subject.sub
        parent_id = DelegationId(subject.delegation_id) if subject.delegation_id else None
        async with self._uow() as uow:
            chain = await self._authorising_chain(uow, subject, delegator, actor.sub, parent_id)
            link = chain[-1]
            try:
                scope = narrow(requested, link.scopes)
            except DomainError:
                raise DelegationNotAuthorized(
                    "The requested scope exceeds the delegation's scopes."
                ) from None
            claims = AccessTokenClaims.delegate(
                issuer=self._settings.issuer,
                audience=self._settings.audience,
                subject=subject.sub,
                actors=actors(chain),
                delegation_id=link.id,
                organization_id=link.organization_id,
                scope=scope,
                jti=TokenId(self._ids.new_id()),
                now=now,
                expires_at=link.expires_at,
                ttl=self._settings.ttl,
            )
            token = self._signer.sign(claims.to_dict())
            if self._limits is not None:  # a delegated token counts like any other
                await self._limits.count_token(uow, link.organization_id, now)
            await uow.audit.append(
                self._trail.event(
                    AuditAction.TOKEN_DELEGATED,
                    organization_id=link.organization_id,
                    actor_id=f"{actor.sub} for {subject.sub}",
                    agent_id=subject.sub,
                    origin=cmd.origin,
                    metadata={
                        "jti": claims.jti,
                        "scope": format_scope(scope),
                        "exp": claims.exp,
                        "chainId": link.id,
                        "act": list(claims.act),
                    },
                )
            )
            await uow.commit()
        return IssuedToken(
            access_token=token, expires_in=claims.exp - claims.iat, scope=format_scope(scope)
        )

    async def _usable(self, token: str) -> AccessTokenClaims:
        try:
            return await self._verified_claims(token)
        except (Unauthenticated, TenantMismatch):
            raise DelegationNotAuthorized("The subject or actor token is not valid.") from None

    async def _authorising_chain(
        self,
        uow: UnitOfWork,
        subject: AccessTokenClaims,
        delegator: AgentId,
        delegatee: AgentId,
        parent_id: DelegationId | None,
    ) -> list[Delegation]:
        """The newest active chain ending in a link ``delegator`` → ``delegatee`` under
        ``parent_id``.

        Raises:
            DelegationNotAuthorized: there is none.
        """
        prefix = await load_chain(uow.delegations, parent_id) if parent_id else []
        links = await uow.delegations.find(subject.organization_id, delegator, delegatee, parent_id)
        now = self._clock.now()
        for link in links:
            chain = [*prefix, link]
            if chain_is_active(chain, now) and chain[0].delegator_id == subject.sub:
                return chain
        raise DelegationNotAuthorized()


class DelegationExchange:
    """The token-exchange handler for delegation (``application/token_exchange.py``):
    ``subject_token`` and ``actor_token`` both our access tokens.

    Args:
        exchange: the use case doing the work.
        enabled: the A2A feature flag; off, this exchange does not exist.
    """

    def __init__(self, exchange: ExchangeDelegatedTokenUseCase, *, enabled: bool = True) -> None:
        self._exchange = exchange
        self._enabled = enabled

    async def __call__(self, request: TokenExchangeRequest) -> IssuedToken:
        """Raises: UnsupportedTokenType (A2A disabled, or an actor token that is not an
        access token), and what :class:`ExchangeDelegatedTokenUseCase` raises."""
        if not self._enabled:
            raise UnsupportedTokenType(subject_token_type=request.subject_token_type)
        if request.actor_token is None or request.actor_token_type != ACCESS_TOKEN:
            raise UnsupportedTokenType(actor_token_type=request.actor_token_type)
        return await self._exchange(
            ExchangeDelegatedToken(
                subject_token=request.subject_token,
                actor_token=request.actor_token,
                scope=request.scope,
                origin=request.origin,
            )
        )
