"""POST /api/v1/token: the client credentials grant over HTTP (RFC 6749 §4.4, §2.3.1, §5)."""

from __future__ import annotations

import base64
from typing import Any

import jwt
from litestar.testing import AsyncTestClient

from .conftest import PUBLIC_URL
from .support import (
    FORM,
    TOKEN_URL,
    Tenant,
    assert_error,
    assert_oauth_error,
    basic,
    bearer,
    new_client,
    request_token,
)

UNKNOWN_CLIENT = "0b7f1a4e-95d1-4c55-9a77-3f0c2b9d4e10"
WELL_FORMED_SECRET = "sk_live_" + "0" * 64


def percent_encode_all(value: str) -> str:
    """Form-urlencode every byte, so only a server that url-decodes Basic halves accepts it."""
    return "".join(f"%{byte:02X}" for byte in value.encode())


async def test_basic_auth_issues_a_bearer_token(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """HTTP Basic client authentication yields an RFC 6749 §5.1 response with our claims."""
    response = await request_token(client, org_a.client_id, org_a.client_secret)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["sub"] == org_a.client_id
    assert claims["organization_id"] == org_a.organization_id
    assert claims["iss"] == PUBLIC_URL


async def test_token_responses_are_never_cached(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """Token responses carry Cache-Control: no-store and Pragma: no-cache (RFC 6749 §5.1)."""
    response = await request_token(client, org_a.client_id, org_a.client_secret)

    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    assert response.headers["content-type"].startswith("application/json")


async def test_body_credentials_issue_a_token(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """client_secret_post (client_id and client_secret in the form) works as well."""
    form = {
        "grant_type": "client_credentials",
        "client_id": org_a.client_id,
        "client_secret": org_a.client_secret,
    }

    response = await client.post(TOKEN_URL, data=form)

    assert response.status_code == 200, response.text


async def test_basic_credentials_are_url_decoded(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """Basic halves are form-urlencoded before base64 (RFC 6749 §2.3.1), so they are decoded."""
    headers = basic(percent_encode_all(org_a.client_id), percent_encode_all(org_a.client_secret))

    response = await client.post(
        TOKEN_URL, data={"grant_type": "client_credentials"}, headers=headers
    )

    assert response.status_code == 200, response.text


async def test_both_authentication_methods_is_invalid_request(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """Basic and body credentials together are refused (RFC 6749 §2.3)."""
    form = {"grant_type": "client_credentials", "client_secret": org_a.client_secret}

    response = await client.post(
        TOKEN_URL, data=form, headers=basic(org_a.client_id, org_a.client_secret)
    )

    assert_oauth_error(response, 400, "invalid_request")


async def test_wrong_secret_and_unknown_client_are_indistinguishable(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """A wrong secret and an unknown client give byte-identical 401 invalid_client answers."""
    wrong = await request_token(client, org_a.client_id, WELL_FORMED_SECRET)
    unknown = await request_token(client, UNKNOWN_CLIENT, WELL_FORMED_SECRET)
    garbage = await request_token(client, "nobody", "nothing")

    assert_oauth_error(wrong, 401, "invalid_client")
    assert wrong.content == unknown.content == garbage.content
    assert wrong.headers["www-authenticate"] == 'Basic realm="agentidp"'
    assert unknown.headers["www-authenticate"] == wrong.headers["www-authenticate"]


async def test_missing_client_authentication_is_invalid_client(
    client: AsyncTestClient[Any],
) -> None:
    """A grant request without any client credentials is 401 invalid_client."""
    response = await client.post(TOKEN_URL, data={"grant_type": "client_credentials"})

    assert_oauth_error(response, 401, "invalid_client")


async def test_suspended_agent_is_unauthorized_client(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """An agent that proves its secret but is suspended gets 400 unauthorized_client."""
    agent = await new_client(client, org_a)
    await client.post(f"/api/v1/agents/{agent.agent_id}/suspend", headers=org_a.headers)

    response = await request_token(client, agent.agent_id, agent.secret)

    assert_oauth_error(response, 400, "unauthorized_client")


async def test_scope_is_narrowed_on_request(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """Requesting a subset of the granted scopes yields exactly that subset."""
    response = await request_token(client, org_a.client_id, org_a.client_secret, "agents:read")

    assert response.status_code == 200
    assert response.json()["scope"] == "agents:read"


async def test_unknown_scope_is_invalid_scope(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """An unknown scope is 400 invalid_scope."""
    response = await request_token(client, org_a.client_id, org_a.client_secret, "root:all")

    assert_oauth_error(response, 400, "invalid_scope")


async def test_scope_beyond_the_grant_is_invalid_scope(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """A known scope the agent was not granted is 400 invalid_scope."""
    agent = await new_client(client, org_a, scopes=["agents:read"])

    response = await request_token(client, agent.agent_id, agent.secret, "audit:read")

    assert_oauth_error(response, 400, "invalid_scope")


async def test_missing_grant_type_is_invalid_request(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """A request without grant_type is 400 invalid_request."""
    response = await client.post(
        TOKEN_URL, data={"scope": "agents:read"}, headers=basic(org_a.client_id, "x")
    )

    assert_oauth_error(response, 400, "invalid_request")


async def test_other_grant_types_are_unsupported(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """Any grant other than client_credentials is 400 unsupported_grant_type."""
    response = await client.post(
        TOKEN_URL, data={"grant_type": "password"},
        headers=basic(org_a.client_id, org_a.client_secret),
    )

    assert_oauth_error(response, 400, "unsupported_grant_type")


async def test_repeated_parameters_are_invalid_request(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """A parameter sent twice is refused (RFC 6749 §3.2)."""
    body = b"grant_type=client_credentials&scope=agents:read&scope=audit:read"

    response = await client.post(
        TOKEN_URL, content=body, headers={**FORM, **basic(org_a.client_id, org_a.client_secret)}
    )

    assert_oauth_error(response, 400, "invalid_request")


async def test_json_body_is_unsupported_media_type(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """The token endpoint only takes application/x-www-form-urlencoded (415 otherwise)."""
    response = await client.post(
        TOKEN_URL, json={"grant_type": "client_credentials"},
        headers=basic(org_a.client_id, org_a.client_secret),
    )

    assert_oauth_error(response, 415, "invalid_request")


async def test_undecodable_basic_header_is_invalid_client(client: AsyncTestClient[Any]) -> None:
    """Basic credentials that are not base64 of ``id:secret`` are 401 invalid_client."""
    for value in ("Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode()):
        response = await client.post(
            TOKEN_URL, data={"grant_type": "client_credentials"},
            headers={"Authorization": value},
        )

        assert_oauth_error(response, 401, "invalid_client")


async def test_invalid_utf8_in_the_form_is_invalid_request(client: AsyncTestClient[Any]) -> None:
    """A body whose percent-escapes are not UTF-8 is 400 invalid_request, not a 500."""
    response = await client.post(
        TOKEN_URL, content=b"grant_type=client_credentials&client_id=%FF%FE", headers=FORM
    )

    assert_oauth_error(response, 400, "invalid_request")


async def test_oversized_token_request_is_413(client: AsyncTestClient[Any]) -> None:
    """A token request far larger than any real one is refused with 413."""
    body = b"grant_type=client_credentials&scope=" + b"a" * 20_000

    response = await client.post(TOKEN_URL, content=body, headers=FORM)

    assert_oauth_error(response, 413, "invalid_request")


async def test_issued_token_authenticates_api_calls(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """A fresh token is accepted as a bearer token by the registry."""
    response = await client.get("/api/v1/agents", headers=bearer(org_a.token))

    assert response.status_code == 200


async def test_missing_bearer_token_is_401_with_challenge(client: AsyncTestClient[Any]) -> None:
    """An API call without a token is 401 UNAUTHORIZED with a Bearer challenge (RFC 6750)."""
    response = await client.get("/api/v1/agents")

    assert_error(response, 401, "UNAUTHORIZED")
    assert response.headers["www-authenticate"] == 'Bearer realm="agentidp"'


async def test_invalid_bearer_token_is_401_invalid_token(client: AsyncTestClient[Any]) -> None:
    """A token that does not verify is 401 with error="invalid_token" in the challenge."""
    response = await client.get("/api/v1/agents", headers=bearer("not.a.token"))

    assert_error(response, 401, "UNAUTHORIZED")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
