"""Federation partner use cases: register, list, read, update and delete trusted external
IdPs, and verify the tokens they mint (docs/federation.md).

Partners are deployment-wide (docs/adr/0013-federation-partners.md): managing them needs
``admin:orgs`` (the spec's scope) *and* ``admin:platform``, since one partner may vouch for
several organizations. Verifying needs any authenticated caller (the route policy asks for
``agents:read``).

Keys: a partner's ``jwks_uri`` is probed through the ``KeySetSource`` before it is stored
(registration, or a PATCH that changes it); the cached set is invalidated when the URI
changes and when the partner is deleted. The partner itself is read from the store on every
verification, never cached, so a suspension, an expiry or a deletion takes effect on every
worker at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from agentidp.domain.audit import AuditAction
from agentidp.domain.federation import (
    ALLOWED_ALGORITHMS,
    MAX_TOKEN_AGE,
    ClaimFailure,
    FederationPartner,
    FederationPartnerId,
    FederationPartnerStatus,
    refuse_claims,
    unverified_issuer,
)
from agentidp.domain.ids import is_uuid
from agentidp.domain.scopes import ADMIN_ORGS

from ..audit_trail import AuditedUseCase
from ..commands import (
    DeleteFederationPartner,
    GetFederationPartner,
    ListFederationPartners,
    Origin,
    RegisterFederationPartner,
    UpdateFederationPartner,
    VerifyFederatedToken,
)
from ..errors import (
    FederatedTokenExpired,
    FederatedTokenInvalid,
    FederationOrgNotAllowed,
    FederationPartnerExpired,
    FederationPartnerNotFound,
    FederationPartnerSuspended,
    InvalidRequest,
    JwksUnreachable,
    UnknownFederationIssuer,
)
from ..ports.key_sets import (
    ForeignTokenPolicy,
    ForeignTokenRejected,
    ForeignTokenVerifier,
    KeySetSource,
    KeySetUnavailable,
)
from ..ports.system import Clock, IdGenerator
from ..ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from ..principal import Principal
from .organizations_access import require_platform_admin


@dataclass(frozen=True, slots=True)
class FederatedIdentity:
    """A verified partner token: who the partner says the caller is, and every claim."""

    issuer: str
    subject: str
    organization_id: str | None
    claims: Mapping[str, Any]
    partner_id: FederationPartnerId


class FederationUseCase(AuditedUseCase):
    """Base of the partner management use cases: their ports, access rule and audit trail."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, ids: IdGenerator, key_sets: KeySetSource
    ) -> None:
        super().__init__(uow, clock, ids)
        self._key_sets = key_sets

    async def _probe(self, jwks_uri: str) -> None:
        """Raises:
        JwksUnreachable: the URI does not serve a key set with at least one key.
        """
        # The probe asks the endpoint *now*: neither a set cached earlier nor a remembered
        # failure (an administrator retrying after fixing the endpoint) may answer for it.
        # Only platform administrators get here, so this cannot amplify fetches.
        await self._key_sets.invalidate(jwks_uri)
        try:
            key_set = await self._key_sets.key_set(jwks_uri)
        except KeySetUnavailable as exc:
            raise JwksUnreachable(jwks_uri=jwks_uri) from exc
        keys = key_set.get("keys")
        if not isinstance(keys, list) or not keys:
            raise JwksUnreachable("The partner JWKS endpoint serves no keys.", jwks_uri=jwks_uri)

    async def _record(
        self,
        uow: UnitOfWork,
        action: AuditAction,
        principal: Principal,
        origin: Origin,
        metadata: Mapping[str, Any],
    ) -> None:
        """Stage the audit event of a partner change, in the acting administrator's
        organization's log (a partner belongs to no organization)."""
        await uow.audit.append(
            self._trail.event(
                action,
                organization_id=principal.organization_id,
                actor_id=principal.actor,
                agent_id=None,
                origin=origin,
                metadata=metadata,
            )
        )


def _require_partner_admin(principal: Principal) -> None:
    """Raises:
    InsufficientScope: the caller lacks ``admin:orgs``.
    NotPlatformAdmin: the caller lacks ``admin:platform``.
    """
    principal.require_scope(ADMIN_ORGS)
    require_platform_admin(principal)


async def _existing(uow: UnitOfWork, partner_id: str) -> FederationPartner:
    """Raises:
    FederationPartnerNotFound: no partner has this id (or it is not a UUID).
    """
    partner = (
        await uow.federation_partners.get(FederationPartnerId(partner_id))
        if is_uuid(partner_id)
        else None
    )
    if partner is None:
        raise FederationPartnerNotFound(partner_id=partner_id)
    return partner


