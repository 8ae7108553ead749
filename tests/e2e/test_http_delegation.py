"""A2A delegation over HTTP (delegation.yaml): create, verify and revoke chains, delegated
access tokens through the RFC 8693 token exchange, and their verification (offline through
the JWKS with PyJWT, online through introspection and bearer authentication)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
from litestar.testing import AsyncTestClient

from agentidp.application.ports import tenant_context
from agentidp.application.ports.tenant_context import ALL_TENANTS
from agentidp.entrypoints.container import Container, build_container, start, stop
from agentidp.entrypoints.http.app import create_app
from agentidp.entrypoints.settings import Features, Settings, StoreBackend
from tests.integration.postgres.tenant_role import TenantRoleDatabase

from .conftest import PUBLIC_URL, SETTINGS
from .support import (
    FORM,
    TOKEN_URL,
    Client,
    Tenant,
    assert_error,
    assert_oauth_error,
    bearer,
    bootstrap,
    new_client,
    token_for,
)

DELEGATE = "/api/v1/oauth2/token/delegate"
VERIFY = "/api/v1/oauth2/token/verify-delegation"
INTROSPECT = "/api/v1/token/introspect"
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"
A_SCOPES = ["agents:read", "agents:write", "audit:read"]


@pytest.fixture(params=["memory", "postgres"])
def settings(request: pytest.FixtureRequest) -> Iterator[Settings]:
    """The memory store, or PostgreSQL as an ordinary role (row-level security applies:
    bearer authentication walks chains across tenants, the routes act for the caller's)."""
    if request.param == "memory":
        yield SETTINGS
        return
    database = TenantRoleDatabase("delegation")
    database.create()
    try:
        yield SETTINGS.with_overrides(database_url=database.url)
    finally:
        database.drop()


@pytest.fixture
def container(settings: Settings) -> Container:
    """The app's container (its store is opened by the app's lifespan)."""
    return build_container(settings)


@pytest.fixture
async def operator(settings: Settings, container: Container) -> AsyncIterator[Container]:
    """Who bootstraps organizations. The app runs on the test client's own event loop, so
    with PostgreSQL this is a second container on the same database (as another process
    would be); the memory store lives in the app's container only."""
    if settings.store_backend is StoreBackend.MEMORY:
        yield container
        return
    second = build_container(settings)
    await start(second)
    try:
        yield second
    finally:
        await stop(second)


async def _tenant(client: AsyncTestClient[Any], operator: Container, slug: str) -> Tenant:
    with tenant_context.scope(ALL_TENANTS):  # the operator bootstraps (CLI/library path)
        tenant = await bootstrap(operator, slug)
    token = await token_for(client, tenant.client_id, tenant.client_secret)
    return Tenant(tenant.organization_id, tenant.client_id, tenant.client_secret, token)


@pytest.fixture
async def org_a(client: AsyncTestClient[Any], operator: Container) -> Tenant:
    """Organization A with an administrator token (every scope)."""
    return await _tenant(client, operator, "org-a")


@pytest.fixture
async def org_b(client: AsyncTestClient[Any], operator: Container) -> Tenant:
    """Organization B with an administrator token (every scope)."""
    return await _tenant(client, operator, "org-b")


@dataclass(frozen=True, slots=True)
class Agents:
    """A delegator holding three scopes, and four plain agents of the same organization."""

    a: Client
    b: Client
    c: Client
    d: Client
    e: Client


@pytest.fixture
async def agents(client: AsyncTestClient[Any], org_a: Tenant) -> Agents:
    a = await new_client(client, org_a, scopes=A_SCOPES)
    others = [await new_client(client, org_a, scopes=["agents:read"]) for _ in range(4)]
    return Agents(a, *others)


async def delegate(
    client: AsyncTestClient[Any],
    token: str,
    delegatee: str,
    scopes: list[str],
    ttl: int = 3600,
    parent: str | None = None,
) -> Any:
    body: dict[str, Any] = {"delegateeAgentId": delegatee, "scopes": scopes, "ttlSeconds": ttl}
    if parent is not None:
        body["parentChainId"] = parent
    return await client.post(DELEGATE, json=body, headers=bearer(token))


async def created(client: AsyncTestClient[Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
    response = await delegate(client, *args, **kwargs)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def exchange(
    client: AsyncTestClient[Any], subject: str, actor: str, scope: str | None = None
) -> Any:
    form = {
        "grant_type": EXCHANGE,
        "subject_token": subject,
        "subject_token_type": ACCESS_TOKEN,
        "actor_token": actor,
        "actor_token_type": ACCESS_TOKEN,
    }
    if scope is not None:
        form["scope"] = scope
    return await client.post(TOKEN_URL, data=form, headers=FORM)


async def delegated_token(
    client: AsyncTestClient[Any], subject: str, actor: str, scope: str | None = None
) -> str:
    response = await exchange(client, subject, actor, scope)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["issued_token_type"] == ACCESS_TOKEN
    assert body["token_type"] == "Bearer"
    return str(body["access_token"])


async def offline_claims(client: AsyncTestClient[Any], token: str) -> dict[str, Any]:
    """Verify ``token`` with PyJWT through our published JWKS, every check pinned."""
    keys = jwt.PyJWKSet.from_dict((await client.get("/.well-known/jwks.json")).json())
    key = keys[jwt.get_unverified_header(token)["kid"]].key
    return dict(
        jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            audience=PUBLIC_URL,
            issuer=PUBLIC_URL,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]},
        )
    )


