"""The policy decision point over HTTP: every authenticated route is decided by the Rego
policies; refusals are 403 with the error envelope and an ``access.denied`` audit event, an
unusable PDP is 503 with nothing changed (fail closed)."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers
from litestar.testing import AsyncTestClient

from agentidp.application.errors import PolicyUnavailable
from agentidp.application.ports.policy import AccessRequest, Decision
from agentidp.entrypoints.container import Container, build_container
from agentidp.entrypoints.http.app import create_app

from .conftest import PUBLIC_URL, SETTINGS
from .support import Tenant, agent_body, assert_error, bootstrap, new_client, token_for

AGENTS = "/api/v1/agents"
AUDIT = "/api/v1/audit"
POLICIES = Path(str(files("agentidp.policies")))


class BrokenPolicy:
    """A PDP that cannot evaluate anything (OPA down, policy unloadable)."""

    def __init__(self) -> None:
        self.calls = 0

    async def decide(self, request: AccessRequest) -> Decision:
        """Always PolicyUnavailable."""
        self.calls += 1
        raise PolicyUnavailable()


async def denials(client: AsyncTestClient[Any], tenant: Tenant) -> list[dict[str, Any]]:
    """The ``access.denied`` events of ``tenant``'s audit log, newest first."""
    response = await client.get(
        AUDIT, params={"action": "access.denied", "limit": 100}, headers=tenant.headers
    )
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


async def test_a_token_without_the_routes_scope_is_403_and_audited(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """An agents:read token may not register agents: 403 INSUFFICIENT_SCOPE with the
    RFC 6750 challenge, and the refusal is in the audit log with who, what and why."""
    reader = await new_client(client, org_a, scopes=["agents:read"])

    response = await client.post(AGENTS, json=agent_body(), headers=reader.headers)

    assert_error(response, 403, "INSUFFICIENT_SCOPE")
    assert "agents:write" in response.json()["message"]
    challenge = response.headers["www-authenticate"]
    assert 'error="insufficient_scope"' in challenge
    assert 'scope="agents:write"' in challenge
    [event] = await denials(client, org_a)
    assert event["actorId"] == reader.agent_id
    assert event["organizationId"] == org_a.organization_id
    assert event["outcome"] == "failure"
    assert event["metadata"]["method"] == "POST"
    assert event["metadata"]["route"] == AGENTS
    assert event["metadata"]["reasons"] == ["missing_scope"]


async def test_allowed_requests_are_not_audited_as_denials(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """The PDP answers yes silently: no audit write on the hot path."""
    for _ in range(3):
        response = await client.get(AGENTS, headers=org_a.headers)
        assert response.status_code == 200, response.text

    assert await denials(client, org_a) == []


async def test_another_organizations_id_in_the_path_is_403_authorization_error(
    client: AsyncTestClient[Any], org_a: Tenant, org_b: Tenant
) -> None:
    """Tenant match: org A's administrator cannot read org B by its id. The refusal is
    audited in A's log (the caller's), never in B's."""
    response = await client.get(
        f"/api/v1/organizations/{org_b.organization_id}", headers=org_a.headers
    )

    assert_error(response, 403, "AUTHORIZATION_ERROR")
    [event] = await denials(client, org_a)
    assert event["metadata"]["reasons"][0] == "tenant_mismatch"
    assert event["metadata"]["path"] == {"orgId": org_b.organization_id}
    assert await denials(client, org_b) == []


async def test_changing_the_organization_needs_the_admin_role(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """An agent holding admin:orgs but no admin membership may not change its organization
    (the scope alone is not enough); its administrator may."""
    holder = await new_client(client, org_a, scopes=["admin:orgs"])
    own = f"/api/v1/organizations/{org_a.organization_id}"

    changed = await client.patch(own, json={"name": "Renamed"}, headers=holder.headers)
    by_admin = await client.patch(own, json={"name": "Renamed"}, headers=org_a.headers)

    assert by_admin.status_code == 200, by_admin.text
    assert_error(changed, 403, "AUTHORIZATION_ERROR")
    assert "admin" in changed.json()["message"]
    [event] = await denials(client, org_a)
    assert event["metadata"]["reasons"] == ["role_required"]


async def test_platform_routes_refuse_tenant_administrators(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """Creating organizations is for platform administrators only."""
    response = await client.post(
        "/api/v1/organizations", json={"name": "X", "slug": "x-org"}, headers=org_a.headers
    )

    assert_error(response, 403, "INSUFFICIENT_SCOPE")
    [event] = await denials(client, org_a)
    assert event["metadata"]["reasons"] == ["platform_admin_required"]


async def test_an_unusable_policy_is_503_and_changes_nothing(
    client: AsyncTestClient[Any], container: Container, org_a: Tenant
) -> None:
    """Fail closed: no allow, no handler, no audit event, Retry-After."""
    before = await client.get(AUDIT, params={"limit": 100}, headers=org_a.headers)
    agents_before = await client.get(AGENTS, headers=org_a.headers)
    broken = BrokenPolicy()
    container.policy.override(providers.Object(broken))
    try:
        response = await client.post(AGENTS, json=agent_body(), headers=org_a.headers)
        read = await client.get(AGENTS, headers=org_a.headers)
    finally:
        container.policy.reset_override()

    assert_error(response, 503, "SERVICE_UNAVAILABLE")
    assert response.headers["retry-after"]
    assert_error(read, 503, "SERVICE_UNAVAILABLE")
    assert broken.calls == 2
    after = await client.get(AUDIT, params={"limit": 100}, headers=org_a.headers)
    agents_after = await client.get(AGENTS, headers=org_a.headers)
    assert after.json()["total"] == before.json()["total"]
    assert agents_after.json()["total"] == agents_before.json()["total"]


@pytest.fixture
async def narrowed(tmp_path: Path) -> AsyncIterator[tuple[AsyncTestClient[Any], Container]]:
    """An app whose AGENTIDP_POLICY_DIR lacks the entry of GET /agent-info."""
    policy_dir = tmp_path / "policies"
    shutil.copytree(POLICIES, policy_dir, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    data_file = policy_dir / "data.json"
    document = json.loads(data_file.read_text())
    del document["agentidp"]["routes"]["GET /agent-info"]
    data_file.write_text(json.dumps(document))
    container = build_container(SETTINGS.with_overrides(policy_dir=policy_dir))
    async with AsyncTestClient(app=create_app(container), base_url=PUBLIC_URL) as test_client:
        yield test_client, container


async def test_a_route_without_a_policy_is_denied_at_run_time(
    narrowed: tuple[AsyncTestClient[Any], Container],
) -> None:
    """Deny by default: whatever the token holds, a route the policies do not name is 403."""
    client, container = narrowed
    tenant = await bootstrap(container, "org-narrow")
    token = await token_for(client, tenant.client_id, tenant.client_secret)

    response = await client.get("/agent-info", headers={"Authorization": f"Bearer {token}"})
    listed = await client.get(AGENTS, headers={"Authorization": f"Bearer {token}"})

    assert_error(response, 403, "AUTHORIZATION_ERROR")
    assert listed.status_code == 200, listed.text
