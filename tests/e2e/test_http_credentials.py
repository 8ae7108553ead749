"""Agent credentials over HTTP: /api/v1/agents/{agentId}/credentials."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.testing import AsyncTestClient

from .support import (
    Tenant,
    agent_body,
    assert_error,
    assert_oauth_error,
    new_client,
    request_token,
)

SECRET = re.compile(r"^sk_live_[0-9a-f]{64}$")
CREDENTIAL_FIELDS = {
    "credentialId", "clientId", "status", "createdAt", "expiresAt", "revokedAt", "rotatedAt",
}


def credentials_url(agent_id: str) -> str:
    """The credential collection of an agent."""
    return f"/api/v1/agents/{agent_id}/credentials"


async def new_agent(client: AsyncTestClient[Any], tenant: Tenant) -> str:
    """Register an agent without credentials and return its id."""
    response = await client.post("/api/v1/agents", json=agent_body(), headers=tenant.headers)
    return str(response.json()["agentId"])


async def test_generate_shows_the_secret_once(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """POST answers 201 with clientSecret; GET never shows a secret or a hash."""
    agent_id = await new_agent(client, org_a)

    created = await client.post(credentials_url(agent_id), headers=org_a.headers)
    listed = await client.get(credentials_url(agent_id), headers=org_a.headers)

    assert created.status_code == 201
    body = created.json()
    assert set(body) == CREDENTIAL_FIELDS | {"clientSecret"}
    assert SECRET.fullmatch(body["clientSecret"])
    assert body["clientId"] == agent_id
    assert body["status"] == "active"
    assert listed.status_code == 200
    assert [set(c) for c in listed.json()] == [CREDENTIAL_FIELDS]
    assert body["clientSecret"] not in listed.text
    assert "argon2" not in listed.text


async def test_generate_with_expiry(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """An expiresAt in the future is stored and shown."""
    agent_id = await new_agent(client, org_a)
    expires = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)

    response = await client.post(
        credentials_url(agent_id), json={"expiresAt": expires.isoformat()}, headers=org_a.headers
    )

    assert response.status_code == 201, response.text
    assert datetime.fromisoformat(response.json()["expiresAt"]) == expires


async def test_expiry_in_the_past_or_without_offset_is_400(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """A past expiry and a naive (offset-less) timestamp are both 400 VALIDATION_ERROR."""
    agent_id = await new_agent(client, org_a)

    past = await client.post(
        credentials_url(agent_id), json={"expiresAt": "2000-01-01T00:00:00Z"},
        headers=org_a.headers,
    )
    naive = await client.post(
        credentials_url(agent_id), json={"expiresAt": "2999-01-01T00:00:00"},
        headers=org_a.headers,
    )

    assert_error(past, 400, "VALIDATION_ERROR")
    assert_error(naive, 400, "VALIDATION_ERROR")


async def test_list_filters_by_status(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """?status=revoked lists only revoked credentials."""
    agent = await new_client(client, org_a)
    second = await client.post(credentials_url(agent.agent_id), headers=org_a.headers)
    await client.delete(
        f"{credentials_url(agent.agent_id)}/{agent.credential_id}", headers=org_a.headers
    )

    revoked = await client.get(
        credentials_url(agent.agent_id), params={"status": "revoked"}, headers=org_a.headers
    )
    active = await client.get(
        credentials_url(agent.agent_id), params={"status": "active"}, headers=org_a.headers
    )

    assert [c["credentialId"] for c in revoked.json()] == [agent.credential_id]
    assert [c["credentialId"] for c in active.json()] == [second.json()["credentialId"]]


async def test_rotate_replaces_the_secret_immediately(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """After rotation the old secret is refused and the new one works, same credentialId."""
    agent = await new_client(client, org_a)

    rotated = await client.post(
        f"{credentials_url(agent.agent_id)}/{agent.credential_id}/rotate", headers=org_a.headers
    )
    old = await request_token(client, agent.agent_id, agent.secret)
    new = await request_token(client, agent.agent_id, rotated.json()["clientSecret"])

    assert rotated.status_code == 200
    assert rotated.json()["credentialId"] == agent.credential_id
    assert rotated.json()["rotatedAt"] is not None
    assert rotated.json()["clientSecret"] != agent.secret
    assert_oauth_error(old, 401, "invalid_client")
    assert new.status_code == 200


async def test_revoke_stops_token_issuance(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """DELETE revokes the credential (200 with it); its secret no longer gets tokens."""
    agent = await new_client(client, org_a)
    url = f"{credentials_url(agent.agent_id)}/{agent.credential_id}"

    revoked = await client.delete(url, headers=org_a.headers)
    token = await request_token(client, agent.agent_id, agent.secret)
    again = await client.delete(url, headers=org_a.headers)

    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    assert revoked.json()["revokedAt"] is not None
    assert "clientSecret" not in revoked.json()
    assert_oauth_error(token, 401, "invalid_client")
    assert_error(again, 409, "CREDENTIAL_ALREADY_REVOKED")


async def test_post_revoke_alias(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """POST …/{credentialId}/revoke behaves like DELETE."""
    agent = await new_client(client, org_a)

    response = await client.post(
        f"{credentials_url(agent.agent_id)}/{agent.credential_id}/revoke", headers=org_a.headers
    )

    assert response.status_code == 200
    assert response.json()["status"] == "revoked"


async def test_rotating_a_revoked_credential_is_409(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """A revoked credential cannot be rotated."""
    agent = await new_client(client, org_a)
    url = f"{credentials_url(agent.agent_id)}/{agent.credential_id}"
    await client.delete(url, headers=org_a.headers)

    response = await client.post(f"{url}/rotate", headers=org_a.headers)

    assert_error(response, 409, "CREDENTIAL_ALREADY_REVOKED")


async def test_unknown_credential_is_404(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """A credential id that is not this agent's is 404 CREDENTIAL_NOT_FOUND."""
    agent = await new_client(client, org_a)
    other = await new_client(client, org_a)

    response = await client.delete(
        f"{credentials_url(agent.agent_id)}/{other.credential_id}", headers=org_a.headers
    )

    assert_error(response, 404, "CREDENTIAL_NOT_FOUND")