async def test_create_returns_the_chain(client: AsyncTestClient[Any], agents: Agents) -> None:
    response = await delegate(client, agents.a.token, agents.b.agent_id, ["agents:read"], 600)

    assert response.status_code == 201, response.text
    chain = response.json()
    assert chain["delegatorAgentId"] == agents.a.agent_id
    assert chain["delegateeAgentId"] == agents.b.agent_id
    assert chain["scopes"] == ["agents:read"]
    assert chain["ttlSeconds"] == 600
    assert chain["revokedAt"] is None
    assert chain["parentChainId"] is None
    assert chain["depth"] == 1
    chain_id, issued, expires = chain["delegationToken"].split(".")
    assert chain_id == chain["id"]
    assert int(expires) - int(issued) == 600


async def test_scopes_may_equal_but_never_exceed_the_delegators(
    client: AsyncTestClient[Any], agents: Agents
) -> None:
    await created(client, agents.a.token, agents.b.agent_id, A_SCOPES)  # subset-or-equal

    refused = await delegate(client, agents.a.token, agents.b.agent_id, ["tokens:read"])

    details = assert_error(refused, 400, "SCOPE_EXCEEDS_DELEGATOR")
    assert refused.json()["message"] == (
        "Delegated scopes must be a subset of the delegator's own token scopes."
    )
    assert details == {"requested": ["tokens:read"], "available": sorted(A_SCOPES)}


async def test_the_delegators_current_token_scopes_bound_it(
    client: AsyncTestClient[Any], agents: Agents
) -> None:
    narrow = await token_for(client, agents.a.agent_id, agents.a.secret, "agents:read")
    refused = await delegate(client, narrow, agents.b.agent_id, ["agents:write"])
    assert_error(refused, 400, "SCOPE_EXCEEDS_DELEGATOR")


@pytest.mark.parametrize(("ttl", "status"), [(59, 400), (60, 201), (86400, 201), (86401, 400)])
async def test_ttl_bounds(
    client: AsyncTestClient[Any], agents: Agents, ttl: int, status: int
) -> None:
    response = await delegate(client, agents.a.token, agents.b.agent_id, ["agents:read"], ttl)
    assert response.status_code == status, response.text
    if status == 400:
        assert_error(response, 400, "VALIDATION_ERROR")
        assert response.json()["message"] == "ttlSeconds must be between 60 and 86400."


async def test_delegatee_rules(client: AsyncTestClient[Any], agents: Agents, org_b: Tenant) -> None:
    foreign = await new_client(client, org_b)
    cross = await delegate(client, agents.a.token, foreign.agent_id, ["agents:read"])
    assert_error(cross, 400, "CROSS_TENANT_DELEGATION")
    assert cross.json()["message"] == (
        "Delegatee agent must be in the same organization as the delegator."
    )
    unknown = await delegate(
        client, agents.a.token, "00000000-0000-4000-8000-000000000000", ["agents:read"]
    )
    assert_error(unknown, 404, "AGENT_NOT_FOUND")
    assert_error(
        await delegate(client, agents.a.token, agents.a.agent_id, ["agents:read"]),
        400,
        "VALIDATION_ERROR",
    )
    assert_error(
        await delegate(client, agents.a.token, agents.b.agent_id, []), 400, "VALIDATION_ERROR"
    )


