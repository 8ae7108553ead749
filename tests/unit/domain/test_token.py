"""Access-token claims (RFC 9068): minting, the claim table, round trips and expiry."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentidp.domain.scopes import AGENTS_READ, KNOWN_SCOPES
from agentidp.domain.token import (
    DEFAULT_TTL,
    KNOWN_UNCHECKED_CLAIMS,
    REQUIRED_CLAIMS,
    AccessTokenClaims,
    MalformedClaims,
)
from tests.builders import AUDIENCE, ISSUER, NOW, make_claims
from tests.strategies import access_token_claims, audiences, instants, issuers

UPPER_UUID = str(uuid.UUID(int=0xABC)).upper()
BRACED_UUID = "{" + str(uuid.UUID(int=0xABC)) + "}"

#: For every required claim, values a verified token must still not be believed with.
#: Missing (None) is tested separately for each claim.
MISTYPED_CLAIMS: dict[str, list[object]] = {
    "iss": ["", 1, ["https://idp.example"], True],
    "sub": ["agent-1", "", UPPER_UUID, BRACED_UUID, uuid.UUID(int=1), 1],
    "aud": ["", 1, [""], [AUDIENCE, 1], {"aud": AUDIENCE}, True],
    "client_id": ["agent-1", UPPER_UUID, 1],
    "scope": [[AGENTS_READ], {AGENTS_READ}, 1, True],
    "organization_id": ["org-1", "", UPPER_UUID, 1],
    "jti": ["token-1", UPPER_UUID, 1],
    "iat": [True, False, 1.0, 1.5, "1700000000", -1],
    "exp": [True, False, 1.0, 1e12, "1700003600", -1],
}

MISTYPED_CASES = [(claim, value) for claim, values in MISTYPED_CLAIMS.items() for value in values]


def valid_claims(**overrides: Any) -> dict[str, Any]:
    """A claim dict that from_dict accepts, with ``overrides`` applied."""
    claims = make_claims().to_dict()
    claims.update(overrides)
    return claims


def test_the_mistyped_table_covers_every_required_claim() -> None:
    """A new required claim cannot be added without mistyped examples here."""

    covered = set(MISTYPED_CLAIMS)

    assert covered == set(REQUIRED_CLAIMS)


# ---------------------------------------------------------------------------------------------
# Issue and round trip
# ---------------------------------------------------------------------------------------------


@given(
    now=instants(any_offset=True),
    ttl=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=2)),
)
def test_issue_makes_the_agent_subject_and_client(now: datetime, ttl: timedelta) -> None:
    """Client-credentials claims: sub == client_id == agent; iat is now in whole seconds."""

    claims = make_claims(now=now, ttl=ttl)

    assert claims.client_id == claims.sub
    assert claims.iat == int(now.timestamp())
    assert claims.iat <= now.timestamp() < claims.iat + 1
    assert claims.exp - claims.iat == int(ttl.total_seconds())


def test_default_lifetime_is_one_hour() -> None:
    """Without a ttl the token lives DEFAULT_TTL (one hour)."""

    claims = make_claims()

    assert claims.exp - claims.iat == DEFAULT_TTL.total_seconds() == 3600


@given(claims=access_token_claims())
def test_to_dict_then_from_dict_round_trips(claims: AccessTokenClaims) -> None:
    """Every minted claim set survives to_dict → from_dict unchanged."""

    rebuilt = AccessTokenClaims.from_dict(claims.to_dict(), issuer=claims.iss, audience=claims.aud)

    assert rebuilt == claims


@given(claims=access_token_claims())
def test_to_dict_survives_json(claims: AccessTokenClaims) -> None:
    """The claim dict is plain JSON and reads back the same after a JSON round trip."""
    wire = json.dumps(claims.to_dict())

    rebuilt = AccessTokenClaims.from_dict(json.loads(wire), issuer=claims.iss, audience=claims.aud)

    assert rebuilt == claims


def test_to_dict_renders_scope_as_a_sorted_space_separated_string() -> None:
    """RFC 8693 §4.2: scope is one space-delimited string."""
    claims = make_claims(scope=frozenset(KNOWN_SCOPES))

    scope = claims.to_dict()["scope"]

    assert scope == " ".join(sorted(KNOWN_SCOPES))


def test_from_dict_accepts_an_audience_list_that_contains_ours() -> None:
    """A list ``aud`` (RFC 7519 §4.1.3) is accepted when it names us, and normalised to ours."""
    claims = valid_claims(aud=["https://other.example", AUDIENCE])

    rebuilt = AccessTokenClaims.from_dict(claims, issuer=ISSUER, audience=AUDIENCE)

    assert rebuilt.aud == AUDIENCE


def test_from_dict_ignores_known_unchecked_and_unknown_claims() -> None:
    """Extra claims (``nbf``, private ones) neither fail nor leak into the result."""
    base = valid_claims()
    extra = {name: 0 for name in KNOWN_UNCHECKED_CLAIMS} | {"x-private": {"any": "thing"}}

    rebuilt = AccessTokenClaims.from_dict(base | extra, issuer=ISSUER, audience=AUDIENCE)

    assert rebuilt == AccessTokenClaims.from_dict(base, issuer=ISSUER, audience=AUDIENCE)


def test_known_unchecked_claims_are_disjoint_from_required_ones() -> None:
    """A claim is either checked or knowingly unchecked, never both."""

    overlap = KNOWN_UNCHECKED_CLAIMS & set(REQUIRED_CLAIMS)

    assert overlap == set()


# ---------------------------------------------------------------------------------------------
# The claim table
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("claim", sorted(REQUIRED_CLAIMS))
def test_from_dict_rejects_each_missing_claim(claim: str) -> None:
    """Dropping any required claim is MalformedClaims naming that claim."""
    claims = valid_claims()
    del claims[claim]

    with pytest.raises(MalformedClaims) as raised:
        AccessTokenClaims.from_dict(claims, issuer=ISSUER, audience=AUDIENCE)

    assert raised.value.claim == claim
    assert raised.value.code == "invalid_token"


@pytest.mark.parametrize("claim", sorted(REQUIRED_CLAIMS))
def test_from_dict_rejects_each_null_claim(claim: str) -> None:
    """A JSON null in any required claim counts as missing."""
    claims = valid_claims(**{claim: None})

    with pytest.raises(MalformedClaims) as raised:
        AccessTokenClaims.from_dict(claims, issuer=ISSUER, audience=AUDIENCE)

    assert raised.value.claim == claim


@pytest.mark.parametrize(("claim", "value"), MISTYPED_CASES)
def test_from_dict_rejects_each_mistyped_claim(claim: str, value: object) -> None:
    """Every claim of the table refuses values of the wrong type or shape."""
    claims = valid_claims(**{claim: value})

    with pytest.raises(MalformedClaims) as raised:
        AccessTokenClaims.from_dict(claims, issuer=ISSUER, audience=AUDIENCE)

    assert raised.value.claim == claim


@pytest.mark.parametrize("claim", ["iat", "exp"])
@pytest.mark.parametrize("value", [True, False])
def test_a_bool_is_not_a_time(claim: str, value: bool) -> None:
    """JSON true/false must not pass as 1/0 seconds since the epoch (bool is an int in Python)."""

    accepted = REQUIRED_CLAIMS[claim](value)

    assert not accepted


@given(issuer=issuers())
def test_from_dict_rejects_another_issuer(issuer: str) -> None:
    """A token minted by any other issuer is not ours."""
    claims = valid_claims(iss=issuer + "/other")

    with pytest.raises(MalformedClaims) as raised:
        AccessTokenClaims.from_dict(claims, issuer=ISSUER, audience=AUDIENCE)

    assert raised.value.claim == "iss"


@given(audience=audiences().filter(lambda aud: aud != AUDIENCE), as_list=st.booleans())
def test_from_dict_rejects_another_audience(audience: str, as_list: bool) -> None:
    """A token for another resource is refused, whether ``aud`` is a string or a list."""
    claims = valid_claims(aud=[audience] if as_list else audience)

    with pytest.raises(MalformedClaims) as raised:
        AccessTokenClaims.from_dict(claims, issuer=ISSUER, audience=AUDIENCE)

    assert raised.value.claim == "aud"


def test_from_dict_rejects_an_empty_audience_list() -> None:
    """``aud: []`` names nobody, so not us."""
    claims = valid_claims(aud=[])

    with pytest.raises(MalformedClaims) as raised:
        AccessTokenClaims.from_dict(claims, issuer=ISSUER, audience=AUDIENCE)

    assert raised.value.claim == "aud"


def test_from_dict_rejects_a_client_id_other_than_the_subject() -> None:
    """Client-credentials tokens are about their own client: client_id must equal sub."""
    claims = valid_claims(client_id=str(uuid.uuid4()))

    with pytest.raises(MalformedClaims) as raised:
        AccessTokenClaims.from_dict(claims, issuer=ISSUER, audience=AUDIENCE)

    assert raised.value.claim == "client_id"


@pytest.mark.parametrize(
    "scope",
    ["agents:delete", f"{AGENTS_READ} admin", f"{AGENTS_READ}\ttokens:read", '"agents:read"'],
)
def test_from_dict_rejects_an_unknown_or_malformed_scope(scope: str) -> None:
    """A scope this deployment does not know is MalformedClaims on ``scope``."""
    claims = valid_claims(scope=scope)

    with pytest.raises(MalformedClaims) as raised:
        AccessTokenClaims.from_dict(claims, issuer=ISSUER, audience=AUDIENCE)

    assert raised.value.claim == "scope"


def test_from_dict_accepts_an_empty_scope() -> None:
    """A token with ``scope: ""`` carries no scopes."""
    claims = valid_claims(scope="")

    rebuilt = AccessTokenClaims.from_dict(claims, issuer=ISSUER, audience=AUDIENCE)

    assert rebuilt.scope == frozenset()


# ---------------------------------------------------------------------------------------------
# Expiry
# ---------------------------------------------------------------------------------------------


@given(claims=access_token_claims())
def test_is_active_boundary_at_exp(claims: AccessTokenClaims) -> None:
    """RFC 7519 §4.1.4: the token is active one microsecond before ``exp`` but not at ``exp``."""
    exp = datetime.fromtimestamp(claims.exp, tz=UTC)

    just_before = claims.is_active(exp - timedelta(microseconds=1))
    at_exp = claims.is_active(exp)

    assert (just_before, at_exp) == (True, False)


@given(claims=access_token_claims(), now=instants(any_offset=True))
def test_is_active_iff_now_is_before_exp(claims: AccessTokenClaims, now: datetime) -> None:
    """Activity depends only on the instant, compared with ``exp``, in any timezone."""

    active = claims.is_active(now)

    assert active is (now < datetime.fromtimestamp(claims.exp, tz=UTC))


@given(claims=access_token_claims(), after=st.timedeltas(min_value=timedelta(0)))
def test_once_inactive_always_inactive(claims: AccessTokenClaims, after: timedelta) -> None:
    """is_active(now) is monotonic: from ``exp`` on it stays false."""
    exp = datetime.fromtimestamp(claims.exp, tz=UTC)
    later = exp + min(after, timedelta(days=365 * 100))

    active = claims.is_active(later)

    assert not active


def test_a_fresh_token_is_active_for_its_lifetime() -> None:
    """A token minted at NOW is active at NOW and inactive an hour later."""
    claims = make_claims(now=NOW)

    states = (claims.is_active(NOW), claims.is_active(NOW + DEFAULT_TTL))

    assert states == (True, False)
