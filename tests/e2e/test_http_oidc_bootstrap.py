"""GitHub Actions OIDC bootstrap mode over HTTP (docs/oidc-github.md §4): a trust policy
without an agent gives a workflow a token that registers exactly one agent, and nothing else."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from litestar.testing import AsyncTestClient

from tests.support.github_oidc import LoopbackGitHubIssuer, Repository

from . import test_http_oidc as oidc
from .support import Tenant, assert_error, bearer, new_client
from .test_http_oidc import EXCHANGE, POLICIES, REPO, github_token, policy_body, trust

#: The OIDC tests' fixtures: the loopback GitHub issuer and a container trusting it.
container = oidc.container
issuer = oidc.issuer

AGENTS = "/api/v1/agents"
INTROSPECT = "/api/v1/token/introspect"
REVOKE = "/api/v1/token/revoke"


def registration(**overrides: Any) -> dict[str, Any]:
    """The register-agent action's body (seed 002)."""
    body: dict[str, Any] = {
        "email": f"ci-{uuid.uuid4().hex[:12]}@agents.example",
        "agentType": "custom",
        "version": "1.0.0",
        "capabilities": [],
        "owner": "ci",
        "deploymentEnv": "production",
    }
    return body | overrides


async def bootstrap_policy(client: AsyncTestClient[Any], admin: Tenant) -> dict[str, Any]:
    body = policy_body("unused")
    del body["agentId"]
    response = await client.post(POLICIES, json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    created = dict(response.json())
    assert created["agentId"] is None
    return created


async def bootstrap_token(client: AsyncTestClient[Any], issuer: LoopbackGitHubIssuer) -> str:
    response = await client.post(EXCHANGE, json={"token": github_token(issuer)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scope"] == "agents:write"
    assert 0 < body["expires_in"] <= 300
    return str(body["access_token"])


async def test_a_bootstrap_token_registers_exactly_one_agent(
    client: AsyncTestClient[Any], org_a: Tenant, issuer: LoopbackGitHubIssuer
) -> None:
    policy = await bootstrap_policy(client, org_a)
    token = await bootstrap_token(client, issuer)

    introspected = await client.post(INTROSPECT, data={"token": token}, headers=org_a.headers)
    info = introspected.json()
    assert info["active"] is True, info
    assert info["token_use"] == "bootstrap"
    assert info["sub"] == f"bootstrap:{policy['id']}"
    assert info["trust_policy_id"] == policy["id"]
    assert info["organization_id"] == org_a.organization_id

    # Nothing but POST /agents: not even the routes open to any valid token.
    for method, path in (
        ("GET", "/agent-info"),
        ("GET", AGENTS),
        ("GET", "/api/v1/tiers/status"),
        ("PATCH", f"{AGENTS}/{org_a.client_id}"),
        ("POST", f"{AGENTS}/{org_a.client_id}/credentials"),
        ("GET", POLICIES),
    ):
        refused = await client.request(method, path, json={}, headers=bearer(token))
        assert refused.status_code == 403, (method, path, refused.text)

    created = await client.post(AGENTS, json=registration(), headers=bearer(token))
    assert created.status_code == 201, created.text
    agent_id = created.json()["agentId"]
    assert created.json()["scopes"] == []  # nothing asked; the default agent scopes need reads

    again = await client.post(AGENTS, json=registration(), headers=bearer(token))
    assert_error(again, 401, "UNAUTHORIZED")
    used = await client.post(INTROSPECT, data={"token": token}, headers=org_a.headers)
    assert used.json() == {"active": False}

    # The new agent got its own policy with the bootstrap policy's conditions.
    own = (await client.get(POLICIES, params={"agentId": agent_id}, headers=org_a.headers)).json()
    assert [(p["repositoryId"], p["branch"]) for p in own] == [(REPO.repository_id, "main")]
    # ... which another repository does not satisfy.
    other = Repository(name="other-repo", repository_id="3003")
    foreign = await client.post(
        EXCHANGE, json={"token": github_token(issuer, repository=other), "agentId": agent_id}
    )
    assert_error(foreign, 403, "TRUST_POLICY_NOT_FOUND")
    # Without agentId the exchange stays bootstrap mode (seed 002), although the agent's own
    # policy accepts the workflow too: a fresh bootstrap token, not one for the agent.
    again = await client.post(EXCHANGE, json={"token": github_token(issuer)})
    assert again.status_code == 200, again.text
    assert again.json()["scope"] == "agents:write"
    introspected = await client.post(
        "/api/v1/token/introspect", data={"token": again.json()["access_token"]},
        headers=org_a.headers,
    )
    assert introspected.json()["sub"] == f"bootstrap:{policy['id']}"

    audit = await client.get(
        "/api/v1/audit", params={"action": "agent.created"}, headers=org_a.headers
    )
    [event] = [e for e in audit.json()["data"] if e["agentId"] == agent_id]
    assert event["actorId"] == f"bootstrap:{policy['id']}"
    assert token not in audit.text


async def test_the_registered_scopes_stay_within_the_token(
    client: AsyncTestClient[Any], org_a: Tenant, issuer: LoopbackGitHubIssuer
) -> None:
    await bootstrap_policy(client, org_a)
    token = await bootstrap_token(client, issuer)
    greedy = await client.post(
        AGENTS, json=registration(scopes=["agents:read"]), headers=bearer(token)
    )
    assert greedy.status_code == 403, greedy.text
    fine = await client.post(
        AGENTS, json=registration(scopes=["agents:write"]), headers=bearer(token)
    )
    assert fine.status_code == 201, fine.text  # the refusal did not use the token up
    assert fine.json()["scopes"] == ["agents:write"]


async def test_two_concurrent_registrations_make_one_agent(
    client: AsyncTestClient[Any], org_a: Tenant, issuer: LoopbackGitHubIssuer
) -> None:
    await bootstrap_policy(client, org_a)
    token = await bootstrap_token(client, issuer)
    before = (await client.get(AGENTS, headers=org_a.headers)).json()["total"]
    answers = await asyncio.gather(
        *(client.post(AGENTS, json=registration(), headers=bearer(token)) for _ in range(4))
    )
    assert sorted(a.status_code for a in answers) == [201, 401, 401, 401]
    after = (await client.get(AGENTS, headers=org_a.headers)).json()["total"]
    assert after == before + 1


async def test_bootstrap_refusals(
    client: AsyncTestClient[Any], org_a: Tenant, org_b: Tenant, issuer: LoopbackGitHubIssuer
) -> None:
    # No bootstrap policy: no token.
    assert_error(
        await client.post(EXCHANGE, json={"token": github_token(issuer)}),
        403,
        "TRUST_POLICY_NOT_FOUND",
    )
    policy = await bootstrap_policy(client, org_a)
    # Same exact matching: another branch is refused for its branch.
    assert_error(
        await client.post(EXCHANGE, json={"token": github_token(issuer, ref="refs/heads/dev")}),
        403,
        "TRUST_POLICY_BRANCH_MISMATCH",
    )
    # A bootstrap token never names more than agents:write.
    assert_error(
        await client.post(EXCHANGE, json={"token": github_token(issuer), "scope": "agents:read"}),
        403,
        "INSUFFICIENT_SCOPE",
    )
    # Deleting the policy ends its outstanding tokens.
    token = await bootstrap_token(client, issuer)
    # Another organization's introspection does not see it.
    foreign = await client.post(INTROSPECT, data={"token": token}, headers=org_b.headers)
    assert foreign.json() == {"active": False}
    deleted = await client.delete(f"{POLICIES}/{policy['id']}", headers=org_a.headers)
    assert deleted.status_code == 204
    assert_error(
        await client.post(AGENTS, json=registration(), headers=bearer(token)),
        401,
        "UNAUTHORIZED",
    )
    # Two organizations trusting one workflow for bootstrap: never guessed.
    await bootstrap_policy(client, org_a)
    await bootstrap_policy(client, org_b)
    assert_error(
        await client.post(EXCHANGE, json={"token": github_token(issuer)}),
        403,
        "TRUST_POLICY_NOT_FOUND",
    )


async def test_an_agent_scoped_exchange_ignores_bootstrap_policies(
    client: AsyncTestClient[Any], org_a: Tenant, issuer: LoopbackGitHubIssuer
) -> None:
    await bootstrap_policy(client, org_a)
    agent = await new_client(client, org_a, scopes=["agents:read"])
    named = await client.post(
        EXCHANGE, json={"token": github_token(issuer), "agentId": agent.agent_id}
    )
    assert_error(named, 403, "TRUST_POLICY_NOT_FOUND")
    await trust(client, org_a, agent.agent_id)
    named = await client.post(
        EXCHANGE, json={"token": github_token(issuer), "agentId": agent.agent_id}
    )
    assert named.status_code == 200, named.text
    assert named.json()["scope"] == "agents:read"


async def test_an_administrator_revokes_a_bootstrap_token(
    client: AsyncTestClient[Any], org_a: Tenant, org_b: Tenant, issuer: LoopbackGitHubIssuer
) -> None:
    await bootstrap_policy(client, org_a)
    token = await bootstrap_token(client, issuer)
    # Another organization's revocation is a silent no-op.
    ignored = await client.post(REVOKE, data={"token": token}, headers=org_b.headers)
    assert ignored.status_code == 200
    revoked = await client.post(REVOKE, data={"token": token}, headers=org_a.headers)
    assert revoked.status_code == 200, revoked.text
    refused = await client.post(AGENTS, json=registration(), headers=bearer(token))
    assert_error(refused, 401, "UNAUTHORIZED")