async def test_chains_only_narrow_and_stop_at_the_depth_limit(
    client: AsyncTestClient[Any], agents: Agents
) -> None:
    ab = await created(client, agents.a.token, agents.b.agent_id, ["agents:read", "agents:write"])
    # B extends with its own token: the parent link's scopes count, not B's own.
    bc = await created(
        client, agents.b.token, agents.c.agent_id, ["agents:write"], 86400, parent=ab["id"]
    )
    assert bc["depth"] == 2
    assert bc["expiresAt"] <= ab["expiresAt"]  # asked for a day, capped by the parent
    widen = await delegate(
        client, agents.c.token, agents.d.agent_id, ["agents:read"], parent=bc["id"]
    )
    assert_error(widen, 400, "SCOPE_EXCEEDS_DELEGATOR")
    not_mine = await delegate(
        client, agents.c.token, agents.d.agent_id, ["agents:read"], parent=ab["id"]
    )
    assert_error(not_mine, 400, "DELEGATION_INACTIVE")
    cd = await created(client, agents.c.token, agents.d.agent_id, ["agents:write"], parent=bc["id"])
    assert cd["depth"] == 3
    too_deep = await delegate(
        client, agents.d.token, agents.e.agent_id, ["agents:write"], parent=cd["id"]
    )
    assert_error(too_deep, 400, "DELEGATION_DEPTH_EXCEEDED")


async def test_delegated_tokens_carry_nested_act_and_verify_offline_and_online(
    client: AsyncTestClient[Any], agents: Agents, org_a: Tenant
) -> None:
    ab = await created(client, agents.a.token, agents.b.agent_id, ["agents:read", "agents:write"])
    await created(client, agents.b.token, agents.c.agent_id, ["agents:read"], parent=ab["id"])

    b_token = await delegated_token(client, agents.a.token, agents.b.token)
    c_token = await delegated_token(client, b_token, agents.c.token)

    b_claims = await offline_claims(client, b_token)
    assert b_claims["sub"] == agents.a.agent_id
    assert b_claims["act"] == {"sub": agents.b.agent_id}
    assert b_claims["client_id"] == agents.b.agent_id
    assert b_claims["scope"] == "agents:read agents:write"
    c_claims = await offline_claims(client, c_token)
    assert c_claims["sub"] == agents.a.agent_id
    assert c_claims["act"] == {"sub": agents.c.agent_id, "act": {"sub": agents.b.agent_id}}
    assert c_claims["scope"] == "agents:read"
    assert c_claims["exp"] <= int(ab["delegationToken"].split(".")[2])

    introspected = await client.post(INTROSPECT, data={"token": c_token}, headers=org_a.headers)
    assert introspected.status_code == 200, introspected.text
    assert introspected.json()["active"] is True
    assert introspected.json()["act"] == c_claims["act"]

    # Bearer use: C acts for A with the link's scopes, and the policy sees them.
    as_a = await client.get(f"/api/v1/agents/{agents.a.agent_id}", headers=bearer(c_token))
    assert as_a.status_code == 200, as_a.text
    audit = await client.get("/api/v1/audit", headers=org_a.headers)
    actors = {event["actorId"] for event in audit.json()["data"]}
    assert f"{agents.c.agent_id} for {agents.a.agent_id}" in actors


async def test_exchange_narrows_and_never_widens(
    client: AsyncTestClient[Any], agents: Agents
) -> None:
    await created(client, agents.a.token, agents.b.agent_id, ["agents:read", "agents:write"])

    narrowed = await delegated_token(client, agents.a.token, agents.b.token, "agents:read")
    assert (await offline_claims(client, narrowed))["scope"] == "agents:read"
    widened = await exchange(client, agents.a.token, agents.b.token, "audit:read")
    assert_oauth_error(widened, 400, "invalid_request")
    # No link from B to C, nor from C to A: no token.
    assert_oauth_error(
        await exchange(client, agents.a.token, agents.c.token), 400, "invalid_request"
    )
    assert_oauth_error(
        await exchange(client, agents.c.token, agents.a.token), 400, "invalid_request"
    )
    assert_oauth_error(await exchange(client, "garbage", agents.b.token), 400, "invalid_request")


