"""GitHub Actions OIDC over HTTP: trust-policy CRUD, POST /api/v1/oidc/token and the RFC 8693
grant, against a loopback GitHub-like issuer serving real JWKS over HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from agentidp.entrypoints.container import Container, build_container
from agentidp.entrypoints.settings import GitHubOidcSettings
from tests.support.github_oidc import LoopbackGitHubIssuer, Repository

from .conftest import PUBLIC_URL, SETTINGS
from .support import Client, Tenant, assert_error, assert_oauth_error, new_client

POLICIES = "/api/v1/oidc/trust-policies"
EXCHANGE = "/api/v1/oidc/token"
GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
JWT = "urn:ietf:params:oauth:token-type:jwt"
REPO = Repository()


@pytest.fixture
def issuer() -> Iterator[LoopbackGitHubIssuer]:
    with LoopbackGitHubIssuer() as running:
        yield running


@pytest.fixture(params=["memory", "sqlite"])
def container(
    request: pytest.FixtureRequest, issuer: LoopbackGitHubIssuer, tmp_path: Path
) -> Container:
    """The e2e container (memory, or the embedded SQLite store), trusting the loopback
    issuer (discovery finds its JWKS)."""
    github = GitHubOidcSettings(issuer=issuer.url, allow_loopback_http=True)
    store: dict[str, Any] = (
        {"data_dir": tmp_path, "database_url": f"sqlite:///{tmp_path}/idp.db"}
        if request.param == "sqlite"
        else {}
    )
    return build_container(SETTINGS.with_overrides(github_oidc=github, **store))


@pytest.fixture
async def agent(client: AsyncTestClient[Any], org_a: Tenant) -> Client:
    return await new_client(client, org_a, scopes=["agents:read"])


def policy_body(agent_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "provider": "github",
        "repository": REPO.slug,
        "repositoryOwnerId": int(REPO.owner_id),  # GitHub's API gives numbers
        "repositoryId": REPO.repository_id,
        "agentId": agent_id,
        "branch": "main",
    }
    body.update(overrides)
    return {name: value for name, value in body.items() if value is not None}


async def trust(
    client: AsyncTestClient[Any], admin: Tenant, agent_id: str, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        POLICIES, json=policy_body(agent_id, **overrides), headers=admin.headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def github_token(issuer: LoopbackGitHubIssuer, **overrides: Any) -> str:
    return issuer.mint(issuer.claims(audience=PUBLIC_URL, **overrides))


async def test_trust_policy_crud(
    client: AsyncTestClient[Any], org_a: Tenant, agent: Client
) -> None:
    created = await trust(client, org_a, agent.agent_id, environment="prod")
    assert created["repositoryOwnerId"] == REPO.owner_id
    assert created["createdAt"] == created["updatedAt"]
    assert {created[k] for k in ("branch", "environment", "workflow")} == {"main", "prod", None}
    listed = await client.get(POLICIES, headers=org_a.headers)
    assert [p["id"] for p in listed.json()] == [created["id"]]
    filtered = await client.get(
        POLICIES, params={"agentId": org_a.client_id}, headers=org_a.headers
    )
    assert filtered.json() == []
    fetched = await client.get(f"{POLICIES}/{created['id']}", headers=org_a.headers)
    assert fetched.json() == created
    duplicate = await client.post(
        POLICIES, json=policy_body(agent.agent_id, environment="prod"), headers=org_a.headers
    )
    assert_error(duplicate, 409, "TRUST_POLICY_CONFLICT")
    deleted = await client.delete(f"{POLICIES}/{created['id']}", headers=org_a.headers)
    assert deleted.status_code == 204
    gone = await client.get(f"{POLICIES}/{created['id']}", headers=org_a.headers)
    assert_error(gone, 404, "TRUST_POLICY_NOT_FOUND")
    again = await client.delete(f"{POLICIES}/{created['id']}", headers=org_a.headers)
    assert_error(again, 404, "TRUST_POLICY_NOT_FOUND")
    audit = await client.get("/api/v1/audit", headers=org_a.headers)
    actions = [event["action"] for event in audit.json()["data"]]
    assert {"trust_policy.created", "trust_policy.deleted"} <= set(actions)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"provider": "gitlab"}, "provider"),
        ({"repository": "no-slash"}, "repository"),
        ({"repository": "a/b/c"}, "repository"),
        ({"repositoryId": "abc"}, "repositoryId"),
        ({"repositoryOwnerId": None}, "repositoryOwnerId"),
        ({"branch": ""}, "branch"),
    ],
)
async def test_invalid_policies_are_refused(
    client: AsyncTestClient[Any],
    org_a: Tenant,
    agent: Client,
    overrides: dict[str, Any],
    field: str,
) -> None:
    body = policy_body(agent.agent_id, **overrides)
    if overrides.get("repositoryOwnerId", 1) is None:
        body.pop("repositoryOwnerId", None)
    response = await client.post(POLICIES, json=body, headers=org_a.headers)
    details = assert_error(response, 400, "VALIDATION_ERROR")
    assert details["field"] == field


async def test_policies_are_tenant_scoped(
    client: AsyncTestClient[Any], org_a: Tenant, org_b: Tenant, agent: Client
) -> None:
    foreign = await client.post(POLICIES, json=policy_body(agent.agent_id), headers=org_b.headers)
    assert_error(foreign, 404, "AGENT_NOT_FOUND")
    created = await trust(client, org_a, agent.agent_id)
    for method in (client.get, client.delete):
        response = await method(f"{POLICIES}/{created['id']}", headers=org_b.headers)
        assert_error(response, 404, "TRUST_POLICY_NOT_FOUND")
    assert (await client.get(POLICIES, headers=org_b.headers)).json() == []
    weak = await new_client(client, org_a, scopes=["agents:read"])
    refused = await client.get(POLICIES, headers=weak.headers)
    assert refused.status_code == 403


async def test_exchange_issues_the_agents_token(
    client: AsyncTestClient[Any], org_a: Tenant, agent: Client, issuer: LoopbackGitHubIssuer
) -> None:
    await trust(client, org_a, agent.agent_id)
    response = await client.post(EXCHANGE, json={"token": github_token(issuer)})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "agents:read"
    info = await client.get(
        "/agent-info", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert info.status_code == 200, info.text
    assert info.json()["sub"] == agent.agent_id
    # The 2026 sub format with immutable ids, an explicit agentId and provider.
    ids_token = github_token(issuer, sub_format="ids")
    explicit = await client.post(
        EXCHANGE, json={"provider": "github", "token": ids_token, "agentId": agent.agent_id}
    )
    assert explicit.status_code == 200, explicit.text
    audit = await client.get(
        "/api/v1/audit", params={"action": "oidc.token_exchanged"}, headers=org_a.headers
    )
    events = audit.json()["data"]
    assert len(events) == 2
    assert all(e["outcome"] == "success" for e in events)
    assert ids_token not in audit.text


async def test_exchange_refusals(
    client: AsyncTestClient[Any], org_a: Tenant, agent: Client, issuer: LoopbackGitHubIssuer
) -> None:
    async def exchange(token: str, **fields: Any) -> Any:
        return await client.post(EXCHANGE, json={"token": token, **fields})

    assert_error(await exchange(github_token(issuer)), 403, "TRUST_POLICY_NOT_FOUND")
    await trust(client, org_a, agent.agent_id)
    details = assert_error(
        await exchange(github_token(issuer, ref="refs/heads/feature/x")),
        403,
        "TRUST_POLICY_BRANCH_MISMATCH",
    )
    assert details == {"allowed": "main", "provided": "feature/x"}
    renamed = Repository(repository_id="9999")  # same name, re-created repository
    assert_error(
        await exchange(github_token(issuer, repository=renamed)), 403, "TRUST_POLICY_NOT_FOUND"
    )
    other_agent = await new_client(client, org_a)
    assert_error(
        await exchange(github_token(issuer), agentId=other_agent.agent_id),
        403,
        "TRUST_POLICY_NOT_FOUND",
    )
    assert_error(await exchange(github_token(issuer), provider="gitlab"), 400, "VALIDATION_ERROR")
    assert_error(await client.post(EXCHANGE, json={}), 400, "VALIDATION_ERROR")
    once = github_token(issuer)
    assert (await exchange(once)).status_code == 200
    assert_error(await exchange(once), 401, "OIDC_TOKEN_INVALID")  # replayed jti
    suspended = await client.post(f"/api/v1/agents/{agent.agent_id}/suspend", headers=org_a.headers)
    assert suspended.status_code == 200, suspended.text
    assert_error(await exchange(github_token(issuer)), 403, "AGENT_SUSPENDED")
    failures = await client.get(
        "/api/v1/audit",
        headers=org_a.headers,
        params={"action": "oidc.token_exchanged", "outcome": "failure"},
    )
    # In the organization's log: the refusals that reached one of its policies (branch,
    # suspended agent); the others have no organization yet (deployment-wide log).
    reasons = [event["metadata"]["reason"] for event in failures.json()["data"]]
    assert sorted(reasons) == ["agent_suspended", "branch_mismatch"]


@pytest.mark.parametrize(
    ("attack", "code"),
    [
        ("forge", "OIDC_TOKEN_INVALID"),
        ("mint_unsigned", "OIDC_TOKEN_INVALID"),
        ("mint_hs256_with_public_key", "OIDC_TOKEN_INVALID"),
        ("mint_with_unpublished_key", "OIDC_TOKEN_INVALID"),
        ("expired", "OIDC_TOKEN_EXPIRED"),
        ("not_yet_valid", "OIDC_TOKEN_INVALID"),
        ("wrong_audience", "OIDC_TOKEN_INVALID"),
        ("wrong_issuer", "OIDC_TOKEN_INVALID"),
        ("oversized", "OIDC_TOKEN_INVALID"),
        ("garbage", "OIDC_TOKEN_INVALID"),
    ],
)
async def test_hostile_tokens_are_refused_without_a_500(
    client: AsyncTestClient[Any],
    org_a: Tenant,
    agent: Client,
    issuer: LoopbackGitHubIssuer,
    attack: str,
    code: str,
) -> None:
    await trust(client, org_a, agent.agent_id)
    now = time.time()
    claims = {
        "expired": {"now": now - 400, "lifetime": 300},
        "not_yet_valid": {"nbf": int(now) + 600},
        "wrong_audience": {"aud": "https://elsewhere.example"},
        "wrong_issuer": {"iss": "https://token.actions.githubusercontent.com"},
        "oversized": {"padding": "x" * 20_000},
    }.get(attack, {})
    if attack == "garbage":
        token = "not-a-jwt"
    elif hasattr(issuer, attack):
        token = getattr(issuer, attack)(issuer.claims(audience=PUBLIC_URL))
    else:
        token = github_token(issuer, **claims)
    response = await client.post(EXCHANGE, json={"token": token})
    assert_error(response, 401, code)
    grant = await client.post(
        "/api/v1/token",
        data={
            "grant_type": GRANT,
            "subject_token": token,
            "subject_token_type": JWT,
        },
    )
    assert grant.status_code in (400, 413), grant.text  # 413: over the OAuth body limit
    assert grant.json()["error"] == "invalid_request"


async def test_rfc8693_grant(
    client: AsyncTestClient[Any], org_a: Tenant, agent: Client, issuer: LoopbackGitHubIssuer
) -> None:
    await trust(client, org_a, agent.agent_id)
    form = {"grant_type": GRANT, "subject_token_type": JWT}
    response = await client.post(
        "/api/v1/token", data={**form, "subject_token": github_token(issuer)}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["issued_token_type"] == "urn:ietf:params:oauth:token-type:access_token"
    assert body["token_type"] == "Bearer"
    assert response.headers["cache-control"] == "no-store"
    elsewhere = await client.post(
        "/api/v1/token",
        data={
            **form,
            "subject_token": github_token(issuer),
            "audience": "https://other.example",
        },
    )
    assert_oauth_error(elsewhere, 400, "invalid_target")
    unsupported = await client.post(
        "/api/v1/token",
        data={
            **form,
            "subject_token": github_token(issuer),
            "subject_token_type": "urn:ietf:params:oauth:token-type:saml2",
        },
    )
    assert_oauth_error(unsupported, 400, "invalid_request")
    missing = await client.post("/api/v1/token", data={"grant_type": GRANT})
    assert_oauth_error(missing, 400, "invalid_request")
    no_policy = await client.post(
        "/api/v1/token",
        data={
            **form,
            "subject_token": github_token(issuer, ref="refs/heads/dev"),
        },
    )
    assert_oauth_error(no_policy, 400, "invalid_request")
