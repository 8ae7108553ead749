"""Federation partners in the domain: field rules, effective status, the allowlist, the
claim table and the pre-verification issuer peek (properties where they exist)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentidp.domain.errors import InvalidValue
from agentidp.domain.federation import (
    PARTNER_CLAIM_CHECKS,
    UNCHECKED_CLAIMS,
    VERIFIER_CHECKED_CLAIMS,
    ClaimFailure,
    FederationPartner,
    FederationPartnerId,
    FederationPartnerStatus,
    refuse_claims,
    unverified_issuer,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ISSUER = "https://idp.acme-partner.example"


def partner(**fields: Any) -> FederationPartner:
    """A valid partner; keyword arguments replace the registration's fields."""
    values: dict[str, Any] = {
        "id": FederationPartnerId("5b0c1d9e-0000-4000-8000-000000000001"),
        "name": "Acme Partner IdP",
        "issuer": ISSUER,
        "jwks_uri": f"{ISSUER}/.well-known/jwks.json",
        "now": NOW,
    }
    values.update(fields)
    return FederationPartner.register(**values)


def compact(payload: object, header: object = None) -> str:
    """An (unsigned) compact JWS of ``payload``."""

    def segment(value: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{segment(header or {'alg': 'RS256'})}.{segment(payload)}.c2ln"


def test_registration_creates_an_active_partner() -> None:
    """Fields are kept (name trimmed, allowlist deduplicated in order); status active."""
    created = partner(
        name="  Acme  ",
        allowed_organizations=["b", "a", "b"],
        expires_at=NOW + timedelta(days=1),
    )

    assert created.status is FederationPartnerStatus.ACTIVE
    assert created.name == "Acme"
    assert created.allowed_organizations == ("b", "a")
    assert created.created_at == created.updated_at == NOW


@pytest.mark.parametrize(
    "url",
    [
        "https://idp.example",
        "https://idp.example:8443/tenant/1",
        "http://127.0.0.1:8080/jwks.json",
        "http://localhost/jwks",
        "http://[::1]:9000/jwks",
    ],
)
def test_https_urls_and_loopback_http_are_accepted(url: str) -> None:
    """HTTPS anywhere; plain HTTP only on a loopback host."""
    assert partner(issuer=url, jwks_uri=url).jwks_uri == url


@pytest.mark.parametrize(
    "url",
    [
        "http://idp.example/jwks",  # plain http off loopback: keys could be swapped in transit
        "http://127.0.0.1.evil.example/jwks",
        "ftp://idp.example/jwks",
        "https://user:pass@idp.example/jwks",
        "https://idp.example/jwks#fragment",
        "https:///no-host",
        "idp.example/jwks",
        "https://[::1/broken",
        "",
        "https://" + "a" * 3000,
        42,
        None,
    ],
)
@pytest.mark.parametrize("field", ["issuer", "jwks_uri"])
def test_other_urls_are_refused(field: str, url: object) -> None:
    """Anything but an absolute HTTPS URL (or loopback HTTP) is InvalidValue on that field."""
    with pytest.raises(InvalidValue) as refused:
        partner(**{field: url})

    assert refused.value.field == field
    assert refused.value.reason == "Must be a valid HTTPS URL."


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 257}, "name"),
        ({"allowed_organizations": "org-a"}, "allowed_organizations"),
        ({"allowed_organizations": [""]}, "allowed_organizations"),
        ({"allowed_organizations": [1]}, "allowed_organizations"),
        ({"allowed_organizations": [f"o{i}" for i in range(101)]}, "allowed_organizations"),
        ({"expires_at": NOW}, "expires_at"),
        ({"expires_at": NOW - timedelta(seconds=1)}, "expires_at"),
        ({"expires_at": datetime(2030, 1, 1)}, "expires_at"),  # naive on purpose
    ],
)
def test_registration_rules(fields: dict[str, Any], field: str) -> None:
    """Name 1-256, a list of non-empty strings (at most 100), a future aware expiry."""
    with pytest.raises(InvalidValue) as refused:
        partner(**fields)

    assert refused.value.field == field


def test_update_changes_only_the_given_fields_and_never_the_issuer() -> None:
    """Update validates each field; the issuer and unknown fields cannot be changed; a past
    expiry is allowed (it expires the partner) and ``None`` removes it."""
    original = partner(expires_at=NOW + timedelta(days=1))
    later = NOW + timedelta(minutes=5)

    updated = original.update(
        {"status": "suspended", "expires_at": None, "allowed_organizations": ["x"]}, now=later
    )

    assert (updated.status, updated.expires_at, updated.allowed_organizations) == (
        FederationPartnerStatus.SUSPENDED,
        None,
        ("x",),
    )
    assert (updated.name, updated.issuer, updated.updated_at) == (original.name, ISSUER, later)
    assert original.update({"expires_at": NOW - timedelta(days=1)}, now=later).expires_at
    for changes in ({"issuer": "https://other.example"}, {"id": "x"}, {"status": "deleted"}):
        with pytest.raises(InvalidValue):
            original.update(changes, now=later)