async def test_revoking_a_link_ends_everything_downstream_at_once(
    client: AsyncTestClient[Any], agents: Agents, org_a: Tenant
) -> None:
    ab = await created(client, agents.a.token, agents.b.agent_id, ["agents:read"])
    bc = await created(client, agents.b.token, agents.c.agent_id, ["agents:read"], parent=ab["id"])
    b_token = await delegated_token(client, agents.a.token, agents.b.token)
    c_token = await delegated_token(client, b_token, agents.c.token)
    target = f"/api/v1/agents/{agents.a.agent_id}"
    assert (await client.get(target, headers=bearer(c_token))).status_code == 200

    # Only the delegator (or an administrator) revokes.
    assert_error(
        await client.delete(f"{DELEGATE}/{ab['id']}", headers=bearer(agents.c.token)),
        403,
        "FORBIDDEN",
    )
    revoked = await client.delete(f"{DELEGATE}/{ab['id']}", headers=bearer(agents.a.token))
    assert revoked.status_code == 204, revoked.text

    for token in (b_token, c_token):
        assert_error(await client.get(target, headers=bearer(token)), 401, "UNAUTHORIZED")
        introspected = await client.post(INTROSPECT, data={"token": token}, headers=org_a.headers)
        assert introspected.json() == {"active": False}
    verified = await client.post(
        VERIFY, json={"delegationToken": bc["delegationToken"]}, headers=bearer(agents.d.token)
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["valid"] is False
    assert verified.json()["revokedAt"] is not None
    assert_oauth_error(
        await exchange(client, agents.a.token, agents.b.token), 400, "invalid_request"
    )
    # Idempotent.
    again = await client.delete(f"{DELEGATE}/{ab['id']}", headers=bearer(agents.a.token))
    assert again.status_code == 204, again.text


async def test_verify_semantics(
    client: AsyncTestClient[Any], agents: Agents, org_b: Tenant
) -> None:
    ab = await created(client, agents.a.token, agents.b.agent_id, ["agents:read"])

    valid = await client.post(
        VERIFY, json={"delegationToken": ab["delegationToken"]}, headers=bearer(agents.e.token)
    )
    assert valid.status_code == 200, valid.text
    assert valid.json() == {
        "valid": True,
        "chainId": ab["id"],
        "delegatorAgentId": agents.a.agent_id,
        "delegateeAgentId": agents.b.agent_id,
        "scopes": ["agents:read"],
        "issuedAt": ab["issuedAt"],
        "expiresAt": ab["expiresAt"],
        "revokedAt": None,
    }
    chain_id, issued, expires = ab["delegationToken"].split(".")
    for unknown in (f"{chain_id}.{issued}.{int(expires) + 1}", ab["delegationToken"]):
        headers = org_b.headers if unknown == ab["delegationToken"] else agents.e.headers
        answer = await client.post(VERIFY, json={"delegationToken": unknown}, headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["valid"] is False
        assert answer.json()["delegatorAgentId"] is None  # another tenant sees nothing
    missing = await client.post(VERIFY, json={}, headers=agents.e.headers)
    assert_error(missing, 400, "VALIDATION_ERROR")
    assert missing.json()["message"] == "The 'delegationToken' field is required."
    assert_error(
        await client.post(VERIFY, json={"delegationToken": "x.y"}, headers=agents.e.headers),
        400,
        "VALIDATION_ERROR",
    )


async def test_revoke_not_found(
    client: AsyncTestClient[Any], agents: Agents, org_b: Tenant
) -> None:
    ab = await created(client, agents.a.token, agents.b.agent_id, ["agents:read"])
    for chain_id, headers in (
        ("00000000-0000-4000-8000-000000000000", agents.a.headers),
        ("not-a-uuid", agents.a.headers),
        (ab["id"], org_b.headers),  # another tenant's chain does not exist for it
    ):
        response = await client.delete(f"{DELEGATE}/{chain_id}", headers=headers)
        assert_error(response, 404, "DELEGATION_NOT_FOUND")
        assert response.json()["message"] == (
            "Delegation chain with the specified ID was not found."
        )


async def test_a2a_disabled_is_404_and_no_exchange() -> None:
    container = build_container(SETTINGS.with_overrides(features=Features(a2a=False)))
    async with AsyncTestClient(app=create_app(container), base_url=PUBLIC_URL) as client:
        tenant = await bootstrap(container, "no-a2a")
        token = await token_for(client, tenant.client_id, tenant.client_secret)
        for method, path in (
            ("POST", DELEGATE),
            ("POST", VERIFY),
            ("DELETE", f"{DELEGATE}/00000000-0000-4000-8000-000000000000"),
        ):
            response = await client.request(method, path, json={}, headers=bearer(token))
            assert_error(response, 404, "NOT_FOUND")
            assert response.json()["message"] == "A2A delegation is not enabled on this instance."
        assert_oauth_error(await exchange(client, token, token), 400, "invalid_request")


async def test_revocation_reaches_another_worker_at_once(tmp_path: Path) -> None:
    """Two apps on one SQLite file (two workers): a revocation through one ends the
    delegated token in the other on its next request (no cache between them)."""
    settings = SETTINGS.with_overrides(
        data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/idp.db"
    )
    first, second = build_container(settings), build_container(settings)
    async with (
        AsyncTestClient(app=create_app(first), base_url=PUBLIC_URL) as one,
        AsyncTestClient(app=create_app(second), base_url=PUBLIC_URL) as two,
    ):
        tenant = await bootstrap(first, "workers")
        admin = Tenant(
            tenant.organization_id,
            tenant.client_id,
            tenant.client_secret,
            await token_for(one, tenant.client_id, tenant.client_secret),
        )
        a = await new_client(one, admin, scopes=["agents:read"])
        b = await new_client(one, admin, scopes=["agents:read"])
        ab = await created(one, a.token, b.agent_id, ["agents:read"])
        b_token = await delegated_token(one, a.token, b.token)
        target = f"/api/v1/agents/{a.agent_id}"
        assert (await two.get(target, headers=bearer(b_token))).status_code == 200

        assert (await one.delete(f"{DELEGATE}/{ab['id']}", headers=a.headers)).status_code == 204

        assert_error(await two.get(target, headers=bearer(b_token)), 401, "UNAUTHORIZED")


async def test_audit_names_both_the_actor_and_the_delegator(
    client: AsyncTestClient[Any], agents: Agents, org_a: Tenant
) -> None:
    """B, acting for A with a delegated ``agents:write``, changes A's own record: allowed
    (A's resource), and the audit event names B acting for A."""
    await created(client, agents.a.token, agents.b.agent_id, ["agents:write"])
    b_token = await delegated_token(client, agents.a.token, agents.b.token)

    changed = await client.patch(
        f"/api/v1/agents/{agents.a.agent_id}", json={"version": "2.0.0"}, headers=bearer(b_token)
    )
    # B's own token cannot do it (B holds only agents:read).
    refused = await client.patch(
        f"/api/v1/agents/{agents.a.agent_id}",
        json={"version": "3.0.0"},
        headers=agents.b.headers,
    )

    assert changed.status_code == 200, changed.text
    assert refused.status_code == 403, refused.text
    audit = await client.get(
        "/api/v1/audit", params={"action": "agent.updated"}, headers=org_a.headers
    )
    assert audit.status_code == 200, audit.text
    actors = [event["actorId"] for event in audit.json()["data"]]
    assert actors == [f"{agents.b.agent_id} for {agents.a.agent_id}"]
    created_events = await client.get(
        "/api/v1/audit", params={"action": "delegation.created"}, headers=org_a.headers
    )
    [event] = created_events.json()["data"]
    assert event["actorId"] == agents.a.agent_id
    assert event["metadata"]["delegateeAgentId"] == agents.b.agent_id


async def test_the_actor_may_revoke_its_delegated_token(
    client: AsyncTestClient[Any], agents: Agents
) -> None:
    """RFC 7009 on a delegated token: its actor may revoke it; a stranger may not."""
    await created(client, agents.a.token, agents.b.agent_id, ["agents:read"])
    b_token = await delegated_token(client, agents.a.token, agents.b.token)
    target = f"/api/v1/agents/{agents.a.agent_id}"

    stranger = await client.post(
        "/api/v1/token/revoke", data={"token": b_token}, headers=agents.c.headers
    )
    assert (await client.get(target, headers=bearer(b_token))).status_code == 200
    revoked = await client.post(
        "/api/v1/token/revoke", data={"token": b_token}, headers=agents.b.headers
    )

    assert stranger.status_code == 403, stranger.text
    assert revoked.status_code == 200, revoked.text
    assert_error(await client.get(target, headers=bearer(b_token)), 401, "UNAUTHORIZED")


async def test_suspending_any_agent_of_the_chain_ends_its_tokens(
    client: AsyncTestClient[Any], agents: Agents, org_a: Tenant
) -> None:
    """B is the middle of A → B → C: suspending B ends C's delegated token (and B's)."""
    ab = await created(client, agents.a.token, agents.b.agent_id, ["agents:read"])
    await created(client, agents.b.token, agents.c.agent_id, ["agents:read"], parent=ab["id"])
    b_token = await delegated_token(client, agents.a.token, agents.b.token)
    c_token = await delegated_token(client, b_token, agents.c.token)
    target = f"/api/v1/agents/{agents.a.agent_id}"
    assert (await client.get(target, headers=bearer(c_token))).status_code == 200

    suspended = await client.post(
        f"/api/v1/agents/{agents.b.agent_id}/suspend", headers=org_a.headers
    )

    assert suspended.status_code == 200, suspended.text
    for token in (b_token, c_token):
        assert_error(await client.get(target, headers=bearer(token)), 401, "UNAUTHORIZED")
