"""Federation partners: external identity providers whose tokens this IdP verifies.

A partner is deployment-wide (docs/adr/0013-federation-partners.md): its
``allowed_organizations`` names the organizations (claim ``organization_id``) whose tokens
it may vouch for, so it cannot belong to one of them.

Lifecycle (``status``, set by a platform administrator's PATCH)::

    active ⇄ suspended        tokens rejected while suspended
    active | suspended → expired, and back to active by a PATCH

A partner whose ``expires_at`` has passed is *effectively* expired whatever its stored
status (:meth:`FederationPartner.effective_status`), so expiry needs no background job.

A partner is a frozen value: every change returns a new one with ``updated_at`` moved and
``revision`` kept (the store bumps it).

Verification rules are listed in tables, in the manner of warehouse's
``__required_verifiable_claims__``: :data:`VERIFIER_CHECKED_CLAIMS` (signature and registered
claims, the foreign-token verifier's job), :data:`PARTNER_CLAIM_CHECKS` (checked here) and
:data:`UNCHECKED_CLAIMS` (known, deliberately not checked).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final, NewType
from urllib.parse import urlsplit

from .errors import InvalidValue

FederationPartnerId = NewType("FederationPartnerId", str)

MAX_NAME_LENGTH: Final = 256
MAX_URL_LENGTH: Final = 2048
#: Bounds of the allowlist, so one partner row stays small.
MAX_ALLOWED_ORGANIZATIONS: Final = 100
MAX_ORGANIZATION_ID_LENGTH: Final = 256
#: Hosts for which plain ``http`` is accepted (development and loopback tests only).
LOOPBACK_HOSTS: Final = frozenset({"localhost", "127.0.0.1", "::1"})
#: The longest token examined at all (the verifier enforces the same bound).
MAX_TOKEN_LENGTH: Final = 16 * 1024
#: Signature algorithms a partner token may use (asymmetric only: never ``none``, never HMAC).
ALLOWED_ALGORITHMS: Final = ("RS256", "ES256")


class FederationPartnerStatus(StrEnum):
    """Lifecycle of a partner; only an ``active`` partner's tokens are accepted."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class FederationPartner:
    """A trusted external IdP. ``issuer`` is unique and immutable."""

    id: FederationPartnerId
    name: str
    issuer: str
    jwks_uri: str
    #: Organizations whose tokens are accepted; empty means every organization.
    allowed_organizations: tuple[str, ...]
    status: FederationPartnerStatus
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None = None
    #: Optimistic-locking counter: the store only updates the revision that was read.
    revision: int = 0

    @classmethod
    def register(
        cls,
        *,
        id: FederationPartnerId,
        name: object,
        issuer: object,
        jwks_uri: object,
        now: datetime,
        allowed_organizations: object = (),
        expires_at: datetime | None = None,
    ) -> FederationPartner:
        """Validate and create an active partner.

        Raises:
            InvalidValue: a name that is empty or over 256 characters; an issuer or
                ``jwks_uri`` that is not an HTTPS URL (plain HTTP only on a loopback host);
                a malformed allowlist; an ``expires_at`` that is naive or not in the future.
        """
        return cls(
            id=id,
            name=_name(name),
            issuer=_url("issuer", issuer),
            jwks_uri=_url("jwks_uri", jwks_uri),
            allowed_organizations=_organizations(allowed_organizations),
            status=FederationPartnerStatus.ACTIVE,
            created_at=now,
            updated_at=now,
            expires_at=_future_expiry(expires_at, now),
        )

    def effective_status(self, now: datetime) -> FederationPartnerStatus:
        """The stored status, except ``expired`` once ``expires_at`` has passed."""
        if self.expires_at is not None and self.expires_at <= now:
            return FederationPartnerStatus.EXPIRED
        return self.status

    def as_of(self, now: datetime) -> FederationPartner:
        """This partner as the API shows it at ``now`` (status :meth:`effective_status`)."""
        return replace(self, status=self.effective_status(now))

    def allows_organization(self, organization_id: object) -> bool:
        """True if a token with claim ``organization_id`` may be accepted from this partner.

        An empty allowlist accepts every organization, including tokens without the claim;
        a non-empty one needs the claim, as a string, in the list.
        """
        if not self.allowed_organizations:
            return True
        return isinstance(organization_id, str) and organization_id in self.allowed_organizations

    def update(self, changes: Mapping[str, Any], *, now: datetime) -> FederationPartner:
        """A copy with ``changes`` applied (keys: ``name``, ``jwks_uri``,
        ``allowed_organizations``, ``status``, ``expires_at``), validated one by one.

        ``issuer`` is immutable: a new issuer is a new partner.

        Raises:
            InvalidValue: an unknown or immutable field, or a value that breaks its rule.
        """
        unknown = sorted(set(changes) - set(_VALIDATORS))
        if unknown:
            raise InvalidValue(unknown[0], f"{unknown[0]} cannot be changed.")
        values = {field: _VALIDATORS[field](value) for field, value in changes.items()}
        return replace(self, **values, updated_at=now)

    def suspend(self, *, now: datetime) -> FederationPartner:
        """The suspended copy (tokens rejected at once)."""
        return replace(self, status=FederationPartnerStatus.SUSPENDED, updated_at=now)

    def reactivate(self, *, now: datetime) -> FederationPartner:
        """The active copy (still effectively expired if ``expires_at`` has passed)."""
        return replace(self, status=FederationPartnerStatus.ACTIVE, updated_at=now)