def test_transitions() -> None:
    """Suspend and reactivate move the status and ``updated_at`` only."""
    original = partner()
    suspended = original.suspend(now=NOW + timedelta(seconds=1))

    assert suspended.status is FederationPartnerStatus.SUSPENDED
    assert suspended.reactivate(now=NOW).status is FederationPartnerStatus.ACTIVE
    assert suspended.updated_at == NOW + timedelta(seconds=1)


@given(
    status=st.sampled_from(FederationPartnerStatus),
    expires_in=st.one_of(st.none(), st.integers(-(10**6), 10**6)),
    now_offset=st.integers(-(10**6), 10**6),
)
def test_effective_status_is_expired_exactly_once_expires_at_passed(
    status: FederationPartnerStatus, expires_in: int | None, now_offset: int
) -> None:
    """Past (or at) ``expires_at`` a partner is expired whatever its stored status; before,
    or without an expiry, its stored status stands."""
    stored = partner().update(
        {
            "status": status.value,
            "expires_at": None if expires_in is None else NOW + timedelta(seconds=expires_in),
        },
        now=NOW,
    )
    now = NOW + timedelta(seconds=now_offset)

    effective = stored.effective_status(now)

    passed = expires_in is not None and expires_in <= now_offset
    assert effective is (FederationPartnerStatus.EXPIRED if passed else status)
    assert stored.as_of(now).status is effective


_ORG = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=20)


@given(allowed=st.lists(_ORG, max_size=5, unique=True), candidate=_ORG)
def test_allowlist_accepts_exactly_its_members(allowed: list[str], candidate: str) -> None:
    """An empty allowlist accepts anything; otherwise exactly the listed ids."""
    subject = partner(allowed_organizations=allowed)

    assert subject.allows_organization(candidate) is (not allowed or candidate in allowed)


@given(member=_ORG, mutation=st.sampled_from(["upper", "prefix", "suffix", "strip"]))
def test_allowlist_refuses_near_misses(member: str, mutation: str) -> None:
    """Case changes, prefixes, suffixes and trimmed variants of an allowed id are refused."""
    near = {
        "upper": member.swapcase(),
        "prefix": "x" + member,
        "suffix": member + "x",
        "strip": member[1:],
    }[mutation]
    subject = partner(allowed_organizations=[member])

    assert subject.allows_organization(near) is (near == member)
    assert subject.allows_organization(None) is False
    assert subject.allows_organization(["list", member]) is False


def test_claim_tables_cover_the_known_claims_without_overlap() -> None:
    """Each known claim is checked by exactly one component, or listed as unchecked."""
    tables = [VERIFIER_CHECKED_CLAIMS, frozenset(PARTNER_CLAIM_CHECKS), UNCHECKED_CLAIMS]

    assert sum(len(table) for table in tables) == len(frozenset().union(*tables))
    assert {"iss", "aud", "exp", "sub", "organization_id"} <= frozenset().union(*tables)


@pytest.mark.parametrize(
    ("claims", "failure"),
    [
        ({"sub": "a", "organization_id": "org-1"}, None),
        ({"organization_id": "org-1"}, ClaimFailure.INVALID),
        ({"sub": "", "organization_id": "org-1"}, ClaimFailure.INVALID),
        ({"sub": 7, "organization_id": "org-1"}, ClaimFailure.INVALID),
        ({"sub": "a", "organization_id": "org-2"}, ClaimFailure.ORGANIZATION_NOT_ALLOWED),
        ({"sub": "a"}, ClaimFailure.ORGANIZATION_NOT_ALLOWED),
    ],
)
def test_partner_claim_checks(claims: dict[str, Any], failure: ClaimFailure | None) -> None:
    """``sub`` must name someone; ``organization_id`` must be allowed."""
    refusal = refuse_claims(claims, partner(allowed_organizations=["org-1"]))

    assert (refusal.failure if refusal else None) is failure


def test_unverified_issuer_reads_iss_only_from_a_well_formed_token() -> None:
    """The peek finds a string ``iss``; anything else is ``None``."""
    assert unverified_issuer(compact({"iss": ISSUER})) == ISSUER
    for token in (
        compact({"iss": 42}),
        compact(["iss"]),
        compact({"sub": "x"}),
        "a.b",
        "a.b.c.d",
        "a.%%%.c",
        "x." + "A" * 20_000 + ".y",
    ):
        assert unverified_issuer(token) is None


@given(st.text(max_size=300))
def test_unverified_issuer_never_raises(text: str) -> None:
    """Arbitrary input (attacker-controlled) yields a string or ``None``, never an error."""
    assert unverified_issuer(text) is None or isinstance(unverified_issuer(text), str)


@given(st.binary(max_size=200))
def test_unverified_issuer_never_raises_on_arbitrary_payloads(payload: bytes) -> None:
    """Any payload bytes between two dots: a string or ``None``."""
    segment = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()

    result = unverified_issuer(f"e30.{segment}.c2ln")

    assert result is None or isinstance(result, str)
