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
    #: RFC 8693 §4.1 actor chain of a delegated token, the current actor first (empty: not
    #: delegated). ``sub`` is then the party on whose behalf, ``client_id`` the current actor.
    act: tuple[AgentId, ...] = ()
    #: The delegation link that authorises a delegated token (private claim): verification
    #: re-checks its whole chain, so revoking any ancestor ends the token at once.
    delegation_id: str | None = None

    @property
    def is_delegated(self) -> bool:
        """True for a token issued under a delegation (it carries ``act``)."""
        return bool(self.act)

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

    @classmethod
    def delegate(
        cls,
        *,
        issuer: str,
        audience: str,
        subject: AgentId,
        actors: tuple[AgentId, ...],
        delegation_id: str,
        organization_id: OrganizationId,
        scope: frozenset[str],
        jti: TokenId,
        now: datetime,
        expires_at: datetime,
        ttl: timedelta = DEFAULT_TTL,
    ) -> AccessTokenClaims:
        """Claims for a delegated token: ``subject`` acts through ``actors`` (current actor
        first, who is also the ``client_id``); it never outlives ``expires_at``, the
        delegation's expiry."""
        if not actors:
            raise ValueError("a delegated token needs at least one actor")
        iat = int(now.timestamp())
        return cls(
            iss=issuer,
            sub=subject,
            aud=audience,
            client_id=actors[0],
            scope=scope,
            organization_id=organization_id,
            jti=jti,
            iat=iat,
            exp=min(iat + int(ttl.total_seconds()), int(expires_at.timestamp())),
            act=actors,
            delegation_id=delegation_id,
        )

    def is_active(self, now: datetime) -> bool:
        """True while ``now`` is before ``exp`` (RFC 7519 §4.1.4)."""
        return now.timestamp() < self.exp

    def to_dict(self) -> dict[str, Any]:
        """The JSON claim set, ``scope`` as a space-delimited string (RFC 8693 §4.2)."""
        claims: dict[str, Any] = {
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
        if self.act:
            claims["act"] = nested_act(self.act)
            claims["delegation_id"] = self.delegation_id
        return claims

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
        act, delegation_id = _delegation_claims(claims)
        # Client-credentials tokens: client == subject; delegated tokens: client == the
        # current actor (RFC 8693 §4.1: the outermost ``act``).
        if claims["client_id"] != (act[0] if act else claims["sub"]):
            raise MalformedClaims("client_id")
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
            act=act,
            delegation_id=delegation_id,
        )


#: How deeply ``act`` claims may nest before a token is refused outright (a bound on work
#: done for a hostile token; chains are far shorter, see AGENTIDP_DELEGATION_MAX_DEPTH).
MAX_ACT_DEPTH: Final = 16


def nested_act(actors: tuple[AgentId, ...]) -> dict[str, Any]:
    """RFC 8693 §4.1 nesting: the current actor outermost, each previous one inside it."""
    act: dict[str, Any] | None = None
    for actor in reversed(actors):
        act = {"sub": actor} if act is None else {"sub": actor, "act": act}
    if act is None:
        raise ValueError("no actors")
    return act


def _delegation_claims(claims: Mapping[str, Any]) -> tuple[tuple[AgentId, ...], str | None]:
    """The actor chain and delegation link of a token; both absent, or both valid.

    Raises:
        MalformedClaims: ``act`` or ``delegation_id`` is malformed, or one comes without
            the other (a delegated token must name the link that authorises it).
    """
    act, delegation_id = claims.get("act"), claims.get("delegation_id")
    if act is None and delegation_id is None:
        return (), None
    if not _is_uuid(delegation_id):
        raise MalformedClaims("delegation_id")
    actors: list[AgentId] = []
    while act is not None:
        if not isinstance(act, Mapping) or not _is_uuid(act.get("sub")):
            raise MalformedClaims("act")
        if len(actors) >= MAX_ACT_DEPTH:
            raise MalformedClaims("act")
        actors.append(AgentId(act["sub"]))
        act = act.get("act")
    if not actors:
        raise MalformedClaims("act")
    return tuple(actors), str(delegation_id)


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
#: Claims checked only when present: a delegated token's ``act`` chain and link
#: (:func:`_delegation_claims`: both or neither).
OPTIONAL_CLAIMS: Final = frozenset({"act", "delegation_id"})
#: Claims we recognise but do not check (none yet); anything else is ignored.
KNOWN_UNCHECKED_CLAIMS: Final = frozenset({"nbf"})