def described(partner: FederationPartner) -> dict[str, Any]:
    """The partner's fields as the API names them (audit metadata)."""
    return {
        "partnerId": partner.id,
        "name": partner.name,
        "issuer": partner.issuer,
        "jwks_uri": partner.jwks_uri,
        "allowed_organizations": list(partner.allowed_organizations),
        "status": partner.status.value,
        "expires_at": None if partner.expires_at is None else partner.expires_at.isoformat(),
    }


class RegisterFederationPartnerUseCase(FederationUseCase):
    """Platform administrators: trust a new external IdP, after probing its ``jwks_uri``."""

    async def __call__(self, cmd: RegisterFederationPartner) -> FederationPartner:
        """Raises: InsufficientScope, NotPlatformAdmin, InvalidValue (name, URLs, allowlist,
        expiry), FederationPartnerConflict (issuer taken), JwksUnreachable."""
        _require_partner_admin(cmd.principal)
        partner = FederationPartner.register(
            id=FederationPartnerId(self._ids.new_id()),
            name=cmd.name,
            issuer=cmd.issuer,
            jwks_uri=cmd.jwks_uri,
            now=self._clock.now(),
            allowed_organizations=cmd.allowed_organizations,
            expires_at=cmd.expires_at,
        )
        await self._probe(partner.jwks_uri)
        async with self._uow() as uow:
            await uow.federation_partners.add(partner)
            await self._record(
                uow,
                AuditAction.FEDERATION_PARTNER_REGISTERED,
                cmd.principal,
                cmd.origin,
                described(partner),
            )
            await uow.commit()
        return partner


class ListFederationPartnersUseCase(FederationUseCase):
    """Platform administrators: every partner, oldest first, as of now (a partner past its
    ``expires_at`` shows as ``expired``)."""

    async def __call__(self, cmd: ListFederationPartners) -> Sequence[FederationPartner]:
        """Raises: InsufficientScope, NotPlatformAdmin."""
        _require_partner_admin(cmd.principal)
        now = self._clock.now()
        async with self._uow() as uow:
            return [partner.as_of(now) for partner in await uow.federation_partners.list_all()]


class GetFederationPartnerUseCase(FederationUseCase):
    """Platform administrators: one partner, as of now."""

    async def __call__(self, cmd: GetFederationPartner) -> FederationPartner:
        """Raises: InsufficientScope, NotPlatformAdmin, FederationPartnerNotFound."""
        _require_partner_admin(cmd.principal)
        async with self._uow() as uow:
            partner = await _existing(uow, cmd.partner_id)
        return partner.as_of(self._clock.now())


class UpdateFederationPartnerUseCase(FederationUseCase):
    """Platform administrators: partial update. A new ``jwks_uri`` is probed first, and the
    old one's cached key set is dropped once the change is committed."""

    async def __call__(self, cmd: UpdateFederationPartner) -> FederationPartner:
        """Raises: InsufficientScope, NotPlatformAdmin, InvalidRequest (no field),
        FederationPartnerNotFound, InvalidValue, JwksUnreachable, ConcurrentUpdate."""
        _require_partner_admin(cmd.principal)
        if not cmd.changes:
            raise InvalidRequest("At least one field must be given.", field="body")
        async with self._uow() as uow:
            current = await _existing(uow, cmd.partner_id)
            updated = current.update(cmd.changes, now=self._clock.now())
            if "jwks_uri" in cmd.changes:
                await self._probe(updated.jwks_uri)
            changes = _changes(current, updated)
            await uow.federation_partners.update(updated)
            await self._record(
                uow,
                AuditAction.FEDERATION_PARTNER_UPDATED,
                cmd.principal,
                cmd.origin,
                {"partnerId": current.id, "issuer": current.issuer, "changes": changes},
            )
            await uow.commit()
        if "jwks_uri" in cmd.changes:
            # The spec: changing jwks_uri invalidates the cached JWKS. The old URI's set is
            # dropped (it may be reused later), and the new one is refetched on next use.
            await self._key_sets.invalidate(current.jwks_uri)
            await self._key_sets.invalidate(updated.jwks_uri)
        # The store bumped the revision on commit; the caller gets what is now stored.
        return replace(updated, revision=updated.revision + 1).as_of(self._clock.now())


