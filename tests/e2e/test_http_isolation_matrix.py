"""Tenant isolation as a property of the whole API: every route, B's token, A's resources.

The routes come from the app's own route table (tests/e2e/isolation_support.py), so a route
added later is attacked without editing this file. For each one, organization B's
administrator (every tenant scope) calls it aimed at organization A: A's ids in the path,
in the query parameters that name resources, and in every id-like field of a body synthesised
from the route's OpenAPI schema. Whatever the route:

- a route addressing a resource by path answers 403 or 404, never a success and never a 5xx;
  a route under another organization's agent answers exactly 403 AUTHORIZATION_ERROR on every
  backend (DECISIONS.md), row-level security notwithstanding;
- a route without path parameters (listings, creation, the OAuth token actions) may succeed
  for B's own data, but never with a 5xx;
- no response reveals anything of A that B never sent (ids, emails, secrets, tokens);
- nothing of A changed: agents, credentials, organization, members, audit events, A's token
  (B's request may add a denial event to B's own audit trail), and no organization appeared.

It runs on the embedded SQLite store and on PostgreSQL + Redis, the latter connected as an
ordinary role so that row-level security is in force.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from litestar.testing import AsyncTestClient

from agentidp.application.ports import tenant_context
from agentidp.application.ports.tenant_context import ALL_TENANTS
from agentidp.entrypoints.container import Container, build_container, start, stop
from agentidp.entrypoints.http.app import create_app
from agentidp.entrypoints.settings import Settings
from tests.contract.redis_backends import RedisServer, redis_unavailable
from tests.integration.postgres.tenant_role import TenantRoleDatabase

from .conftest import PUBLIC_URL, SETTINGS
from .isolation_support import RequestBuilder, Route, Victim, snapshot, tenant_routes
from .support import Tenant, bootstrap, new_client, token_for

#: One xdist worker runs the whole module, so each backend's world is set up once.
pytestmark = pytest.mark.xdist_group("isolation-matrix")
#: Every async test shares the module's event loop with the module-scoped :func:`world`.
IN_MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")

#: Read from a memory-backed app at collection time (building an app connects nothing).
ROUTES = tenant_routes(create_app(build_container(SETTINGS)))
INTROSPECT = "/api/v1/token/introspect"


@dataclass(frozen=True)
class World:
    """One running app with organizations A (the victim) and B (the attacker)."""

    container: Container
    client: AsyncTestClient[Any]
    builder: RequestBuilder
    victim: Victim
    a: Tenant
    b: Tenant


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def settings(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """The embedded SQLite store, or PostgreSQL as an ordinary role plus a private Redis."""
    data_dir = tmp_path_factory.mktemp(f"matrix-{request.param}")
    if request.param == "sqlite":
        yield SETTINGS.with_overrides(
            data_dir=data_dir, database_url=f"sqlite:///{data_dir}/idp.db"
        )
        return
    database = TenantRoleDatabase("matrix")
    database.create()
    redis = RedisServer(data_dir)
    try:
        redis.start()
    except RuntimeError as exc:
        database.drop()
        redis_unavailable(str(exc))
    try:
        yield SETTINGS.with_overrides(
            data_dir=data_dir, database_url=database.url, redis_url=redis.url
        )
    finally:
        redis.stop()
        database.drop()


async def _tenant(client: AsyncTestClient[Any], container: Container, slug: str) -> Tenant:
    with tenant_context.scope(ALL_TENANTS):  # the operator bootstraps (CLI/library path)
        tenant = await bootstrap(container, slug)
    token = await token_for(client, tenant.client_id, tenant.client_secret)
    return Tenant(tenant.organization_id, tenant.client_id, tenant.client_secret, token)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(settings: Settings) -> AsyncIterator[World]:
    """A and B bootstrapped; A has an agent with a credential, a second (hidden) agent, and
    an audit trail.

    The app runs on the test client's own event loop, so the operator's view (bootstrap,
    snapshots) is a second container on the same store, as another process would be.
    """
    operator = build_container(settings)
    await start(operator)
    app = create_app(build_container(settings))
    async with AsyncTestClient(app=app, base_url=PUBLIC_URL) as client:
        a = await _tenant(client, operator, "matrix-a")
        b = await _tenant(client, operator, "matrix-b")
        target = await new_client(client, a, scopes=["agents:read"])
        hidden = await new_client(client, a, scopes=["agents:read"])
        listed = await client.get("/api/v1/agents", headers=a.headers)
        delegated = await client.post(
            "/api/v1/oauth2/token/delegate",
            json={
                "delegateeAgentId": target.agent_id,
                "scopes": ["agents:read"],
                "ttlSeconds": 3600,
            },
            headers=a.headers,
        )
        assert delegated.status_code == 201, delegated.text
        trusted = await client.post(
            "/api/v1/oidc/trust-policies",
            json={"provider": "github", "repository": "matrix-a/deploy",
                  "repositoryOwnerId": "1", "repositoryId": "2", "agentId": target.agent_id},
            headers=a.headers,
        )
        assert trusted.status_code == 201, trusted.text
        events = await client.get("/api/v1/audit", headers=a.headers)
        assert listed.status_code == events.status_code == 200, (listed.text, events.text)
        victim = Victim(
            organization_id=a.organization_id,
            agent_id=target.agent_id,
            credential_id=target.credential_id,
            event_id=events.json()["data"][0]["eventId"],
            token=target.token,
            chain_id=delegated.json()["id"],
            policy_id=trusted.json()["id"],
            hidden=(
                a.client_id,
                a.client_secret,
                a.token,
                hidden.agent_id,
                hidden.credential_id,
                hidden.secret,
                hidden.token,
                target.secret,
                *(agent["email"] for agent in listed.json()["data"]),
            ),
        )
        try:
            yield World(operator, client, RequestBuilder(app, victim), victim, a, b)
        finally:
            await stop(operator)


def test_the_matrix_covers_the_api() -> None:
    """The route table really was read (a broken reader would make every case vacuous)."""
    covered = {str(route) for route in ROUTES}
    assert "GET /api/v1/agents/{agent_id}" in covered
    assert f"POST {INTROSPECT}" in covered
    assert "POST /api/v1/token" not in covered
    assert not any(route.startswith(("GET /health", "GET /.well-known")) for route in covered)


async def _a_token_is_active(world: World) -> bool:
    response = await world.client.post(
        INTROSPECT, data={"token": world.victim.token}, headers=world.a.headers
    )
    assert response.status_code == 200, response.text
    return bool(response.json()["active"])


#: Routes addressing one agent: DECISIONS.md fixes their cross-tenant answer to 403.
AGENT_ROUTES = "/api/v1/agents/{agent_id}"


@IN_MODULE_LOOP
@pytest.mark.parametrize("route", ROUTES, ids=str)
async def test_b_cannot_read_change_or_detect_a(world: World, route: Route) -> None:
    """B's administrator, aimed at A through ``route``: refused or blind, and A unchanged."""
    path = route.path
    for name in route.parameters:
        path = path.replace("{" + name + "}", world.victim.resolve(name))
    request: dict[str, Any] = {"params": world.builder.query(route), "headers": world.b.headers}
    body = world.builder.body(route)
    if body is not None:
        request[body[0]] = body[1]
    before = await snapshot(world.container, world.victim)

    response = await world.client.request(route.method, path, **request)

    after = await snapshot(world.container, world.victim)
    assert response.status_code < 500, response.text
    if route.parameters:
        assert response.status_code in (403, 404), response.text
    if route.path.startswith(AGENT_ROUTES):
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "AUTHORIZATION_ERROR"
    assert world.victim.leaks(response.text) == []
    assert after == before
    assert await _a_token_is_active(world)


@IN_MODULE_LOOP
async def test_tenant_admin_cannot_reach_platform_administration(world: World) -> None:
    """B's administrator holds every tenant scope but not ``admin:platform``: creating an
    organization is refused and creates nothing. (The matrix allows a route without path
    parameters to succeed for B's own data, so this platform route is checked here; the
    platform routes that take A's ``orgId`` are in the matrix.)"""
    before = await snapshot(world.container, world.victim)
    slug = f"rogue-{world.b.organization_id[:8]}"

    created = await world.client.post(
        "/api/v1/organizations", json={"name": "Rogue", "slug": slug}, headers=world.b.headers
    )

    assert created.status_code == 403, created.text
    assert await snapshot(world.container, world.victim) == before


def test_unresolvable_path_parameter_fails_loudly() -> None:
    """A route whose parameter the resolver does not know fails the matrix, never skips."""
    victim = Victim("o", "a", "c", "e", "t", ())
    with pytest.raises(pytest.fail.Exception, match=r"teach Victim\.resolve"):
        victim.resolve("widgetId")
