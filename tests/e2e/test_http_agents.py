"""The agent registry over HTTP: /api/v1/agents."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from .support import Tenant, agent_body, assert_error, new_client

AGENTS = "/api/v1/agents"
AGENT_FIELDS = {
    "agentId", "organizationId", "email", "agentType", "version", "capabilities", "owner",
    "deploymentEnv", "status", "scopes", "metadata", "createdAt", "updatedAt",
}


async def register(client: AsyncTestClient[Any], tenant: Tenant, **fields: Any) -> dict[str, Any]:
    """Register an agent in ``tenant`` and return its JSON (asserting 201)."""
    response = await client.post(AGENTS, json=agent_body(**fields), headers=tenant.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_register_returns_the_agent_in_the_callers_organization(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """POST /agents answers 201 with every documented field, active, in the token's org."""
    body = agent_body(scopes=["agents:read", "audit:read"], metadata={"team": "ml"})

    response = await client.post(AGENTS, json=body, headers=org_a.headers)

    assert response.status_code == 201
    agent = response.json()
    assert set(agent) == AGENT_FIELDS
    assert agent["organizationId"] == org_a.organization_id
    assert agent["status"] == "active"
    assert agent["scopes"] == ["agents:read", "audit:read"]
    assert agent["metadata"] == {"team": "ml"}
    assert agent["email"] == body["email"]