class DeleteFederationPartnerUseCase(FederationUseCase):
    """Platform administrators: remove a partner for good; its tokens are refused from the
    next verification on, on every worker (partners are read from the store)."""

    async def __call__(self, cmd: DeleteFederationPartner) -> None:
        """Raises: InsufficientScope, NotPlatformAdmin, FederationPartnerNotFound,
        ConcurrentUpdate."""
        _require_partner_admin(cmd.principal)
        async with self._uow() as uow:
            partner = await _existing(uow, cmd.partner_id)
            await uow.federation_partners.remove(partner)
            await self._record(
                uow,
                AuditAction.FEDERATION_PARTNER_DELETED,
                cmd.principal,
                cmd.origin,
                described(partner),
            )
            await uow.commit()
        await self._key_sets.invalidate(partner.jwks_uri)


class VerifyFederatedTokenUseCase:
    """Any authenticated caller: is this token from an active partner, for an allowed
    organization? Returns the verified identity, or raises the reason it is not.

    Order (docs/federation.md): ``expected_issuer`` → partner by ``iss`` → partner status
    (suspended, expired) → signature and registered claims (the foreign-token verifier, with a
    policy built from the partner) → :data:`~agentidp.domain.federation.PARTNER_CLAIM_CHECKS`.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        verifier: ForeignTokenVerifier,
        audience: str,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._verifier = verifier
        self._audience = audience

    async def __call__(self, cmd: VerifyFederatedToken) -> FederatedIdentity:
        """Raises: UnknownFederationIssuer, FederationPartnerSuspended,
        FederationPartnerExpired, FederatedTokenExpired, FederatedTokenInvalid,
        FederationOrgNotAllowed, JwksUnreachable (the partner's keys cannot be fetched)."""
        issuer = unverified_issuer(cmd.token)
        if issuer is None:
            raise FederatedTokenInvalid("The token is not a well-formed JWT with an issuer.")
        if cmd.expected_issuer is not None and cmd.expected_issuer != issuer:
            raise UnknownFederationIssuer("The token's issuer does not match expected_issuer.")
        now = self._clock.now()
        async with self._uow() as uow:
            partner = await uow.federation_partners.get_by_issuer(issuer)
        if partner is None:
            raise UnknownFederationIssuer()
        _check_status(partner, now)
        claims = await self._verified_claims(cmd.token, partner, now)
        refusal = refuse_claims(claims, partner)
        if refusal is not None:
            if refusal.failure is ClaimFailure.ORGANIZATION_NOT_ALLOWED:
                raise FederationOrgNotAllowed()
            raise FederatedTokenInvalid(claim=refusal.claim)
        organization_id = claims.get("organization_id")
        return FederatedIdentity(
            issuer=partner.issuer,
            subject=claims["sub"],
            organization_id=organization_id if isinstance(organization_id, str) else None,
            claims=claims,
            partner_id=partner.id,
        )

    async def _verified_claims(
        self, token: str, partner: FederationPartner, now: datetime
    ) -> dict[str, Any]:
        policy = ForeignTokenPolicy(
            issuer=partner.issuer,
            audience=self._audience,
            jwks_uri=partner.jwks_uri,
            algorithms=frozenset(ALLOWED_ALGORITHMS),
            max_age=MAX_TOKEN_AGE,
        )
        try:
            return await self._verifier.verify(token, policy, now)
        except ForeignTokenRejected as exc:
            # NOTE: the reason (bad-signature, unknown-kid …) is for logs, never the answer.
            if exc.expired:
                raise FederatedTokenExpired() from exc
            raise FederatedTokenInvalid() from exc
        except KeySetUnavailable as exc:
            raise JwksUnreachable(jwks_uri=partner.jwks_uri) from exc


def _check_status(partner: FederationPartner, now: datetime) -> None:
    """Raises:
    FederationPartnerSuspended, FederationPartnerExpired: the partner is not active now.
    """
    status = partner.effective_status(now)
    if status is FederationPartnerStatus.SUSPENDED:
        raise FederationPartnerSuspended()
    if status is FederationPartnerStatus.EXPIRED:
        raise FederationPartnerExpired()


def _changes(before: FederationPartner, after: FederationPartner) -> dict[str, dict[str, Any]]:
    """``{field: {from, to}}`` for every field that differs (API names)."""
    old, new = described(before), described(after)
    return {name: {"from": old[name], "to": new[name]} for name in old if old[name] != new[name]}