async def test_an_agent_may_manage_its_own_credentials_only(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """Without admin:orgs an agent manages its own secrets, not another agent's (403)."""
    writer = await new_client(client, org_a, scopes=["agents:read", "agents:write"])
    other = await new_client(client, org_a)

    own = await client.post(credentials_url(writer.agent_id), headers=writer.headers)
    foreign = await client.post(credentials_url(other.agent_id), headers=writer.headers)

    assert own.status_code == 201
    assert_error(foreign, 403, "FORBIDDEN")


async def test_suspended_agent_gets_no_new_credentials(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """Generating a secret for a suspended agent is 400 AGENT_NOT_ACTIVE."""
    agent_id = await new_agent(client, org_a)
    await client.post(f"/api/v1/agents/{agent_id}/suspend", headers=org_a.headers)

    response = await client.post(credentials_url(agent_id), headers=org_a.headers)

    assert_error(response, 400, "AGENT_NOT_ACTIVE")


async def test_decommission_revokes_credentials_and_ends_tokens(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """Decommissioning revokes every credential and invalidates outstanding tokens."""
    agent = await new_client(client, org_a)
    extra = await client.post(credentials_url(agent.agent_id), headers=org_a.headers)

    await client.delete(f"/api/v1/agents/{agent.agent_id}", headers=org_a.headers)
    listed = await client.get(credentials_url(agent.agent_id), headers=org_a.headers)
    old_token = await client.get("/api/v1/agents", headers=agent.headers)
    new_token = await request_token(client, agent.agent_id, extra.json()["clientSecret"])

    assert {c["status"] for c in listed.json()} == {"revoked"}
    assert len(listed.json()) == 2
    assert_error(old_token, 401, "UNAUTHORIZED")
    assert_oauth_error(new_token, 401, "invalid_client")
