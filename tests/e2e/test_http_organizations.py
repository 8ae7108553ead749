"""Organizations over HTTP: /api/v1/organizations (organizations.yaml of the seed).

Cast: ``platform`` is a platform administrator (bootstrapped with ``--platform-admin``);
``org_a`` and ``org_b`` are ordinary tenants whose bootstrapped administrators are tenant
administrators (``admin:orgs`` + role ``admin``) of their own organization only.

Refusals of another organization may come from the policy layer (403
``AUTHORIZATION_ERROR``) or from the use cases (404 ``ORG_NOT_FOUND``): both leak nothing,
and the tests accept either, then check that nothing changed.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from httpx import Response
from litestar.testing import AsyncTestClient

from agentidp.entrypoints.container import Container

from .support import (
    Tenant,
    agent_body,
    assert_error,
    assert_oauth_error,
    new_client,
    platform_admin,
    request_token,
    token_for,
    unique_email,
)

ORGS = "/api/v1/organizations"
ORG_FIELDS = {
    "organizationId",
    "name",
    "slug",
    "planTier",
    "maxAgents",
    "maxTokensPerMonth",
    "status",
    "createdAt",
    "updatedAt",
}
MEMBER_FIELDS = {"memberId", "organizationId", "agentId", "role", "joinedAt"}


@pytest.fixture
async def platform(client: AsyncTestClient[Any], container: Container) -> Tenant:
    """A platform administrator in its own organization."""
    return await platform_admin(client, container, "platform")


def new_slug() -> str:
    return f"org-{uuid.uuid4().hex[:10]}"


async def create(client: AsyncTestClient[Any], admin: Tenant, **fields: Any) -> dict[str, Any]:
    """Create an organization (asserting 201) and return its JSON."""
    body = {"name": "Acme Corp", "slug": new_slug(), **fields}
    response = await client.post(ORGS, json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def assert_hidden(response: Response) -> None:
    """Another organization: refused without saying whether it exists."""
    assert (response.status_code, response.json()["code"]) in {
        (404, "ORG_NOT_FOUND"),
        (403, "AUTHORIZATION_ERROR"),
    }, response.text


# --- create -------------------------------------------------------------------------------


async def test_platform_admin_creates_an_organization_with_tier_and_overrides(
    client: AsyncTestClient[Any], platform: Tenant
) -> None:
    """201 with every documented field; tier and overrides as sent; active."""
    slug = new_slug()

    response = await client.post(
        ORGS,
        json={
            "name": "Acme",
            "slug": slug,
            "planTier": "pro",
            "maxAgents": 500,
            "maxTokensPerMonth": 50000,
        },
        headers=platform.headers,
    )

    assert response.status_code == 201, response.text
    organization = response.json()
    assert set(organization) == ORG_FIELDS
    assert (organization["slug"], organization["planTier"], organization["status"]) == (
        slug,
        "pro",
        "active",
    )
    assert (organization["maxAgents"], organization["maxTokensPerMonth"]) == (500, 50000)
    assert organization["createdAt"] == organization["updatedAt"]
    fetched = await client.get(f"{ORGS}/{organization['organizationId']}", headers=platform.headers)
    assert fetched.json() == organization


async def test_defaults_are_free_tier_without_overrides(
    client: AsyncTestClient[Any], platform: Tenant
) -> None:
    """planTier defaults to free; no override is null (the tier's limits apply)."""
    organization = await create(client, platform)

    assert (organization["planTier"], organization["maxAgents"]) == ("free", None)


async def test_a_taken_slug_is_409_with_the_slug(
    client: AsyncTestClient[Any], platform: Tenant
) -> None:
    """Slugs are unique across the deployment."""
    taken = (await create(client, platform))["slug"]

    response = await client.post(ORGS, json={"name": "X", "slug": taken}, headers=platform.headers)

    assert assert_error(response, 409, "ORG_SLUG_CONFLICT") == {"slug": taken}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "slug": "Bad Slug"}, "slug"),
        ({"name": "X", "slug": "-edge"}, "slug"),
        ({"name": "   ", "slug": "fine"}, "name"),
        ({"name": "X", "slug": "fine", "maxAgents": 0}, "maxAgents"),
        ({"name": "X", "slug": "fine", "maxTokensPerMonth": -5}, "maxTokensPerMonth"),
        ({"name": "X", "slug": "fine", "planTier": "gold"}, "planTier"),
        ({"name": "X"}, "slug"),
        ({"name": "X", "slug": "fine", "organizationId": "x"}, "organizationId"),
    ],
)
async def test_invalid_creations_are_400_naming_the_field(
    client: AsyncTestClient[Any], platform: Tenant, body: dict[str, Any], field: str
) -> None:
    """Every rule break is VALIDATION_ERROR with details.field; nothing is created."""
    before = (await client.get(ORGS, headers=platform.headers)).json()["total"]

    details = assert_error(
        await client.post(ORGS, json=body, headers=platform.headers), 400, "VALIDATION_ERROR"
    )

    assert details["field"] == field
    assert (await client.get(ORGS, headers=platform.headers)).json()["total"] == before