async def test_register_without_scopes_gets_the_default(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """An agent registered without scopes may only read agents."""
    agent = await register(client, org_a)

    assert agent["scopes"] == ["agents:read"]


async def test_duplicate_email_is_409(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """Emails are unique across the deployment: a second registration is 409."""
    first = await register(client, org_a)

    response = await client.post(
        AGENTS, json=agent_body(email=first["email"]), headers=org_a.headers
    )

    assert_error(response, 409, "AGENT_ALREADY_EXISTS")


async def test_granting_scopes_the_caller_lacks_is_403(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """A caller cannot hand a new agent a scope it does not hold itself."""
    writer = await new_client(client, org_a, scopes=["agents:read", "agents:write"])

    response = await client.post(
        AGENTS, json=agent_body(scopes=["admin:orgs"]), headers=writer.headers
    )

    assert_error(response, 403, "INSUFFICIENT_SCOPE")


async def test_register_without_write_scope_is_insufficient_scope(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """A read-only token cannot register agents (403 with an insufficient_scope challenge)."""
    reader = await new_client(client, org_a, scopes=["agents:read"])

    response = await client.post(AGENTS, json=agent_body(), headers=reader.headers)

    details = assert_error(response, 403, "INSUFFICIENT_SCOPE")
    assert details == {"required": "agents:write"}
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]


async def test_list_paginates_newest_first(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """GET /agents pages through the organization's agents with {data,total,page,limit}."""
    for _ in range(3):
        await register(client, org_a)

    first = await client.get(AGENTS, params={"page": 1, "limit": 2}, headers=org_a.headers)
    second = await client.get(AGENTS, params={"page": 2, "limit": 2}, headers=org_a.headers)

    assert first.status_code == 200
    page_one, page_two = first.json(), second.json()
    assert page_one["total"] == 4  # the administrator and three agents
    assert (page_one["page"], page_one["limit"], len(page_one["data"])) == (1, 2, 2)
    assert len(page_two["data"]) == 2
    ids = [a["agentId"] for a in page_one["data"] + page_two["data"]]
    assert len(set(ids)) == 4
    created = [a["createdAt"] for a in page_one["data"] + page_two["data"]]
    assert created == sorted(created, reverse=True)


async def test_list_filters_by_owner_type_and_status(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """owner, agentType and status narrow the listing."""
    kept = await register(client, org_a, owner="team-x", agentType="router")
    await register(client, org_a, owner="team-y", agentType="router")
    suspended = await register(client, org_a, owner="team-x", agentType="monitor")
    await client.post(f"{AGENTS}/{suspended['agentId']}/suspend", headers=org_a.headers)

    by_owner = await client.get(AGENTS, params={"owner": "team-x"}, headers=org_a.headers)
    by_type = await client.get(
        AGENTS, params={"owner": "team-x", "agentType": "router"}, headers=org_a.headers
    )
    by_status = await client.get(AGENTS, params={"status": "suspended"}, headers=org_a.headers)

    assert by_owner.json()["total"] == 2
    assert [a["agentId"] for a in by_type.json()["data"]] == [kept["agentId"]]
    assert [a["agentId"] for a in by_status.json()["data"]] == [suspended["agentId"]]


async def test_get_returns_one_agent(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """GET /agents/{id} returns the registered agent."""
    agent = await register(client, org_a)

    response = await client.get(f"{AGENTS}/{agent['agentId']}", headers=org_a.headers)

    assert response.status_code == 200
    assert response.json() == agent


async def test_unknown_agent_is_404(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """An id nobody has is 404 AGENT_NOT_FOUND."""
    response = await client.get(
        f"{AGENTS}/6f1c7d2e-8a4b-4c3d-9e5f-0a1b2c3d4e5f", headers=org_a.headers
    )

    assert_error(response, 404, "AGENT_NOT_FOUND")


async def test_patch_changes_mutable_fields(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """PATCH applies only the fields present and bumps updatedAt."""
    agent = await register(client, org_a)

    response = await client.patch(
        f"{AGENTS}/{agent['agentId']}",
        json={"version": "2.0.0", "owner": "team-z", "metadata": {"tier": "gold"}},
        headers=org_a.headers,
    )

    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["version"], updated["owner"], updated["metadata"]) == (
        "2.0.0", "team-z", {"tier": "gold"}
    )
    assert updated["agentType"] == agent["agentType"]
    assert updated["updatedAt"] >= agent["updatedAt"]


async def test_patch_status_runs_the_lifecycle(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """PATCH {status: suspended} then {status: active} suspends and reactivates."""
    agent = await register(client, org_a)
    url = f"{AGENTS}/{agent['agentId']}"

    suspended = await client.patch(url, json={"status": "suspended"}, headers=org_a.headers)
    active = await client.patch(url, json={"status": "active"}, headers=org_a.headers)

    assert suspended.json()["status"] == "suspended"
    assert active.json()["status"] == "active"


async def test_patch_of_immutable_fields_is_400(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """agentId, email, createdAt and organizationId cannot be changed (400 VALIDATION_ERROR)."""
    agent = await register(client, org_a)
    url = f"{AGENTS}/{agent['agentId']}"

    for field, value in (
        ("agentId", "7b1c7d2e-8a4b-4c3d-9e5f-0a1b2c3d4e5f"),
        ("email", "other@agents.example"),
        ("createdAt", "2020-01-01T00:00:00Z"),
        ("organizationId", "7b1c7d2e-8a4b-4c3d-9e5f-0a1b2c3d4e5f"),
    ):
        response = await client.patch(url, json={field: value}, headers=org_a.headers)

        details = assert_error(response, 400, "VALIDATION_ERROR")
        assert details["field"] == field
    unchanged = await client.get(url, headers=org_a.headers)
    assert unchanged.json() == agent


async def test_patch_of_unknown_fields_is_400(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """A misspelt field is refused rather than silently ignored."""
    agent = await register(client, org_a)

    response = await client.patch(
        f"{AGENTS}/{agent['agentId']}", json={"agent_type": "router"}, headers=org_a.headers
    )

    assert_error(response, 400, "VALIDATION_ERROR")


async def test_delete_decommissions_and_keeps_the_record(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """DELETE answers 204; the agent stays visible as decommissioned; a second DELETE is 409."""
    agent = await register(client, org_a)
    url = f"{AGENTS}/{agent['agentId']}"

    deleted = await client.delete(url, headers=org_a.headers)
    after = await client.get(url, headers=org_a.headers)
    again = await client.delete(url, headers=org_a.headers)

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert after.json()["status"] == "decommissioned"
    assert_error(again, 409, "AGENT_ALREADY_DECOMMISSIONED")


async def test_patch_of_a_decommissioned_agent_is_403(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """A decommissioned agent accepts no change (403 AGENT_DECOMMISSIONED)."""
    agent = await register(client, org_a)
    url = f"{AGENTS}/{agent['agentId']}"
    await client.delete(url, headers=org_a.headers)

    response = await client.patch(url, json={"owner": "x"}, headers=org_a.headers)

    assert_error(response, 403, "AGENT_DECOMMISSIONED")


async def test_suspend_and_reactivate_endpoints(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """POST …/suspend and …/reactivate move the agent between active and suspended."""
    agent = await register(client, org_a)
    url = f"{AGENTS}/{agent['agentId']}"

    suspended = await client.post(f"{url}/suspend", headers=org_a.headers)
    twice = await client.post(f"{url}/suspend", headers=org_a.headers)
    reactivated = await client.post(f"{url}/reactivate", headers=org_a.headers)

    assert suspended.json()["status"] == "suspended"
    assert_error(twice, 409, "INVALID_STATUS_TRANSITION")
    assert reactivated.json()["status"] == "active"


async def test_suspending_an_agent_ends_its_tokens(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """A suspended agent's outstanding token stops working at once."""
    agent = await new_client(client, org_a)

    await client.post(f"{AGENTS}/{agent.agent_id}/suspend", headers=org_a.headers)
    response = await client.get(AGENTS, headers=agent.headers)

    assert_error(response, 401, "UNAUTHORIZED")