#: ``sub`` prefix of a bootstrap token; never a UUID, so no agent check can take it for one.
BOOTSTRAP_SUBJECT_PREFIX: Final = "bootstrap:"
#: The private claim naming the bootstrap trust policy a bootstrap token was issued under.
TRUST_POLICY_CLAIM: Final = "trust_policy_id"
#: A bootstrap token's only scope: it may register one agent, nothing else.
BOOTSTRAP_SCOPE: Final = frozenset({"agents:write"})


def is_bootstrap_token(claims: Mapping[str, Any]) -> bool:
    """True when signed claims claim to be a bootstrap token (check with
    :meth:`BootstrapTokenClaims.from_dict`)."""
    sub = claims.get("sub")
    return isinstance(sub, str) and sub.startswith(BOOTSTRAP_SUBJECT_PREFIX)


@dataclass(frozen=True, slots=True)
class BootstrapTokenClaims:
    """A bootstrap token (docs/oidc-github.md, ADR 0012 point 6): an RFC 9068 JWT that
    identifies no agent. ``sub`` and ``client_id`` are ``bootstrap:<trust policy id>``, the
    private claim ``trust_policy_id`` names the policy, ``scope`` is exactly ``agents:write``.
    It registers at most one agent of ``organization_id``."""

    iss: str
    aud: str
    trust_policy_id: str
    organization_id: OrganizationId
    jti: TokenId
    iat: int
    exp: int

    @property
    def sub(self) -> str:
        """``bootstrap:<trust policy id>`` (also the ``client_id``)."""
        return BOOTSTRAP_SUBJECT_PREFIX + self.trust_policy_id

    @property
    def scope(self) -> frozenset[str]:
        """Always exactly ``agents:write``."""
        return BOOTSTRAP_SCOPE

    @classmethod
    def issue(
        cls,
        *,
        issuer: str,
        audience: str,
        trust_policy_id: str,
        organization_id: OrganizationId,
        jti: TokenId,
        now: datetime,
        ttl: timedelta,
    ) -> BootstrapTokenClaims:
        """Claims for a bootstrap token of ``trust_policy_id``, living ``ttl``."""
        iat = int(now.timestamp())
        return cls(
            iss=issuer,
            aud=audience,
            trust_policy_id=trust_policy_id,
            organization_id=organization_id,
            jti=jti,
            iat=iat,
            exp=iat + int(ttl.total_seconds()),
        )

    def is_active(self, now: datetime) -> bool:
        """True while ``now`` is before ``exp``."""
        return now.timestamp() < self.exp

    def to_dict(self) -> dict[str, Any]:
        """The JSON claim set."""
        return {
            "iss": self.iss,
            "sub": self.sub,
            "aud": self.aud,
            "client_id": self.sub,
            "scope": format_scope(self.scope),
            "organization_id": self.organization_id,
            "jti": self.jti,
            "iat": self.iat,
            "exp": self.exp,
            TRUST_POLICY_CLAIM: self.trust_policy_id,
        }

    @classmethod
    def from_dict(
        cls, claims: Mapping[str, Any], *, issuer: str, audience: str
    ) -> BootstrapTokenClaims:
        """Rebuild claims from a verified bootstrap token. Every claim must be exactly what
        :meth:`to_dict` writes (expiry is not checked here).

        Raises:
            MalformedClaims: a claim is missing or wrong.
        """
        policy_id = claims.get(TRUST_POLICY_CLAIM)
        if not _is_uuid(policy_id):
            raise MalformedClaims(TRUST_POLICY_CLAIM)
        subject = BOOTSTRAP_SUBJECT_PREFIX + str(policy_id)
        expected: dict[str, Callable[[object], bool]] = {
            "iss": lambda value: value == issuer,
            "sub": lambda value: value == subject,
            "aud": lambda value: value == audience,
            "client_id": lambda value: value == subject,
            "scope": lambda value: value == format_scope(BOOTSTRAP_SCOPE),
            "organization_id": _is_uuid,
            "jti": _is_uuid,
            "iat": _is_time,
            "exp": _is_time,
            # SECURITY: never delegated: a bootstrap token acts for nobody.
            "act": lambda value: value is None,
            "delegation_id": lambda value: value is None,
        }
        for name, check in expected.items():
            if not check(claims.get(name)):
                raise MalformedClaims(name)
        return cls(
            iss=issuer,
            aud=audience,
            trust_policy_id=str(policy_id),
            organization_id=OrganizationId(claims["organization_id"]),
            jti=TokenId(claims["jti"]),
            iat=claims["iat"],
            exp=claims["exp"],
        )
