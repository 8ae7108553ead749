"""Tiers over HTTP: ``GET /api/v1/tiers/status``, the agents limit (403
``FREE_TIER_LIMIT_EXCEEDED``), the monthly token quota, the per-client and per-IP rate limits
(429 ``RATE_LIMIT_EXCEEDED``, ``X-RateLimit-*``) and ``AGENTIDP_TIER_ENFORCEMENT``."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from agentidp.domain.tiers import DEFAULT_TIER_LIMITS, PlanTier, TierLimits
from agentidp.entrypoints.container import Container, build_container
from agentidp.entrypoints.http.app import create_app
from agentidp.entrypoints.settings import Features, Settings

from .conftest import PUBLIC_URL, SETTINGS
from .support import Tenant, agent_body, assert_error, assert_oauth_error, bootstrap, request_token

RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


def free_tier(**figures: int | None) -> dict[PlanTier, TierLimits]:
    """DECISIONS.md's table with some free-tier figures replaced."""
    return {
        **DEFAULT_TIER_LIMITS,
        PlanTier.FREE: replace(DEFAULT_TIER_LIMITS[PlanTier.FREE], **figures),
    }


Deployment = Callable[..., Any]


@pytest.fixture
async def deploy() -> AsyncIterator[Deployment]:
    """Start an app with settings changed from the e2e defaults; yields (client, container)."""
    clients: list[AsyncTestClient[Any]] = []

    async def start(**changes: Any) -> tuple[AsyncTestClient[Any], Container]:
        container = build_container(SETTINGS.with_overrides(**changes))
        client = AsyncTestClient(app=create_app(container), base_url=PUBLIC_URL)
        await client.__aenter__()
        clients.append(client)
        return client, container

    yield start
    for client in clients:
        await client.__aexit__(None, None, None)


async def admin_of(client: AsyncTestClient[Any], container: Container, slug: str) -> Tenant:
    tenant = await bootstrap(container, slug)
    response = await request_token(client, tenant.client_id, tenant.client_secret)
    assert response.status_code == 200, response.text
    return replace(tenant, token=response.json()["access_token"])


