"""Token introspection (RFC 7662) and revocation (RFC 7009) over HTTP."""

from __future__ import annotations

import time
import uuid
from typing import Any

from litestar.testing import AsyncTestClient

from agentidp.entrypoints.container import Container

from .conftest import PUBLIC_URL
from .support import Tenant, assert_error, assert_oauth_error, basic, bearer, new_client

INTROSPECT = "/api/v1/token/introspect"
REVOKE = "/api/v1/token/revoke"


async def sign(container: Container, **claims: Any) -> str:
    """A token signed with the deployment's own key carrying exactly ``claims``."""
    signer = container.signer()
    return str(signer.sign(claims))


def claims_of(tenant: Tenant, **overrides: Any) -> dict[str, Any]:
    """Well-formed claims for ``tenant``'s administrator; keyword arguments replace claims."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": PUBLIC_URL, "sub": tenant.client_id, "aud": PUBLIC_URL,
        "client_id": tenant.client_id, "scope": "agents:read",
        "organization_id": tenant.organization_id, "jti": str(uuid.uuid4()),
        "iat": now, "exp": now + 600,
    }
    claims.update(overrides)
    return claims


async def test_introspection_of_an_active_token(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """A bearer caller with tokens:read sees an active token's claims."""
    agent = await new_client(client, org_a)

    response = await client.post(INTROSPECT, data={"token": agent.token}, headers=org_a.headers)

    assert response.status_code == 200
    body = response.json()
    assert body["active"] is True
    assert body["sub"] == agent.agent_id
    assert body["organization_id"] == org_a.organization_id
    assert body["token_type"] == "Bearer"
    assert response.headers["cache-control"] == "no-store"


async def test_introspection_with_client_credentials(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """A caller may authenticate with client credentials (Basic) instead of a bearer token."""
    agent = await new_client(client, org_a)

    response = await client.post(
        INTROSPECT, data={"token": agent.token},
        headers=basic(org_a.client_id, org_a.client_secret),
    )

    assert response.status_code == 200, response.text
    assert response.json()["active"] is True


async def test_introspection_with_post_credentials(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """client_id and client_secret in the form also authenticate the caller."""
    form = {"token": org_a.token, "client_id": org_a.client_id,
            "client_secret": org_a.client_secret}

    response = await client.post(INTROSPECT, data=form)

    assert response.json()["active"] is True


async def test_revoked_expired_foreign_and_garbage_tokens_are_inactive(
    client: AsyncTestClient[Any], container: Container, org_a: Tenant, org_b: Tenant
) -> None:
    """Revoked, expired, another organization's and unparseable tokens all read active:false."""
    revoked = await new_client(client, org_a)
    await client.post(REVOKE, data={"token": revoked.token}, headers=org_a.headers)
    past = int(time.time()) - 7200
    expired = await sign(container, **claims_of(org_a, iat=past, exp=past + 60))

    for token in (revoked.token, expired, org_b.token, "garbage"):
        response = await client.post(INTROSPECT, data={"token": token}, headers=org_a.headers)

        assert response.status_code == 200
        assert response.json() == {"active": False}


async def test_introspection_requires_tokens_read(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """A caller without tokens:read gets 403 insufficient_scope."""
    reader = await new_client(client, org_a)

    response = await client.post(INTROSPECT, data={"token": reader.token}, headers=reader.headers)

    assert_oauth_error(response, 403, "insufficient_scope")


async def test_introspection_needs_an_authenticated_caller(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """No credentials is 401 invalid_client; a bad bearer token is 401 invalid_token."""
    anonymous = await client.post(INTROSPECT, data={"token": org_a.token})
    bad_bearer = await client.post(
        INTROSPECT, data={"token": org_a.token}, headers=bearer("nope")
    )

    assert_oauth_error(anonymous, 401, "invalid_client")
    assert_oauth_error(bad_bearer, 401, "invalid_token")
    assert anonymous.headers["www-authenticate"].startswith("Basic")
    assert bad_bearer.headers["www-authenticate"].startswith("Bearer")


async def test_introspection_without_token_parameter_is_invalid_request(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """The token parameter is required."""
    response = await client.post(
        INTROSPECT, data={"token_type_hint": "access_token"}, headers=org_a.headers
    )

    assert_oauth_error(response, 400, "invalid_request")


async def test_revoking_your_own_token(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """An agent revokes its own token (200 empty body); the token is refused afterwards."""
    agent = await new_client(client, org_a)

    response = await client.post(
        REVOKE, data={"token": agent.token}, headers=basic(agent.agent_id, agent.secret)
    )
    after = await client.get("/api/v1/agents", headers=agent.headers)

    assert response.status_code == 200
    assert response.content == b""
    assert_error(after, 401, "UNAUTHORIZED")


async def test_revoking_with_the_token_itself(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """A bearer caller may revoke the very token it authenticates with."""
    agent = await new_client(client, org_a)

    response = await client.post(REVOKE, data={"token": agent.token}, headers=agent.headers)
    again = await client.post(REVOKE, data={"token": agent.token}, headers=agent.headers)

    assert response.status_code == 200
    assert_oauth_error(again, 401, "invalid_token")


async def test_revoking_another_agents_token_needs_admin(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """Another agent's token: 403 without admin:orgs, 200 for the administrator."""
    victim = await new_client(client, org_a)
    other = await new_client(client, org_a)

    refused = await client.post(REVOKE, data={"token": victim.token}, headers=other.headers)
    still_valid = await client.get("/api/v1/agents", headers=victim.headers)
    by_admin = await client.post(REVOKE, data={"token": victim.token}, headers=org_a.headers)

    assert_oauth_error(refused, 403, "unauthorized_client")
    assert still_valid.status_code == 200
    assert by_admin.status_code == 200


async def test_revoking_unknown_tokens_is_200(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """RFC 7009 §2.2: an invalid or unknown token is answered with 200."""
    response = await client.post(REVOKE, data={"token": "not-a-token"}, headers=org_a.headers)

    assert response.status_code == 200
    assert response.content == b""


async def test_another_organizations_token_is_left_alone(
    client: AsyncTestClient[Any], org_a: Tenant, org_b: Tenant
) -> None:
    """Revoking org B's token from org A is a silent no-op: B's token keeps working."""
    response = await client.post(REVOKE, data={"token": org_b.token}, headers=org_a.headers)
    b_call = await client.get("/api/v1/agents", headers=org_b.headers)

    assert response.status_code == 200
    assert b_call.status_code == 200