async def test_the_slug_message_is_the_specs(
    client: AsyncTestClient[Any], platform: Tenant
) -> None:
    """The documented reason for a bad slug."""
    response = await client.post(
        ORGS, json={"name": "X", "slug": "UPPER"}, headers=platform.headers
    )

    details = assert_error(response, 400, "VALIDATION_ERROR")
    assert details["reason"] == "slug must contain only lowercase letters, digits, and hyphens."


async def test_a_tenant_admin_cannot_create_organizations(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """Creating tenants is the platform administrator's: 403, and nothing is created."""
    slug = new_slug()

    response = await client.post(ORGS, json={"name": "X", "slug": slug}, headers=org_a.headers)

    assert response.status_code == 403, response.text
    listed = (await client.get(ORGS, headers=org_a.headers)).json()
    assert [o["organizationId"] for o in listed["data"]] == [org_a.organization_id]


# --- list and get ---------------------------------------------------------------------------


async def test_platform_admin_lists_every_organization_newest_first_in_pages(
    client: AsyncTestClient[Any], platform: Tenant, org_a: Tenant, org_b: Tenant
) -> None:
    """``{data,total,page,limit}``, createdAt descending; pages partition the listing."""
    for _ in range(3):
        await create(client, platform)

    everything = (await client.get(f"{ORGS}?limit=100", headers=platform.headers)).json()
    pages = [
        (await client.get(f"{ORGS}?page={n}&limit=2", headers=platform.headers)).json()
        for n in (1, 2, 3, 4)
    ]

    assert everything["total"] == 6  # platform, org-a, org-b and three new ones
    ids = [o["organizationId"] for o in everything["data"]]
    assert {org_a.organization_id, org_b.organization_id, platform.organization_id} <= set(ids)
    created = [o["createdAt"] for o in everything["data"]]
    assert created == sorted(created, reverse=True)
    assert [o["organizationId"] for p in pages for o in p["data"]] == ids
    assert [(p["page"], p["limit"], p["total"]) for p in pages] == [(n, 2, 6) for n in (1, 2, 3, 4)]


async def test_listing_filters_by_status(client: AsyncTestClient[Any], platform: Tenant) -> None:
    """status=suspended lists only suspended organizations."""
    suspended = await create(client, platform)
    await client.patch(
        f"{ORGS}/{suspended['organizationId']}",
        json={"status": "suspended"},
        headers=platform.headers,
    )

    listed = (await client.get(f"{ORGS}?status=suspended", headers=platform.headers)).json()

    assert [o["organizationId"] for o in listed["data"]] == [suspended["organizationId"]]
    assert listed["total"] == 1


@pytest.mark.parametrize("query", ["page=0", "limit=0", "limit=101", "status=gone"])
async def test_bad_listing_parameters_are_400(
    client: AsyncTestClient[Any], platform: Tenant, query: str
) -> None:
    """page >= 1, limit 1-100, a known status."""
    assert_error(
        await client.get(f"{ORGS}?{query}", headers=platform.headers), 400, "VALIDATION_ERROR"
    )


async def test_a_tenant_admin_lists_and_reads_only_its_own_organization(
    client: AsyncTestClient[Any], org_a: Tenant, org_b: Tenant
) -> None:
    """Listing shows one organization; another one is hidden."""
    listed = (await client.get(ORGS, headers=org_a.headers)).json()
    own = await client.get(f"{ORGS}/{org_a.organization_id}", headers=org_a.headers)
    other = await client.get(f"{ORGS}/{org_b.organization_id}", headers=org_a.headers)

    assert [o["organizationId"] for o in listed["data"]] == [org_a.organization_id]
    assert listed["total"] == 1
    assert own.status_code == 200
    assert own.json()["slug"] == "org-a"
    assert_hidden(other)


@pytest.mark.parametrize("org_id", ["9b2f9a7e-6a2b-4c1e-9a51-2f1d3c4b5a69", "not-a-uuid"])
async def test_an_unknown_organization_is_404(
    client: AsyncTestClient[Any], platform: Tenant, org_id: str
) -> None:
    """Unknown (or malformed) ids are ORG_NOT_FOUND."""
    assert_error(
        await client.get(f"{ORGS}/{org_id}", headers=platform.headers), 404, "ORG_NOT_FOUND"
    )


async def test_organization_routes_need_admin_orgs(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """An agent without admin:orgs is refused with INSUFFICIENT_SCOPE."""
    reader = await new_client(client, org_a, scopes=["agents:read"])

    response = await client.get(f"{ORGS}/{org_a.organization_id}", headers=reader.headers)

    assert_error(response, 403, "INSUFFICIENT_SCOPE")


# --- update ---------------------------------------------------------------------------------


async def test_platform_admin_changes_tier_limits_and_status(
    client: AsyncTestClient[Any], platform: Tenant, org_a: Tenant
) -> None:
    """Only the fields sent change; updatedAt moves; slug stays."""
    before = (await client.get(f"{ORGS}/{org_a.organization_id}", headers=platform.headers)).json()

    response = await client.patch(
        f"{ORGS}/{org_a.organization_id}",
        json={"planTier": "enterprise", "maxAgents": 1000, "maxTokensPerMonth": 123456},
        headers=platform.headers,
    )

    assert response.status_code == 200, response.text
    after = response.json()
    assert (after["planTier"], after["maxAgents"], after["maxTokensPerMonth"]) == (
        "enterprise",
        1000,
        123456,
    )
    assert (after["name"], after["slug"], after["status"]) == (
        before["name"],
        before["slug"],
        "active",
    )
    assert after["updatedAt"] >= before["updatedAt"]


async def test_a_tenant_admin_renames_its_organization_but_nothing_else(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """name: 200; planTier, limits or status: 403 (and nothing changes)."""
    url = f"{ORGS}/{org_a.organization_id}"

    renamed = await client.patch(url, json={"name": "  Renamed  "}, headers=org_a.headers)
    refused = [
        await client.patch(url, json=body, headers=org_a.headers)
        for body in (
            {"planTier": "enterprise"},
            {"maxAgents": 5},
            {"status": "suspended"},
            {"name": "Sneaky", "maxTokensPerMonth": 9},
        )
    ]

    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Renamed"
    assert {response.status_code for response in refused} == {403}
    current = (await client.get(url, headers=org_a.headers)).json()
    assert (current["name"], current["planTier"], current["status"]) == (
        "Renamed",
        "free",
        "active",
    )


async def test_a_tenant_admin_cannot_update_another_organization(
    client: AsyncTestClient[Any], org_a: Tenant, org_b: Tenant, platform: Tenant
) -> None:
    """Hidden, and unchanged."""
    url = f"{ORGS}/{org_b.organization_id}"

    assert_hidden(await client.patch(url, json={"name": "Mine now"}, headers=org_a.headers))

    assert (await client.get(url, headers=platform.headers)).json()["name"] == "ORG-B"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"slug": "new-slug"}, "slug"),
        ({"organizationId": str(uuid.uuid4())}, "organizationId"),
        ({"status": "deleted"}, "status"),
        ({"maxAgents": 0}, "maxAgents"),
        ({"name": ""}, "name"),
        ({}, "body"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_invalid_updates_are_400(
    client: AsyncTestClient[Any], platform: Tenant, org_a: Tenant, body: dict[str, Any], field: str
) -> None:
    """Immutable fields, status deleted, limits below 1, empty names, empty or unknown
    bodies: VALIDATION_ERROR naming the field."""
    details = assert_error(
        await client.patch(f"{ORGS}/{org_a.organization_id}", json=body, headers=platform.headers),
        400,
        "VALIDATION_ERROR",
    )

    assert details["field"] == field


async def test_suspending_an_organization_stops_its_agents_until_reactivated(
    client: AsyncTestClient[Any], platform: Tenant, org_a: Tenant
) -> None:
    """A suspended organization's tokens stop working and no new ones are issued;
    reactivation restores both."""
    url = f"{ORGS}/{org_a.organization_id}"

    suspended = await client.patch(url, json={"status": "suspended"}, headers=platform.headers)
    refused_call = await client.get(url, headers=org_a.headers)
    refused_grant = await request_token(client, org_a.client_id, org_a.client_secret)
    await client.patch(url, json={"status": "active"}, headers=platform.headers)
    fresh = await token_for(client, org_a.client_id, org_a.client_secret)

    assert suspended.json()["status"] == "suspended"
    assert_error(refused_call, 401, "UNAUTHORIZED")
    assert_oauth_error(refused_grant, 400, "unauthorized_client")
    assert (await client.get(url, headers={"Authorization": f"Bearer {fresh}"})).status_code == 200


# --- delete ---------------------------------------------------------------------------------


async def test_soft_delete_suspends_every_agent_and_ends_their_tokens(
    client: AsyncTestClient[Any], platform: Tenant, org_a: Tenant, org_b: Tenant
) -> None:
    """204; the organization reads back deleted; all its agents are suspended; their tokens
    and grants are refused; other organizations are untouched."""
    worker = await new_client(client, org_a, scopes=["agents:read"])
    url = f"{ORGS}/{org_a.organization_id}"

    response = await client.delete(url, headers=platform.headers)

    assert response.status_code == 204
    assert response.content == b""
    assert (await client.get(url, headers=platform.headers)).json()["status"] == "deleted"
    for caller in (org_a, worker):
        assert_error(
            await client.get("/api/v1/agents", headers=caller.headers), 401, "UNAUTHORIZED"
        )
    assert_oauth_error(
        await request_token(client, worker.agent_id, worker.secret), 400, "unauthorized_client"
    )
    assert (await client.get("/api/v1/agents", headers=org_b.headers)).status_code == 200


async def test_deleted_agents_are_suspended_in_the_store(
    client: AsyncTestClient[Any], container: Container, platform: Tenant, org_a: Tenant
) -> None:
    """Every agent of the deleted organization has status suspended."""
    worker = await new_client(client, org_a, scopes=["agents:read"])

    await client.delete(f"{ORGS}/{org_a.organization_id}", headers=platform.headers)

    async with container.store().unit_of_work() as uow:
        statuses = {
            (await uow.agents.get(a)).status.value  # type: ignore[union-attr]
            for a in (org_a.client_id, worker.agent_id)
        }
    assert statuses == {"suspended"}


async def test_deleting_twice_and_patching_a_deleted_organization_are_409(
    client: AsyncTestClient[Any], platform: Tenant
) -> None:
    """Deletion is one-way: ORG_ALREADY_DELETED for a second delete and for any PATCH."""
    url = f"{ORGS}/{(await create(client, platform))['organizationId']}"
    await client.delete(url, headers=platform.headers)

    assert_error(await client.delete(url, headers=platform.headers), 409, "ORG_ALREADY_DELETED")
    assert_error(
        await client.patch(url, json={"status": "active"}, headers=platform.headers),
        409,
        "ORG_ALREADY_DELETED",
    )
    assert (await client.get(url, headers=platform.headers)).json()["status"] == "deleted"


async def test_a_tenant_admin_cannot_delete_organizations(
    client: AsyncTestClient[Any], org_a: Tenant, org_b: Tenant, platform: Tenant
) -> None:
    """Its own: 403; another: hidden. Both stay active."""
    own = await client.delete(f"{ORGS}/{org_a.organization_id}", headers=org_a.headers)
    other = await client.delete(f"{ORGS}/{org_b.organization_id}", headers=org_a.headers)

    assert own.status_code == 403
    assert_hidden(other)
    for tenant in (org_a, org_b):
        fetched = await client.get(f"{ORGS}/{tenant.organization_id}", headers=platform.headers)
        assert fetched.json()["status"] == "active"


# --- members --------------------------------------------------------------------------------


async def test_a_tenant_admin_adds_lists_and_removes_members(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """201 with the documented fields; the listing shows it; 204 on removal; audited."""
    worker = await new_client(client, org_a, scopes=["agents:read"])
    members = f"{ORGS}/{org_a.organization_id}/members"

    added = await client.post(
        members, json={"agentId": worker.agent_id, "role": "member"}, headers=org_a.headers
    )
    listed = (await client.get(members, headers=org_a.headers)).json()
    removed = await client.delete(f"{members}/{worker.agent_id}", headers=org_a.headers)
    after = (await client.get(members, headers=org_a.headers)).json()

    assert added.status_code == 201, added.text
    member = added.json()
    assert set(member) == MEMBER_FIELDS
    assert (member["organizationId"], member["agentId"], member["role"]) == (
        org_a.organization_id,
        worker.agent_id,
        "member",
    )
    # The bootstrapped administrator is the first member.
    assert [(m["agentId"], m["role"]) for m in listed["data"]] == [
        (org_a.client_id, "admin"),
        (worker.agent_id, "member"),
    ]
    assert (listed["total"], listed["page"], listed["limit"]) == (2, 1, 20)
    assert removed.status_code == 204
    assert [m["agentId"] for m in after["data"]] == [org_a.client_id]
    audit = (await client.get("/api/v1/audit", headers=org_a.headers)).json()["data"]
    actions = [e["action"] for e in audit]
    assert "organization.member_added" in actions
    assert "organization.member_removed" in actions


async def test_member_errors(client: AsyncTestClient[Any], org_a: Tenant, org_b: Tenant) -> None:
    """Bad role 400 (spec message), another organization's agent 404 AGENT_NOT_FOUND, a
    second membership 409 ALREADY_MEMBER, removing a non-member 404 MEMBER_NOT_FOUND."""
    worker = await new_client(client, org_a, scopes=["agents:read"])
    members = f"{ORGS}/{org_a.organization_id}/members"

    bad_role = await client.post(
        members, json={"agentId": worker.agent_id, "role": "owner"}, headers=org_a.headers
    )
    foreign = await client.post(
        members, json={"agentId": org_b.client_id, "role": "member"}, headers=org_a.headers
    )
    twice = await client.post(
        members, json={"agentId": org_a.client_id, "role": "member"}, headers=org_a.headers
    )
    not_member = await client.delete(f"{members}/{worker.agent_id}", headers=org_a.headers)

    details = assert_error(bad_role, 400, "VALIDATION_ERROR")
    assert (details["field"], details["reason"]) == ("role", "role must be one of: member, admin.")
    assert_error(foreign, 404, "AGENT_NOT_FOUND")
    assert_error(twice, 409, "ALREADY_MEMBER")
    assert_error(not_member, 404, "MEMBER_NOT_FOUND")


async def test_members_of_another_organization_are_hidden(
    client: AsyncTestClient[Any], org_a: Tenant, org_b: Tenant, platform: Tenant
) -> None:
    """A tenant administrator cannot list, add or remove another organization's members."""
    members = f"{ORGS}/{org_b.organization_id}/members"

    assert_hidden(await client.get(members, headers=org_a.headers))
    assert_hidden(
        await client.post(
            members, json={"agentId": org_a.client_id, "role": "admin"}, headers=org_a.headers
        )
    )
    assert_hidden(await client.delete(f"{members}/{org_b.client_id}", headers=org_a.headers))

    listed = (await client.get(members, headers=platform.headers)).json()
    assert [m["agentId"] for m in listed["data"]] == [org_b.client_id]


async def test_the_admin_role_is_what_makes_a_tenant_admin(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """admin:orgs alone shows nothing; made an admin member, the same token (roles are read
    on every request) reads its organization; removed, it is refused again."""
    deputy = await new_client(client, org_a, scopes=["admin:orgs"])
    url = f"{ORGS}/{org_a.organization_id}"

    before = await client.get(url, headers=deputy.headers)
    await client.post(
        f"{url}/members", json={"agentId": deputy.agent_id, "role": "admin"}, headers=org_a.headers
    )
    during = await client.get(url, headers=deputy.headers)
    await client.delete(f"{url}/members/{deputy.agent_id}", headers=org_a.headers)
    after = await client.get(url, headers=deputy.headers)

    assert before.status_code in {403, 404}
    assert during.status_code == 200, during.text
    assert after.status_code in {403, 404}


# --- an organization's first administrator --------------------------------------------------


async def test_platform_admin_creates_the_first_administrator_of_a_new_organization(
    client: AsyncTestClient[Any], platform: Tenant
) -> None:
    """201 with the agent, its client id and its secret (once); the agent is an admin member
    holding every scope but admin:platform, gets tokens and administers its organization."""
    organization = await create(client, platform)
    url = f"{ORGS}/{organization['organizationId']}"
    email = unique_email("first-admin")

    response = await client.post(f"{url}/agents", json={"email": email}, headers=platform.headers)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["agent"]["email"] == email
    assert body["agent"]["organizationId"] == organization["organizationId"]
    assert body["clientId"] == body["agent"]["agentId"]
    assert body["clientSecret"].startswith("sk_live_")
    assert "admin:platform" not in body["agent"]["scopes"]
    assert "admin:orgs" in body["agent"]["scopes"]
    token = await token_for(client, body["clientId"], body["clientSecret"])
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get(url, headers=headers)).json()["slug"] == organization["slug"]
    members = (await client.get(f"{url}/members", headers=headers)).json()["data"]
    assert [(m["agentId"], m["role"]) for m in members] == [(body["clientId"], "admin")]
    listed = (
        await client.get(f"/api/v1/agents/{body['clientId']}/credentials", headers=headers)
    ).json()
    assert all("clientSecret" not in credential for credential in listed)


async def test_only_platform_admins_create_organization_administrators(
    client: AsyncTestClient[Any], org_a: Tenant, org_b: Tenant
) -> None:
    """A tenant administrator: 403 on its own organization, hidden for another; no agent is
    created."""
    body = {"email": unique_email("sneaky")}

    own = await client.post(
        f"{ORGS}/{org_a.organization_id}/agents", json=body, headers=org_a.headers
    )
    other = await client.post(
        f"{ORGS}/{org_b.organization_id}/agents", json=body, headers=org_a.headers
    )

    assert own.status_code == 403
    assert_hidden(other)
    agents = (await client.get("/api/v1/agents", headers=org_a.headers)).json()
    assert body["email"] not in {a["email"] for a in agents["data"]}


async def test_no_administrator_for_a_deleted_or_unknown_organization(
    client: AsyncTestClient[Any], platform: Tenant
) -> None:
    """409 ORG_ALREADY_DELETED; 404 ORG_NOT_FOUND."""
    url = f"{ORGS}/{(await create(client, platform))['organizationId']}"
    await client.delete(url, headers=platform.headers)

    assert_error(
        await client.post(
            f"{url}/agents", json={"email": unique_email()}, headers=platform.headers
        ),
        409,
        "ORG_ALREADY_DELETED",
    )
    assert_error(
        await client.post(
            f"{ORGS}/{uuid.uuid4()}/agents",
            json={"email": unique_email()},
            headers=platform.headers,
        ),
        404,
        "ORG_NOT_FOUND",
    )


# --- operator-only scopes -------------------------------------------------------------------


async def test_no_api_caller_can_grant_admin_platform(
    client: AsyncTestClient[Any], platform: Tenant
) -> None:
    """Not even a platform administrator (who holds it) can register or update an agent with
    admin:platform: 403 INSUFFICIENT_SCOPE, and nothing is granted."""
    registered = await client.post(
        "/api/v1/agents",
        json=agent_body(scopes=["agents:read", "admin:platform"]),
        headers=platform.headers,
    )
    plain = await client.post("/api/v1/agents", json=agent_body(), headers=platform.headers)
    agent_id = plain.json()["agentId"]
    updated = await client.patch(
        f"/api/v1/agents/{agent_id}", json={"scopes": ["admin:platform"]}, headers=platform.headers
    )

    assert_error(registered, 403, "INSUFFICIENT_SCOPE")
    assert_error(updated, 403, "INSUFFICIENT_SCOPE")
    stored = await client.get(f"/api/v1/agents/{agent_id}", headers=platform.headers)
    assert stored.json()["scopes"] == ["agents:read"]
