"""Federation partners end to end: ``/api/v1/federation`` against a loopback partner IdP
that serves real key sets over HTTP and signs real RS256/ES256 tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from litestar.testing import AsyncTestClient

from agentidp.entrypoints.container import Container, build_container
from agentidp.entrypoints.settings import GitHubOidcSettings

from .conftest import PUBLIC_URL, SETTINGS
from .partner_idp import PartnerIdp, PartnerKey, running_partner
from .support import Tenant, assert_error, bearer, new_client, platform_admin

Client = AsyncTestClient[Any]
TRUST = "/api/v1/federation/trust"
PARTNERS = "/api/v1/federation/partners"
VERIFY = "/api/v1/federation/verify"


@pytest.fixture
def container() -> Container:
    """The memory-backed app, allowed to fetch key sets from loopback ``http`` URLs."""
    return build_container(
        replace(SETTINGS, github_oidc=GitHubOidcSettings(allow_loopback_http=True))
    )


@pytest.fixture
def partner() -> Iterator[PartnerIdp]:
    """A running partner IdP with one RS256 key in its ``main`` key set."""
    with running_partner(audience=PUBLIC_URL) as idp:
        idp.add_key()
        yield idp


@pytest.fixture
async def admin(client: Client, container: Container) -> Tenant:
    """A platform administrator (``admin:orgs`` + ``admin:platform``)."""
    return await platform_admin(client, container, "platform")


async def register(client: Client, admin: Tenant, idp: PartnerIdp, **fields: Any) -> dict[str, Any]:
    """Register ``idp`` (asserting 201) and return the partner."""
    body = {"name": "Acme Partner IdP", "issuer": idp.issuer, "jwks_uri": idp.jwks_uri()}
    body.update(fields)
    response = await client.post(TRUST, json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def verify(client: Client, caller: Tenant, token: Any, **fields: Any) -> Any:
    """POST /federation/verify."""
    return await client.post(VERIFY, json={"token": token, **fields}, headers=caller.headers)


async def patch(client: Client, admin: Tenant, partner_id: str, **fields: Any) -> Any:
    """PATCH a partner (asserting 200) and return it."""
    response = await client.patch(f"{PARTNERS}/{partner_id}", json=fields, headers=admin.headers)
    assert response.status_code == 200, response.text
    return response.json()


# --- management -----------------------------------------------------------------------------


async def test_partner_lifecycle_is_served_and_audited(
    client: Client, admin: Tenant, partner: PartnerIdp
) -> None:
    """Register, list, read, update and delete a partner, each change audited."""
    expires_at = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    created = await register(
        client, admin, partner, allowed_organizations=["org-1", "org-2"], expires_at=expires_at
    )
    assert created["status"] == "active"
    assert created["issuer"] == partner.issuer
    assert created["allowed_organizations"] == ["org-1", "org-2"]
    assert datetime.fromisoformat(created["expires_at"]) == datetime.fromisoformat(expires_at)
    assert set(created) == {
        "id", "name", "issuer", "jwks_uri", "allowed_organizations", "status",
        "created_at", "updated_at", "expires_at",
    }  # fmt: skip
    item = f"{PARTNERS}/{created['id']}"

    listed = await client.get(PARTNERS, headers=admin.headers)
    assert listed.status_code == 200
    assert created in listed.json()
    assert (await client.get(item, headers=admin.headers)).json() == created

    updated = await patch(
        client, admin, created["id"], name="Renamed", status="suspended", expires_at=None
    )
    assert (updated["name"], updated["status"], updated["expires_at"]) == (
        "Renamed",
        "suspended",
        None,
    )
    assert updated["issuer"] == partner.issuer

    assert (await client.delete(item, headers=admin.headers)).status_code == 204
    assert_error(await client.get(item, headers=admin.headers), 404, "FEDERATION_PARTNER_NOT_FOUND")
    assert_error(
        await client.delete(item, headers=admin.headers), 404, "FEDERATION_PARTNER_NOT_FOUND"
    )

    audit = await client.get("/api/v1/audit", params={"limit": 100}, headers=admin.headers)
    actions = [event["action"] for event in audit.json()["data"]]
    for action in ("registered", "updated", "deleted"):
        assert f"federation_partner.{action}" in actions


async def test_same_issuer_twice_is_a_conflict(
    client: Client, admin: Tenant, partner: PartnerIdp
) -> None:
    """A second partner with a registered issuer is 409 FEDERATION_PARTNER_CONFLICT."""
    await register(client, admin, partner)
    again = {"name": "Again", "issuer": partner.issuer, "jwks_uri": partner.jwks_uri()}

    response = await client.post(TRUST, json=again, headers=admin.headers)

    assert_error(response, 409, "FEDERATION_PARTNER_CONFLICT")


@pytest.mark.parametrize("failure", ["down", "missing", "empty", "closed-port"])
async def test_unreachable_jwks_at_registration_is_422_and_nothing_stored(
    client: Client, admin: Tenant, partner: PartnerIdp, failure: str
) -> None:
    """The jwks_uri is probed before the partner is stored: a 503, a 404, an empty key set
    or nobody listening is 422 JWKS_UNREACHABLE."""
    jwks_uri = {
        "down": partner.jwks_uri("main"),
        "missing": f"{partner.base_url}/jwks/nothing-here.json",
        "empty": partner.jwks_uri("empty"),
        "closed-port": "http://127.0.0.1:9/jwks.json",
    }[failure]
    if failure == "down":
        partner.take_down("main")
    body = {"name": "Broken", "issuer": partner.issuer, "jwks_uri": jwks_uri}

    response = await client.post(TRUST, json=body, headers=admin.headers)

    assert_error(response, 422, "JWKS_UNREACHABLE")
    listed = await client.get(PARTNERS, headers=admin.headers)
    assert all(p["issuer"] != partner.issuer for p in listed.json())


async def test_registration_retried_after_fixing_the_endpoint_succeeds(
    client: Client, admin: Tenant, partner: PartnerIdp
) -> None:
    """The probe asks the endpoint again on every attempt: a failure is not remembered
    against an administrator who fixed the endpoint and retries at once."""
    partner.take_down("main")
    body = {"name": "Acme", "issuer": partner.issuer, "jwks_uri": partner.jwks_uri()}
    assert_error(
        await client.post(TRUST, json=body, headers=admin.headers), 422, "JWKS_UNREACHABLE"
    )

    partner.bring_up("main")
    response = await client.post(TRUST, json=body, headers=admin.headers)

    assert response.status_code == 201, response.text
    assert partner.fetches["main"] == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("jwks_uri", "http://keys.example.com/jwks.json"),  # plain http off loopback
        ("jwks_uri", "not a url"),
        ("issuer", "ftp://idp.example"),
        ("name", " "),
        ("allowed_organizations", ["ok", ""]),
        ("expires_at", "2020-01-01T00:00:00Z"),  # in the past
        ("expires_at", "2030-01-01T00:00:00"),  # no zone
        ("unexpected", 1),
    ],
)
async def test_invalid_registration_is_400(
    client: Client, admin: Tenant, partner: PartnerIdp, field: str, value: Any
) -> None:
    """Bad fields are 400 VALIDATION_ERROR naming the field, before any fetch."""
    body = {"name": "Acme", "issuer": partner.issuer, "jwks_uri": partner.jwks_uri(), field: value}

    response = await client.post(TRUST, json=body, headers=admin.headers)

    assert_error(response, 400, "VALIDATION_ERROR")
    assert partner.fetches.get("main", 0) == 0


async def test_invalid_updates_are_400(client: Client, admin: Tenant, partner: PartnerIdp) -> None:
    """An empty PATCH, an issuer change and an unknown status are 400."""
    created = await register(client, admin, partner)
    item = f"{PARTNERS}/{created['id']}"

    for body in ({}, {"issuer": "https://other.example"}, {"status": "deleted"}):
        response = await client.patch(item, json=body, headers=admin.headers)
        assert_error(response, 400, "VALIDATION_ERROR")


async def test_unknown_or_malformed_partner_id_is_404(client: Client, admin: Tenant) -> None:
    """Any id that names no partner is 404 FEDERATION_PARTNER_NOT_FOUND."""
    for partner_id in ("00000000-0000-4000-8000-000000000000", "not-a-uuid"):
        response = await client.get(f"{PARTNERS}/{partner_id}", headers=admin.headers)
        assert_error(response, 404, "FEDERATION_PARTNER_NOT_FOUND")


async def test_management_needs_a_platform_administrator(
    client: Client, admin: Tenant, org_a: Tenant, partner: PartnerIdp
) -> None:
    """A tenant administrator (admin:orgs without admin:platform) may not manage partners,
    which are deployment-wide."""
    created = await register(client, admin, partner)
    body = {"name": "Mine", "issuer": "https://mine.example", "jwks_uri": partner.jwks_uri()}
    item = f"{PARTNERS}/{created['id']}"

    for response in (
        await client.post(TRUST, json=body, headers=org_a.headers),
        await client.get(PARTNERS, headers=org_a.headers),
        await client.get(item, headers=org_a.headers),
        await client.patch(item, json={"name": "x"}, headers=org_a.headers),
        await client.delete(item, headers=org_a.headers),
    ):
        assert response.status_code == 403, response.text
    assert (await client.get(item, headers=admin.headers)).json() == created


# --- verification ---------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
async def test_valid_token_is_verified(
    client: Client, admin: Tenant, org_a: Tenant, partner: PartnerIdp, alg: str
) -> None:
    """A token of an active partner, signed with a published key, verifies for any agent
    holding agents:read: 200 with the issuer, subject, organization and every claim."""
    key = partner.add_key("main", alg=alg)
    created = await register(client, admin, partner, allowed_organizations=["org-acme-001"])
    reader = await new_client(client, org_a, scopes=["agents:read"])
    token = partner.mint(key, organization_id="org-acme-001", role="builder")

    response = await client.post(VERIFY, json={"token": token}, headers=reader.headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["valid"] is True
    assert (body["issuer"], body["subject"]) == (partner.issuer, "agent-001-external")
    assert body["organization_id"] == "org-acme-001"
    assert body["partner_id"] == created["id"]
    assert body["claims"] == jwt.decode(token, options={"verify_signature": False})


async def test_expected_issuer_must_match(
    client: Client, admin: Tenant, partner: PartnerIdp
) -> None:
    """``expected_issuer`` equal to ``iss`` passes; any other value is refused."""
    await register(client, admin, partner)
    token = partner.mint(partner.key_sets["main"][0])

    assert (await verify(client, admin, token, expected_issuer=partner.issuer)).status_code == 200
    refused = await verify(client, admin, token, expected_issuer=partner.issuer + "/")
    assert_error(refused, 422, "UNKNOWN_FEDERATION_ISSUER")


@pytest.mark.parametrize("body", [{}, {"token": ""}, {"token": None}])
async def test_missing_token_is_400_with_the_spec_message(
    client: Client, admin: Tenant, body: dict[str, Any]
) -> None:
    """No token: 400 "The 'token' field is required."."""
    response = await client.post(VERIFY, json=body, headers=admin.headers)

    assert_error(response, 400, "VALIDATION_ERROR")
    assert response.json()["message"] == "The 'token' field is required."


async def test_verify_needs_authentication(client: Client) -> None:
    """Without a bearer token verify is 401."""
    response = await client.post(VERIFY, json={"token": "x.y.z"})

    assert_error(response, 401, "UNAUTHORIZED")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hs256_with_public_key(token: str, key: PartnerKey) -> str:
    """``token`` re-signed with HS256 keyed by the partner's public key (PEM), the classic
    algorithm-confusion attack."""
    pem = key.private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key.kid}).encode())
    signing_input = f"{header}.{token.split('.')[1]}"
    signature = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _forged(token: str, **header: Any) -> str:
    """``token`` with its header replaced (signature kept, so it no longer matches)."""
    return ".".join([_b64(json.dumps(header).encode()), *token.split(".")[1:]])


async def test_every_refusal_is_422_with_its_code(
    client: Client, admin: Tenant, partner: PartnerIdp
) -> None:
    """Forged, expired, not-yet-valid, wrong audience, unknown kid, alg none, HS256 with the
    public key, other organization, unknown issuer, garbage: each refused with its code."""
    key = partner.key_sets["main"][0]
    await register(client, admin, partner, allowed_organizations=["org-acme-001"])
    stranger = partner.add_key("unpublished")
    stranger.kid = key.kid  # same kid, other key: a forged signature
    org = {"organization_id": "org-acme-001"}
    valid = partner.mint(key, **org)
    cases = {
        "FEDERATION_TOKEN_INVALID": [
            partner.mint(stranger, **org),
            _forged(valid, alg="none", kid=key.kid),
            _forged(valid, alg="HS256", kid=key.kid),
            _hs256_with_public_key(valid, key),
            partner.mint(key, aud="https://someone-else.example", **org),
            partner.mint(key, nbf=int(datetime.now(UTC).timestamp()) + 3600, **org),
            partner.mint(key, iat=int(datetime.now(UTC).timestamp()) + 3600, **org),
            partner.mint(key, headers={"kid": "unknown-kid"}, **org),
            partner.mint(key, sub=None, **org),
            "x" * 20_000 + "." + valid.split(".", 1)[1],
        ],
        "FEDERATION_TOKEN_EXPIRED": [partner.mint(key, lifetime=-120, **org)],
        "FEDERATION_ORG_NOT_ALLOWED": [
            partner.mint(key, organization_id="org-other"),
            partner.mint(key),  # no organization claim, but the allowlist is not empty
        ],
        "UNKNOWN_FEDERATION_ISSUER": [partner.mint(key, iss="https://stranger.example", **org)],
    }
    for code, tokens in cases.items():
        for token in tokens:
            assert_error(await verify(client, admin, token), 422, code)
    for garbage in ("not-a-jwt", "a.b.c", "...", valid.split(".")[0]):
        assert_error(await verify(client, admin, garbage), 422, "FEDERATION_TOKEN_INVALID")
    assert (await verify(client, admin, valid)).status_code == 200


async def test_suspension_expiry_and_deletion_take_effect_at_once(
    client: Client, admin: Tenant, partner: PartnerIdp
) -> None:
    """The partner is read on every verification: suspend, expire (status or expires_at in
    the past) and delete refuse the next token; reactivating accepts it again."""
    created = await register(client, admin, partner)
    token = partner.mint(partner.key_sets["main"][0])
    assert (await verify(client, admin, token)).status_code == 200

    await patch(client, admin, created["id"], status="suspended")
    assert_error(await verify(client, admin, token), 422, "FEDERATION_PARTNER_SUSPENDED")

    await patch(client, admin, created["id"], status="expired")
    assert_error(await verify(client, admin, token), 422, "FEDERATION_PARTNER_EXPIRED")

    await patch(client, admin, created["id"], status="active")
    assert (await verify(client, admin, token)).status_code == 200

    past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    shown = await patch(client, admin, created["id"], expires_at=past)
    assert shown["status"] == "expired"  # past expires_at: shown and treated as expired
    assert_error(await verify(client, admin, token), 422, "FEDERATION_PARTNER_EXPIRED")
    listed = (await client.get(PARTNERS, headers=admin.headers)).json()
    assert [p["status"] for p in listed if p["id"] == created["id"]] == ["expired"]

    await patch(client, admin, created["id"], expires_at=None)
    assert (await verify(client, admin, token)).status_code == 200
    await client.delete(f"{PARTNERS}/{created['id']}", headers=admin.headers)
    assert_error(await verify(client, admin, token), 422, "UNKNOWN_FEDERATION_ISSUER")


async def test_jwks_uri_change_invalidates_the_cached_keys(
    client: Client, admin: Tenant, partner: PartnerIdp
) -> None:
    """After a PATCH of jwks_uri, tokens are checked against the new key set only; the new
    URI is probed (an unreachable one is refused and changes nothing)."""
    old_key = partner.key_sets["main"][0]
    new_key = partner.add_key("rotated")
    created = await register(client, admin, partner)
    old_token, new_token = partner.mint(old_key), partner.mint(new_key)
    assert (await verify(client, admin, old_token)).status_code == 200

    partner.take_down("broken")
    refused = await client.patch(
        f"{PARTNERS}/{created['id']}",
        json={"jwks_uri": partner.jwks_uri("broken")},
        headers=admin.headers,
    )
    assert_error(refused, 422, "JWKS_UNREACHABLE")
    assert (await verify(client, admin, old_token)).status_code == 200

    await patch(client, admin, created["id"], jwks_uri=partner.jwks_uri("rotated"))
    assert_error(await verify(client, admin, old_token), 422, "FEDERATION_TOKEN_INVALID")
    assert (await verify(client, admin, new_token)).status_code == 200

    # Back to the old URI: its cached set was dropped, so it is fetched again.
    fetched = partner.fetches["main"]
    await patch(client, admin, created["id"], jwks_uri=partner.jwks_uri("main"))
    assert (await verify(client, admin, old_token)).status_code == 200
    assert partner.fetches["main"] > fetched


async def test_partner_keys_unreachable_at_verification_is_422(
    client: Client, admin: Tenant, partner: PartnerIdp
) -> None:
    """A partner whose key set cannot be fetched (never cached) refuses its tokens with 422
    JWKS_UNREACHABLE, not a 500."""
    created = await register(client, admin, partner)
    await patch(client, admin, created["id"], jwks_uri=partner.jwks_uri("main"))  # drop cache
    partner.take_down("main")

    response = await verify(client, admin, partner.mint(partner.key_sets["main"][0]))

    assert_error(response, 422, "JWKS_UNREACHABLE")


async def test_bearer_of_another_organization_verifies_too(
    client: Client, admin: Tenant, org_b: Tenant, partner: PartnerIdp
) -> None:
    """Partners are deployment-wide: any organization's agent may verify their tokens."""
    await register(client, admin, partner)
    reader = await new_client(client, org_b, scopes=["agents:read"])

    response = await client.post(
        VERIFY,
        json={"token": partner.mint(partner.key_sets["main"][0])},
        headers=bearer(reader.token),
    )

    assert response.status_code == 200, response.text