# --- verification --------------------------------------------------------------------------


class ClaimFailure(StrEnum):
    """Why a signature-verified token's claims were refused (each maps to one error code)."""

    INVALID = "invalid"
    ORGANIZATION_NOT_ALLOWED = "organization_not_allowed"


@dataclass(frozen=True, slots=True)
class ClaimRefusal:
    """The first claim check that failed: which claim, why, and a log-safe detail."""

    claim: str
    failure: ClaimFailure
    detail: str


#: One check: (claims, partner) → a refusal, or ``None`` when the claim is fine.
ClaimCheck = Callable[[Mapping[str, Any], FederationPartner], ClaimRefusal | None]


def _check_subject(claims: Mapping[str, Any], partner: FederationPartner) -> ClaimRefusal | None:
    # The answer reports ``sub`` as the verified subject: a token without one names nobody.
    subject = claims.get("sub")
    if isinstance(subject, str) and subject:
        return None
    return ClaimRefusal("sub", ClaimFailure.INVALID, "sub is missing or not a string")


def _check_organization(
    claims: Mapping[str, Any], partner: FederationPartner
) -> ClaimRefusal | None:
    # Stops a partner vouching for organizations it was not trusted for.
    if partner.allows_organization(claims.get("organization_id")):
        return None
    return ClaimRefusal(
        "organization_id",
        ClaimFailure.ORGANIZATION_NOT_ALLOWED,
        "organization_id is not in the partner's allowed_organizations",
    )


#: Claims the foreign-token verifier checks (signature first) against a policy built from the
#: partner: ``iss`` equal to the partner's issuer, ``aud`` containing this IdP's public URL,
#: ``exp`` in the future, ``nbf`` passed, ``iat`` present, not in the future and at most
#: :data:`MAX_TOKEN_AGE` old (``application/ports/key_sets.py``).
VERIFIER_CHECKED_CLAIMS: Final = frozenset({"iss", "aud", "exp", "nbf", "iat"})
#: Claims checked here, after the verifier, in order; the first refusal wins.
PARTNER_CLAIM_CHECKS: Final[Mapping[str, ClaimCheck]] = {
    "sub": _check_subject,
    "organization_id": _check_organization,
}
#: Claims known and deliberately not checked: ``jti`` is not tracked because verification
#: is a query that grants nothing by itself (the caller decides what a verified token is
#: worth); every other claim is the partner's own and returned as is.
UNCHECKED_CLAIMS: Final = frozenset({"jti"})
#: The oldest ``iat`` accepted: a partner token is a short-lived credential.
MAX_TOKEN_AGE: Final = timedelta(hours=24)