async def test_tier_status_reports_the_free_tier_and_live_usage(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """A fresh organization: the free tier's figures, its administrator as the one agent,
    the one token it got, and the calendar month as billing period."""
    response = await client.get("/api/v1/tiers/status", headers=org_a.headers)

    assert response.status_code == 200, response.text
    body = response.json()
    today = datetime.now(UTC).date()
    assert body["organizationId"] == org_a.organization_id
    assert body["tier"] == "free"
    assert body["limits"] == {
        "maxAgents": 100,
        "maxTokensPerMonth": 10000,
        "rateLimitPerMinute": 100,
    }
    assert body["usage"]["agentsRegistered"] == 1
    assert body["usage"]["tokensThisMonth"] == 1
    # The token request and this one, both by the administrator's client.
    assert body["usage"]["requestsThisMinute"] == 2
    assert body["billingPeriodStart"] == today.replace(day=1).isoformat()
    assert body["billingPeriodEnd"][:7] == today.isoformat()[:7]
    assert body["billingPeriodEnd"] >= today.isoformat()


async def test_agents_are_counted_until_decommissioned(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """Registering counts an agent, decommissioning uncounts it."""
    created = await client.post("/api/v1/agents", json=agent_body(), headers=org_a.headers)
    agent_id = created.json()["agentId"]
    counted = (await client.get("/api/v1/tiers/status", headers=org_a.headers)).json()
    await client.delete(f"/api/v1/agents/{agent_id}", headers=org_a.headers)
    after = (await client.get("/api/v1/tiers/status", headers=org_a.headers)).json()

    assert counted["usage"]["agentsRegistered"] == 2
    assert after["usage"]["agentsRegistered"] == 1


async def test_rate_limit_headers_on_bearer_and_token_responses(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """Limited responses carry X-RateLimit-Limit/Remaining/Reset (Unix seconds)."""
    listed = await client.get("/api/v1/agents", headers=org_a.headers)
    issued = await request_token(client, org_a.client_id, org_a.client_secret)

    for response in (listed, issued):
        assert all(name in response.headers for name in RATE_HEADERS), response.headers
        reset = int(response.headers["x-ratelimit-reset"])
        assert time.time() - 1 <= reset <= time.time() + 61
    # The per-client window (100) is tighter than the per-IP one (1200).
    assert listed.headers["x-ratelimit-limit"] == "100"
    assert int(issued.headers["x-ratelimit-remaining"]) < int(
        listed.headers["x-ratelimit-remaining"]
    )


async def test_registration_beyond_the_agents_limit_is_403(deploy: Deployment) -> None:
    """With 3 agents allowed, the administrator and two more fit; the next is refused."""
    client, container = await deploy(tier_limits=free_tier(max_agents=3))
    admin = await admin_of(client, container, "small")

    answers = [
        await client.post("/api/v1/agents", json=agent_body(), headers=admin.headers)
        for _ in range(3)
    ]

    assert [r.status_code for r in answers] == [201, 201, 403]
    details = assert_error(answers[2], 403, "FREE_TIER_LIMIT_EXCEEDED")
    assert details == {"limit": 3}
    assert "3 registered agents" in answers[2].json()["message"]


async def test_the_monthly_token_quota_refuses_the_next_token(deploy: Deployment) -> None:
    """maxTokensPerMonth=3: three tokens, then access_denied (audited as auth.failed)."""
    client, container = await deploy(tier_limits=free_tier(max_tokens_per_month=3))
    tenant = await bootstrap(container, "quota")

    answers = [
        await request_token(client, tenant.client_id, tenant.client_secret) for _ in range(4)
    ]

    assert [r.status_code for r in answers] == [200, 200, 200, 403]
    body = assert_oauth_error(answers[3], 403, "access_denied")
    assert "3 tokens per month" in body["error_description"]
    token = answers[0].json()["access_token"]
    status = await client.get("/api/v1/tiers/status", headers={"Authorization": f"Bearer {token}"})
    assert status.json()["usage"]["tokensThisMonth"] == 3
    audit = await client.get(
        "/api/v1/audit",
        params={"action": "auth.failed"},
        headers={"Authorization": f"Bearer {token}"},
    )
    reasons = [event["metadata"].get("reason") for event in audit.json()["data"]]
    assert reasons == ["token_quota_exhausted"]


async def test_a_client_over_its_tier_rate_is_429(deploy: Deployment) -> None:
    """requestsPerMinute=4: the token request and three calls fit, the fifth is 429 with
    Retry-After and the spec's envelope; another client of the organization is not affected."""
    client, container = await deploy(tier_limits=free_tier(requests_per_minute=4))
    admin = await admin_of(client, container, "busy")

    answers = [await client.get("/api/v1/agents", headers=admin.headers) for _ in range(4)]
    other = await admin_of(client, container, "calm")

    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    refused = answers[3]
    assert_error(refused, 429, "RATE_LIMIT_EXCEEDED")
    assert refused.json()["message"] == (
        "Too many requests. Please retry after the rate limit window resets."
    )
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["x-ratelimit-limit"] == "4"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert (await client.get("/api/v1/agents", headers=other.headers)).status_code == 200


async def test_the_token_endpoint_counts_the_authenticated_client(deploy: Deployment) -> None:
    """On POST /token the per-client 429 uses the {code, message} envelope too."""
    client, container = await deploy(tier_limits=free_tier(requests_per_minute=2))
    tenant = await bootstrap(container, "tokens")

    answers = [
        await request_token(client, tenant.client_id, tenant.client_secret) for _ in range(3)
    ]

    assert [r.status_code for r in answers] == [200, 200, 429]
    assert_error(answers[2], 429, "RATE_LIMIT_EXCEEDED")
    assert "retry-after" in answers[2].headers


async def test_a_wrong_secret_does_not_spend_the_clients_budget(deploy: Deployment) -> None:
    """Only authenticated requests count per client, so nobody can exhaust another's."""
    client, container = await deploy(tier_limits=free_tier(requests_per_minute=1))
    tenant = await bootstrap(container, "victim")

    for _ in range(5):
        wrong = await request_token(client, tenant.client_id, "sk_live_" + "0" * 64)
        assert wrong.status_code == 401
    right = await request_token(client, tenant.client_id, tenant.client_secret)

    assert right.status_code == 200


async def test_one_ip_over_its_limit_is_429_on_any_route(deploy: Deployment) -> None:
    """AGENTIDP_RATE_LIMIT_PER_IP_PER_MINUTE counts every request of an address, even
    unauthenticated ones; health probes are exempt."""
    client, _ = await deploy(rate_limit_per_ip_per_minute=3)

    answers = [await client.get("/api/v1/agents") for _ in range(4)]
    health = await client.get("/health")

    assert [r.status_code for r in answers] == [401, 401, 401, 429]
    assert_error(answers[3], 429, "RATE_LIMIT_EXCEEDED")
    assert answers[3].headers["x-ratelimit-limit"] == "3"
    assert int(answers[3].headers["retry-after"]) >= 1
    assert health.status_code == 200
    assert "x-ratelimit-limit" not in health.headers


async def test_tier_enforcement_off_lifts_every_tier_limit(deploy: Deployment) -> None:
    """AGENTIDP_TIER_ENFORCEMENT=false: no agents, token or per-client limit, and the tier
    status route is 404 NOT_FOUND with the feature's message."""
    client, container = await deploy(
        tier_limits=free_tier(max_agents=1, max_tokens_per_month=1, requests_per_minute=1),
        features=Features(tier_enforcement=False),
    )
    admin = await admin_of(client, container, "unlimited")

    tokens = [await request_token(client, admin.client_id, admin.client_secret) for _ in range(2)]
    created = await client.post("/api/v1/agents", json=agent_body(), headers=admin.headers)
    status = await client.get("/api/v1/tiers/status", headers=admin.headers)

    assert [r.status_code for r in tokens] == [200, 200]
    assert created.status_code == 201
    assert_error(status, 404, "NOT_FOUND")
    assert status.json()["message"] == "Tier enforcement is not enabled on this instance."


async def test_the_tier_table_comes_from_settings(deploy: Deployment) -> None:
    """AGENTIDP_TIER_LIMITS replaces figures of the table /tiers/status reports."""
    limits = Settings.from_env(
        {"AGENTIDP_TIER_LIMITS": '{"free": {"maxAgents": 7, "maxTokensPerMonth": null}}'}
    ).tier_limits
    client, container = await deploy(tier_limits=limits)
    admin = await admin_of(client, container, "custom")

    body = (await client.get("/api/v1/tiers/status", headers=admin.headers)).json()

    assert body["limits"] == {"maxAgents": 7, "maxTokensPerMonth": None, "rateLimitPerMinute": 100}
