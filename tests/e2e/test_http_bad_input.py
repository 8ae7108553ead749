"""Bad input everywhere: every refusal is a 4xx ``{code, message, details}``, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from .support import Client, Tenant, agent_body, assert_error, new_client

AGENTS = "/api/v1/agents"
JSON = {"content-type": "application/json"}
NOT_A_UUID = "not-a-uuid"


@pytest.fixture
async def agent(client: AsyncTestClient[Any], org_a: Tenant) -> Client:
    """An agent of org A with a credential."""
    return await new_client(client, org_a)


def nested(depth: int) -> dict[str, Any]:
    """``{"a": {"a": ... 1}}`` nested ``depth`` levels deep."""
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return dict(value)


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (b"{not json", "body"),
        (b"", "body"),
        (b"[]", "body"),
        (b'"text"', "body"),
        (json.dumps(agent_body(email=5)).encode(), "email"),
        (json.dumps(agent_body(capabilities="a:b")).encode(), "capabilities"),
        (json.dumps(agent_body(metadata=[1, 2])).encode(), "metadata"),
        (json.dumps(agent_body(agentType="wizard")).encode(), "agentType"),
        (json.dumps(agent_body(deploymentEnv="moon")).encode(), "deploymentEnv"),
        (json.dumps(agent_body(version="one")).encode(), "version"),
        (json.dumps(agent_body(email="not an email")).encode(), "email"),
        (json.dumps(agent_body(capabilities=["NOPE"])).encode(), "capabilities[0]"),
        (json.dumps(agent_body(scopes=["root:all"])).encode(), "scopes"),
        (json.dumps(agent_body(scopes="agents:read")).encode(), "scopes"),
        (json.dumps({"email": "x@y.example"}).encode(), "agentType"),
        (json.dumps(agent_body(owner="")).encode(), "owner"),
        (json.dumps(agent_body(metadata=nested(40))).encode(), "metadata"),
        (b'{"a":' * 3000 + b"1" + b"}" * 3000, "body"),
    ],
)
async def test_bad_registration_bodies_are_400(
    client: AsyncTestClient[Any], org_a: Tenant, content: bytes, field: str
) -> None:
    """Malformed JSON, wrong types, unknown enums and invalid values are 400 VALIDATION_ERROR."""
    response = await client.post(AGENTS, content=content, headers={**JSON, **org_a.headers})

    details = assert_error(response, 400, "VALIDATION_ERROR")
    assert details["field"] == field
    assert details["reason"]


@pytest.mark.parametrize(
    "body",
    [
        {"status": "revoked"},
        {"version": 1},
        {"capabilities": None},
        {"metadata": "x"},
        {"scopes": ["nope:nope"]},
    ],
)
async def test_bad_patch_bodies_are_400(
    client: AsyncTestClient[Any], org_a: Tenant, agent: Client, body: dict[str, Any]
) -> None:
    """PATCH with unknown status values or wrong types is 400 VALIDATION_ERROR."""
    response = await client.patch(f"{AGENTS}/{agent.agent_id}", json=body, headers=org_a.headers)

    assert_error(response, 400, "VALIDATION_ERROR")


async def test_huge_body_is_413(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """A body over the 64 KiB limit is 413 PAYLOAD_TOO_LARGE."""
    body = agent_body(metadata={"blob": "x" * 100_000})

    response = await client.post(AGENTS, json=body, headers=org_a.headers)

    assert_error(response, 413, "PAYLOAD_TOO_LARGE")


async def test_non_json_content_type_is_415(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """A body declared as anything but JSON is 415 UNSUPPORTED_MEDIA_TYPE."""
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        response = await client.post(
            AGENTS, content=json.dumps(agent_body()).encode(),
            headers={"content-type": content_type, **org_a.headers},
        )

        assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize(
    ("method", "path", "code"),
    [
        ("GET", f"{AGENTS}/{NOT_A_UUID}", "AGENT_NOT_FOUND"),
        ("PATCH", f"{AGENTS}/{NOT_A_UUID}", "AGENT_NOT_FOUND"),
        ("DELETE", f"{AGENTS}/{NOT_A_UUID}", "AGENT_NOT_FOUND"),
        ("POST", f"{AGENTS}/{NOT_A_UUID}/suspend", "AGENT_NOT_FOUND"),
        ("GET", f"{AGENTS}/{NOT_A_UUID}/credentials", "AGENT_NOT_FOUND"),
        ("POST", f"{AGENTS}/{NOT_A_UUID}/credentials", "AGENT_NOT_FOUND"),
        ("GET", f"{AGENTS}/6F1C7D2E-8A4B-4C3D-9E5F-0A1B2C3D4E5F", "AGENT_NOT_FOUND"),
        ("GET", f"/api/v1/audit/{NOT_A_UUID}", "AUDIT_EVENT_NOT_FOUND"),
        ("GET", "/api/v1/nothing-here", "NOT_FOUND"),
    ],
)
async def test_non_uuid_ids_are_404(
    client: AsyncTestClient[Any], org_a: Tenant, method: str, path: str, code: str
) -> None:
    """Ids that are not canonical UUIDs (and unknown routes) are 404 with a specific code."""
    body = {"owner": "x"} if method == "PATCH" else None

    response = await client.request(method, path, json=body, headers=org_a.headers)

    assert_error(response, 404, code)


async def test_non_uuid_credential_id_is_404(
    client: AsyncTestClient[Any], org_a: Tenant, agent: Client
) -> None:
    """A malformed credential id is 404 CREDENTIAL_NOT_FOUND."""
    base = f"{AGENTS}/{agent.agent_id}/credentials/{NOT_A_UUID}"

    for method, url in (("DELETE", base), ("POST", f"{base}/rotate")):
        response = await client.request(method, url, headers=org_a.headers)

        assert_error(response, 404, "CREDENTIAL_NOT_FOUND")


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        (AGENTS, {"status": "bogus"}, "status"),
        (AGENTS, {"agentType": "wizard"}, "agentType"),
        (AGENTS, {"page": "0"}, "page"),
        (AGENTS, {"page": "abc"}, "page"),
        (AGENTS, {"page": "100000000000000000000"}, "page"),
        (AGENTS, {"limit": "1000"}, "limit"),
        (AGENTS, {"limit": "-1"}, "limit"),
        ("/api/v1/audit", {"action": "agent.exploded"}, "action"),
        ("/api/v1/audit", {"outcome": "maybe"}, "outcome"),
        ("/api/v1/audit", {"fromDate": "2026-13-45"}, "fromDate"),
        ("/api/v1/audit", {"toDate": "0001-01-01T00:00:00+14:00"}, "toDate"),
        ("/api/v1/audit", {"fromDate": "9999-12-31T23:59:59-14:00"}, "fromDate"),
        ("/api/v1/audit/verify", {"toDate": "soon"}, "toDate"),
    ],
)
async def test_bad_query_parameters_are_400(
    client: AsyncTestClient[Any], org_a: Tenant, path: str, params: dict[str, str], field: str
) -> None:
    """Unknown enum values, out-of-range pages and bad dates are 400 naming the parameter."""
    response = await client.get(path, params=params, headers=org_a.headers)

    details = assert_error(response, 400, "VALIDATION_ERROR")
    assert details["field"] == field


async def test_bad_credential_status_filter_is_400(
    client: AsyncTestClient[Any], org_a: Tenant, agent: Client
) -> None:
    """?status=expired on credentials is 400 VALIDATION_ERROR."""
    response = await client.get(
        f"{AGENTS}/{agent.agent_id}/credentials", params={"status": "expired"},
        headers=org_a.headers,
    )

    assert_error(response, 400, "VALIDATION_ERROR")


@pytest.mark.parametrize(
    "expires_at", ["tomorrow", "0001-01-01T00:00:00+14:00", 12, "2999-01-01"]
)
async def test_bad_expiry_dates_are_400(
    client: AsyncTestClient[Any], org_a: Tenant, agent: Client, expires_at: Any
) -> None:
    """Credential expiries that are not aware ISO 8601 date-times are 400."""
    response = await client.post(
        f"{AGENTS}/{agent.agent_id}/credentials", json={"expiresAt": expires_at},
        headers=org_a.headers,
    )

    assert_error(response, 400, "VALIDATION_ERROR")


async def test_method_not_allowed_is_405(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """An unsupported method on a known route is 405 METHOD_NOT_ALLOWED with Allow."""
    response = await client.put(AGENTS, json={}, headers=org_a.headers)

    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert "POST" in response.headers["allow"]


async def test_malformed_authorization_headers_are_401(client: AsyncTestClient[Any]) -> None:
    """Odd Authorization headers are 401 UNAUTHORIZED, never a 500."""
    for value in ("Bearer", "Bearer ", "Basic abc", "Bearer a.b.c", "Bearer " + "x" * 5000):
        response = await client.get(AGENTS, headers={"Authorization": value})

        assert_error(response, 401, "UNAUTHORIZED")