def refuse_claims(claims: Mapping[str, Any], partner: FederationPartner) -> ClaimRefusal | None:
    """The first failing check of :data:`PARTNER_CLAIM_CHECKS`, or ``None`` if all pass.

    The token must already have passed the verifier with ``partner``'s policy.
    """
    for check in PARTNER_CLAIM_CHECKS.values():
        refusal = check(claims, partner)
        if refusal is not None:
            return refusal
    return None


def unverified_issuer(token: str) -> str | None:
    """The ``iss`` claim of a compact JWS *before* any verification, or ``None``.

    SECURITY: the value is attacker-controlled. It only selects which partner's keys and
    policy the token is then verified against; the verifier re-checks ``iss`` after the
    signature, so a lie here can only make verification fail.
    """
    if len(token) > MAX_TOKEN_LENGTH:
        return None
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, RecursionError, UnicodeError):
        return None
    issuer = payload.get("iss") if isinstance(payload, dict) else None
    return issuer if isinstance(issuer, str) else None


# --- field rules ---------------------------------------------------------------------------


def _name(value: object) -> str:
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= MAX_NAME_LENGTH:
        raise InvalidValue("name", f"name must be 1 to {MAX_NAME_LENGTH} characters.")
    return value.strip()


def _url(field: str, value: object) -> str:
    """An absolute HTTPS URL (HTTP on a loopback host), without fragment or credentials."""
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_URL_LENGTH:
        raise InvalidValue(field, "Must be a valid HTTPS URL.")
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        raise InvalidValue(field, "Must be a valid HTTPS URL.") from None
    secure = parts.scheme == "https" or (parts.scheme == "http" and host in LOOPBACK_HOSTS)
    if not secure or not host or parts.fragment or parts.username or parts.password:
        raise InvalidValue(field, "Must be a valid HTTPS URL.")
    return value


def _organizations(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence | frozenset | set):
        raise InvalidValue("allowed_organizations", "allowed_organizations must be a list.")
    items = list(value)
    if len(items) > MAX_ALLOWED_ORGANIZATIONS:
        raise InvalidValue(
            "allowed_organizations",
            f"allowed_organizations may name at most {MAX_ALLOWED_ORGANIZATIONS} organizations.",
        )
    for item in items:
        if not isinstance(item, str) or not 1 <= len(item) <= MAX_ORGANIZATION_ID_LENGTH:
            raise InvalidValue(
                "allowed_organizations",
                "allowed_organizations must hold non-empty strings "
                f"of at most {MAX_ORGANIZATION_ID_LENGTH} characters.",
            )
    # Order kept (it is what the administrator wrote), duplicates dropped.
    return tuple(dict.fromkeys(items))


def _status(value: object) -> FederationPartnerStatus:
    try:
        return FederationPartnerStatus(str(value))
    except ValueError:
        allowed = ", ".join(status.value for status in FederationPartnerStatus)
        raise InvalidValue("status", f"status must be one of: {allowed}.") from None


def _expiry(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidValue("expires_at", "expires_at must be an ISO 8601 date-time with a zone.")
    return value


def _future_expiry(value: datetime | None, now: datetime) -> datetime | None:
    expires_at = _expiry(value)
    if expires_at is not None and expires_at <= now:
        raise InvalidValue("expires_at", "expires_at must be in the future.")
    return expires_at


#: Every field an update may change, with its validator (domain field → checked value).
_VALIDATORS: Final[dict[str, Callable[[Any], Any]]] = {
    "name": _name,
    "jwks_uri": lambda value: _url("jwks_uri", value),
    "allowed_organizations": _organizations,
    "status": _status,
    "expires_at": _expiry,
}
