"""Ports for other issuers' keys and tokens: JWKS fetching and caching, foreign JWT checks.

Two ports, so that callers needing only keys (a federation partner probed at registration)
do not depend on token verification, and token verification can be tested with any key source:

- :class:`KeySetSource`: the JSON Web Key Sets of remote issuers, fetched over HTTPS, cached,
  refreshed on an unknown ``kid`` at most once per URI per refetch interval.
- :class:`ForeignTokenVerifier`: a compact JWS from another issuer, checked against its key set
  with a pinned algorithm list and the standard time, issuer and audience claims.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol


class KeySetUnavailable(Exception):
    """A key set or discovery document could not be fetched or is not valid JSON of the
    expected shape (network error, timeout, non-200, oversized, plain ``http`` not allowed).

    ``reason`` is for logs and audit, never for responses.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ForeignTokenRejected(Exception):
    """A foreign token failed a check. ``reason`` names the check (``expired``,
    ``not-yet-valid``, ``bad-signature``, ``unknown-kid``, ``alg-not-allowed``, ``oversized``,
    ``wrong-issuer``, ``wrong-audience``, ``too-old``, ``malformed`` …); it is for logs and
    audit, and for choosing between "expired" and "invalid" answers, never echoed in detail."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def expired(self) -> bool:
        """True when the only problem is that the token's lifetime is over."""
        return self.reason == "expired"


class KeySetSource(Protocol):
    """Remote JSON Web Key Sets by URI, cached.

    Implementations bound what an attacker can make them fetch: a ``kid`` missing from the
    cached set triggers at most one refetch per URI per refetch interval, whatever the number
    of distinct unknown kids presented. They do not decide which URIs are trustworthy: the
    caller passes only URIs it configured or registered.
    """

    async def key(self, jwks_uri: str, kid: str) -> Mapping[str, Any] | None:
        """The public JWK with this ``kid``, or ``None`` when the set (refreshed once if the
        kid was unknown and the refetch bound allows) does not contain it.

        Raises:
            KeySetUnavailable: the set was never fetched successfully and cannot be now.
        """
        ...

    async def key_set(self, jwks_uri: str) -> Mapping[str, Any]:
        """The whole key set ``{"keys": [...]}`` (cached; fetched if absent or stale). Used to
        probe a URI, e.g. when a federation partner is registered.

        Raises:
            KeySetUnavailable: it cannot be fetched.
        """
        ...

    async def invalidate(self, jwks_uri: str) -> None:
        """Forget the cached set of ``jwks_uri`` (its issuer changed or was removed); the
        next use fetches it again, regardless of the refetch bound."""
        ...

    async def discover_jwks_uri(self, issuer: str) -> str:
        """``jwks_uri`` of ``{issuer}/.well-known/openid-configuration`` (cached like a key
        set).

        Raises:
            KeySetUnavailable: the document cannot be fetched, or has no string ``jwks_uri``.
        """
        ...


@dataclass(frozen=True, slots=True)
class ForeignTokenPolicy:
    """Everything a foreign token is checked against (no defaults hide a check).

    Attributes:
        issuer: the exact ``iss`` expected.
        audience: the ``aud`` expected (a string equal to it, or a list containing it).
        jwks_uri: where the issuer's keys are; ``None``: from the issuer's discovery
            document, read only once the token has passed its header checks (junk never
            causes a fetch).
        algorithms: the JWS ``alg`` values accepted (e.g. ``{"RS256"}``); never ``none`` or
            HMAC, which implementations refuse even if listed.
        max_age: the oldest ``iat`` accepted, relative to ``now``.
        leeway: clock skew allowed on ``exp``, ``nbf`` and ``iat``.
        max_bytes: the longest token accepted, checked before anything is parsed.
    """

    issuer: str
    audience: str
    jwks_uri: str | None
    algorithms: frozenset[str]
    max_age: timedelta
    leeway: timedelta = timedelta(seconds=30)
    max_bytes: int = 16 * 1024


class ForeignTokenVerifier(Protocol):
    """Verifies compact JWS tokens minted by another issuer.

    Checks, in order: size, three segments, header (no ``crit``, ``kid`` a string, ``alg`` in
    the policy's list and matching the key's type), key by ``kid`` from the key set source,
    signature, then ``iss``, ``aud``, ``exp``, ``nbf`` and ``iat`` (age). Does *not* check
    ``jti`` replay or any application claim: callers do.
    """

    async def verify(self, token: str, policy: ForeignTokenPolicy, now: datetime) -> dict[str, Any]:
        """The verified payload.

        Raises:
            ForeignTokenRejected: any check failed.
            KeySetUnavailable: the issuer's keys cannot be fetched (not the token's fault).
        """
        ...
