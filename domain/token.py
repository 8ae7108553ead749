"""Access tokens: the claims of an RFC 9068 JWT access token and the rules around them.

Signing and signature checks live behind the ``TokenSigner`` port; this module decides what
goes into a token and what a decoded token must contain to be believed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from .errors import DomainError
from .ids import AgentId, OrganizationId, TokenId, is_uuid
from .scopes import format_scope, validate_scopes

#: Default lifetime of an access token.
DEFAULT_TTL: Final = timedelta(hours=1)


class MalformedClaims(DomainError):
    """A signed token's claims are missing, mistyped or inconsistent."""

    code = "invalid_token"

    def __init__(self, claim: str) -> None:
        super().__init__(f"Claim {claim!r} is missing or invalid.", claim=claim)
        self.claim = claim


@dataclass(frozen=True, slots=True)
class AccessTokenClaims:
    """The claims of an AgentIdP access token (RFC 9068 §2.2 plus ``organization_id``)."""

    iss: str
    sub: AgentId
    aud: str
    client_id: str
    scope: frozenset[str]
    organization_id: OrganizationId
    jti: TokenId
    iat: int
    exp: int

    @classmethod
    def issue(
        cls,
        *,
        issuer: str,
        audience: str,
        agent_id: AgentId,
        organization_id: OrganizationId,
        scope: frozenset[str],
        jti: TokenId,
        now: datetime,
        ttl: timedelta = DEFAULT_TTL,
    ) -> AccessTokenClaims:
        """Claims for a client-credentials token: the agent is both subject and client."""
        iat = int(now.timestamp())
        return cls(
            iss=issuer,
            sub=agent_id,
            aud=audience,
            client_id=agent_id,
            scope=scope,
            organization_id=organization_id,
            jti=jti,
            iat=iat,
            exp=iat + int(ttl.total_seconds()),
        )

    def is_active(self, now: datetime) -> bool:
        """True while ``now`` is before ``exp`` (RFC 7519 §4.1.4)."""
        return now.timestamp() < self.exp

    def to_dict(self) -> dict[str, Any]:
        """The JSON claim set, ``scope`` as a space-delimited string (RFC 8693 §4.2)."""
        return {
            "iss": self.iss,
            "sub": self.sub,
            "aud": self.aud,
            "client_id": self.client_id,
            "scope": format_scope(self.scope),
            "organization_id": self.organization_id,
            "jti": self.jti,
            "iat": self.iat,
            "exp": self.exp,
        }

    @classmethod
    def from_dict(
        cls, claims: Mapping[str, Any], *, issuer: str, audience: str
    ) -> AccessTokenClaims:
        """Rebuild claims from a token whose signature has already been verified.

        Every claim is checked by the table :data:`REQUIRED_CLAIMS`; ``iss`` and ``aud`` must be
        ours. Expiry is *not* checked here (introspection needs to see expired tokens).

        Raises:
            MalformedClaims: a required claim is missing or wrong.
        """
        for name, check in REQUIRED_CLAIMS.items():
            if not check(claims.get(name)):
                raise MalformedClaims(name)
        if claims["iss"] != issuer:
            raise MalformedClaims("iss")  # SECURITY: a token from another issuer is not ours
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if audience not in audiences:
            raise MalformedClaims("aud")  # SECURITY: stops tokens minted for another resource
        if claims["client_id"] != claims["sub"]:
            raise MalformedClaims("client_id")  # client-credentials tokens: client == subject
        try:
            scope = validate_scopes(claims["scope"].split(" "))
        except DomainError:
            raise MalformedClaims("scope") from None
        return cls(
            iss=claims["iss"],
            sub=AgentId(claims["sub"]),
            aud=audience,
            client_id=claims["client_id"],
            scope=scope,
            organization_id=OrganizationId(claims["organization_id"]),
            jti=TokenId(claims["jti"]),
            iat=claims["iat"],
            exp=claims["exp"],
        )


def _is_str(value: object) -> bool:
    return isinstance(value, str) and value != ""


def _is_uuid(value: object) -> bool:
    return isinstance(value, str) and is_uuid(value)


def _is_time(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_audience(value: object) -> bool:
    return _is_str(value) or (isinstance(value, list) and all(_is_str(v) for v in value))


#: What a verified access token must carry; each check stops a forged or confused token.
REQUIRED_CLAIMS: Final[dict[str, Callable[[object], bool]]] = {
    "iss": _is_str,
    "sub": _is_uuid,
    "aud": _is_audience,
    "client_id": _is_uuid,
    "scope": lambda value: isinstance(value, str),
    # SECURITY: tenant isolation: a token without an organization cannot reach tenant data.
    "organization_id": _is_uuid,
    "jti": _is_uuid,
    "iat": _is_time,
    "exp": _is_time,
}
#: Claims we recognise but do not check (none yet); anything else is ignored.
KNOWN_UNCHECKED_CLAIMS: Final = frozenset({"nbf"})
