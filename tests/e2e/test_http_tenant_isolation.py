"""Field trial Test C.7 (organization isolation) against the HTTP API."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from agentidp.entrypoints.container import Container

from .conftest import PUBLIC_URL
from .support import Client, Tenant, agent_body, assert_error, bearer, new_client

AGENTS = "/api/v1/agents"


async def token_without_organization(container: Container, tenant: Tenant) -> str:
    """A token signed with our own key whose claims lack ``organization_id``."""
    now = int(time.time())
    claims = {
        "iss": PUBLIC_URL, "sub": tenant.client_id, "aud": PUBLIC_URL,
        "client_id": tenant.client_id, "scope": "agents:read agents:write audit:read",
        "jti": str(uuid.uuid4()), "iat": now, "exp": now + 600,
    }
    signer = container.signer()
    return str(signer.sign(claims))


class TestC7OrgIsolation:
    """Org A's token never reads, changes or creates anything in org B."""

    @pytest.fixture
    async def b_agent(self, client: AsyncTestClient[Any], org_b: Tenant) -> Client:
        """An active agent of org B with a credential and a token."""
        return await new_client(client, org_b, owner="b-owner")

    async def test_list_only_shows_the_callers_organization(
        self, client: AsyncTestClient[Any], org_a: Tenant, org_b: Tenant, b_agent: Client
    ) -> None:
        """?organizationId=B and ?owner=<B's owner> never widen A's listing (rule 1)."""
        plain = await client.get(AGENTS, headers=org_a.headers)
        by_org = await client.get(
            AGENTS, params={"organizationId": org_b.organization_id}, headers=org_a.headers
        )
        by_owner = await client.get(AGENTS, params={"owner": "b-owner"}, headers=org_a.headers)

        for response in (plain, by_org):
            orgs = {agent["organizationId"] for agent in response.json()["data"]}
            assert orgs == {org_a.organization_id}
        assert by_owner.json() == {"data": [], "total": 0, "page": 1, "limit": 20}

    @pytest.mark.parametrize(
        ("method", "suffix", "body"),
        [
            ("GET", "", None),
            ("PATCH", "", {"owner": "hijacked"}),
            ("PATCH", "", {"status": "suspended"}),
            ("DELETE", "", None),
            ("POST", "/suspend", None),
            ("POST", "/reactivate", None),
        ],
    )
    async def test_other_organizations_agent_is_403_and_unchanged(
        self,
        client: AsyncTestClient[Any],
        org_a: Tenant,
        org_b: Tenant,
        b_agent: Client,
        method: str,
        suffix: str,
        body: dict[str, Any] | None,
    ) -> None:
        """GET/PATCH/DELETE on B's agent from A is 403 AUTHORIZATION_ERROR, nothing changes."""
        url = f"{AGENTS}/{b_agent.agent_id}{suffix}"
        before = await client.get(f"{AGENTS}/{b_agent.agent_id}", headers=org_b.headers)

        response = await client.request(method, url, json=body, headers=org_a.headers)

        assert_error(response, 403, "AUTHORIZATION_ERROR")
        after = await client.get(f"{AGENTS}/{b_agent.agent_id}", headers=org_b.headers)
        assert after.json() == before.json()
        assert after.json()["status"] == "active"
        creds = await client.get(f"{AGENTS}/{b_agent.agent_id}/credentials",
                                 headers=org_b.headers)
        assert [c["status"] for c in creds.json()] == ["active"]
        still_works = await client.get(AGENTS, headers=b_agent.headers)
        assert still_works.status_code == 200

    async def test_register_ignores_the_body_organization(
        self, client: AsyncTestClient[Any], org_a: Tenant, org_b: Tenant
    ) -> None:
        """POST /agents with organizationId=B is 201 and lands in A (rule 3)."""
        body = agent_body(organizationId=org_b.organization_id)

        response = await client.post(AGENTS, json=body, headers=org_a.headers)

        assert response.status_code == 201
        assert response.json()["organizationId"] == org_a.organization_id
        b_list = await client.get(AGENTS, headers=org_b.headers)
        assert response.json()["agentId"] not in {a["agentId"] for a in b_list.json()["data"]}

    async def test_decommissioned_b_agent_patched_from_a_is_authorization_error(
        self, client: AsyncTestClient[Any], org_a: Tenant, org_b: Tenant, b_agent: Client
    ) -> None:
        """Ownership is checked before status: 403 AUTHORIZATION_ERROR, not AGENT_DECOMMISSIONED."""
        await client.delete(f"{AGENTS}/{b_agent.agent_id}", headers=org_b.headers)

        response = await client.patch(
            f"{AGENTS}/{b_agent.agent_id}", json={"owner": "x"}, headers=org_a.headers
        )

        assert_error(response, 403, "AUTHORIZATION_ERROR")

    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
            ("POST", "", "register"),
            ("GET", "", None),
            ("GET", "/{id}", None),
            ("PATCH", "/{id}", {"owner": "x"}),
            ("DELETE", "/{id}", None),
        ],
    )
    async def test_token_without_organization_is_403_on_all_agent_endpoints(
        self,
        client: AsyncTestClient[Any],
        container: Container,
        org_a: Tenant,
        method: str,
        path: str,
        body: Any,
    ) -> None:
        """A token of ours without organization_id is 403 on all 5 agent endpoints."""
        token = await token_without_organization(container, org_a)
        url = AGENTS + path.replace("{id}", org_a.client_id)
        payload = agent_body() if body == "register" else body

        response = await client.request(method, url, json=payload, headers=bearer(token))

        assert_error(response, 403, "AUTHORIZATION_ERROR")

    async def test_token_without_organization_is_403_on_credentials_and_audit(
        self, client: AsyncTestClient[Any], container: Container, org_a: Tenant
    ) -> None:
        """The missing organization claim is refused on credentials and audit too."""
        headers = bearer(await token_without_organization(container, org_a))

        creds = await client.get(f"{AGENTS}/{org_a.client_id}/credentials", headers=headers)
        audit = await client.get("/api/v1/audit", headers=headers)

        assert_error(creds, 403, "AUTHORIZATION_ERROR")
        assert_error(audit, 403, "AUTHORIZATION_ERROR")

    async def test_other_organizations_credentials_are_403(
        self, client: AsyncTestClient[Any], org_a: Tenant, org_b: Tenant, b_agent: Client
    ) -> None:
        """Listing, generating, rotating or revoking B's credentials from A is 403."""
        base = f"{AGENTS}/{b_agent.agent_id}/credentials"
        item = f"{base}/{b_agent.credential_id}"

        for method, url in (
            ("GET", base), ("POST", base), ("POST", f"{item}/rotate"), ("DELETE", item),
            ("POST", f"{item}/revoke"),
        ):
            response = await client.request(method, url, headers=org_a.headers)

            assert_error(response, 403, "AUTHORIZATION_ERROR")
        creds = await client.get(base, headers=org_b.headers)
        assert [c["status"] for c in creds.json()] == ["active"]
        assert len(creds.json()) == 1

    async def test_audit_of_another_organization_is_invisible(
        self, client: AsyncTestClient[Any], org_a: Tenant, org_b: Tenant, b_agent: Client
    ) -> None:
        """A's audit query never returns B's events, even filtered by B's agent id."""
        response = await client.get(
            "/api/v1/audit", params={"agentId": b_agent.agent_id}, headers=org_a.headers
        )

        assert response.status_code == 200
        assert response.json()["total"] == 0
