"""Discovery, JWKS, agent-info, health and the OpenAPI document."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from agentidp.domain.scopes import KNOWN_SCOPES
from agentidp.entrypoints.container import Container
from agentidp.entrypoints.http.app import app_from_env
from agentidp.entrypoints.http.authorization import authenticated_routes, policy_route
from agentidp.entrypoints.http.rate_limits import EXEMPT_PREFIXES

from .conftest import PUBLIC_URL
from .support import Tenant, agent_body, assert_error, new_client


async def test_discovery_urls_derive_from_the_public_url(client: AsyncTestClient[Any]) -> None:
    """Both well-known documents advertise endpoints under AGENTIDP_PUBLIC_URL."""
    for path in ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"):
        response = await client.get(path, headers={"Host": "evil.example"})

        assert response.status_code == 200
        doc = response.json()
        assert doc["issuer"] == PUBLIC_URL
        assert doc["token_endpoint"] == f"{PUBLIC_URL}/api/v1/token"
        assert doc["jwks_uri"] == f"{PUBLIC_URL}/.well-known/jwks.json"
        assert doc["introspection_endpoint"] == f"{PUBLIC_URL}/api/v1/token/introspect"
        assert doc["revocation_endpoint"] == f"{PUBLIC_URL}/api/v1/token/revoke"
        assert doc["userinfo_endpoint"] == f"{PUBLIC_URL}/agent-info"
        assert doc["grant_types_supported"] == [
            "client_credentials",
            "urn:ietf:params:oauth:grant-type:token-exchange",
        ]
        assert doc["token_endpoint_auth_methods_supported"] == [
            "client_secret_basic", "client_secret_post",
        ]
        assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
        assert doc["scopes_supported"] == list(KNOWN_SCOPES)


async def test_jwks_is_publicly_cacheable_and_verifies_tokens(
    client: AsyncTestClient[Any], org_a: Tenant
) -> None:
    """The JWKS carries Cache-Control public, max-age=3600 and the key that signed our token."""
    response = await client.get("/.well-known/jwks.json")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=3600"
    kid = jwt.get_unverified_header(org_a.token)["kid"]
    jwk = next(key for key in response.json()["keys"] if key["kid"] == kid)
    key = jwt.PyJWK(jwk).key
    claims = jwt.decode(
        org_a.token, key, algorithms=["RS256"], audience=PUBLIC_URL, issuer=PUBLIC_URL
    )
    assert claims["sub"] == org_a.client_id


async def test_agent_info_describes_the_caller(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """GET /agent-info returns sub, agent_type, deployment_env, organization_id and scope."""
    agent = await new_client(client, org_a, agentType="router", deploymentEnv="staging")

    response = await client.get("/agent-info", headers=agent.headers)

    assert response.status_code == 200
    assert response.json() == {
        "sub": agent.agent_id, "agent_type": "router", "deployment_env": "staging",
        "organization_id": org_a.organization_id, "scope": "agents:read",
    }


async def test_agent_info_needs_a_token(client: AsyncTestClient[Any]) -> None:
    """Without a bearer token /agent-info is 401."""
    response = await client.get("/agent-info")

    assert_error(response, 401, "UNAUTHORIZED")


async def test_health_reports_ok(client: AsyncTestClient[Any]) -> None:
    """GET /health is 200 with status, version, integer uptime and the database state."""
    response = await client.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert isinstance(body["uptime"], int)
    assert body["version"]
    assert body["services"] == {"database": "connected"}


async def test_health_is_degraded_when_the_store_fails(
    client: AsyncTestClient[Any], container: Container
) -> None:
    """A store whose ping fails turns /health into 503 degraded."""
    store = container.store()

    async def broken_ping() -> None:
        raise ConnectionError("down")

    original = store.ping
    store.ping = broken_ping
    try:
        response = await client.get("/health")
    finally:
        store.ping = original

    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["services"] == {"database": "disconnected"}


async def test_openapi_document_and_viewer(client: AsyncTestClient[Any]) -> None:
    """The OpenAPI document, Swagger UI and the /api-docs redirect are served."""
    document = await client.get("/schema/openapi.json")
    swagger = await client.get("/schema/swagger")
    redirect = await client.get("/api-docs", follow_redirects=False)

    assert document.status_code == 200
    spec = document.json()
    assert "BearerAuth" in spec["components"]["securitySchemes"]
    assert "/api/v1/token" in spec["paths"]
    responses = spec["paths"]["/api/v1/agents/{agent_id}"]["get"]["responses"]
    assert {"401", "403", "404"} <= set(responses)
    assert swagger.status_code == 200
    assert "swagger" in swagger.text.lower()
    assert redirect.status_code in (301, 302, 307, 308)
    assert redirect.headers["location"].endswith("/schema/swagger")


async def test_openapi_declares_rate_limits_and_policy_refusals(
    client: AsyncTestClient[Any], app: Litestar
) -> None:
    """Every operation the rate limiter sees documents 429 RATE_LIMIT_EXCEEDED (Retry-After,
    X-RateLimit-*) and X-RateLimit-* on success; health documents none; every route behind the
    policy decision point documents its 403 and its fail-closed 503."""
    spec = (await client.get("/schema/openapi.json")).json()
    components = spec["components"]
    rate_headers = {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            _, _, section, name = node["$ref"].split("/")
            node = components[section][name]
        return node

    operations = {
        (method.upper(), path): operation
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "responses" in operation
    }
    for (_, path), operation in operations.items():
        responses = operation["responses"]
        if path.startswith(EXEMPT_PREFIXES):
            assert "429" not in responses, path
            continue
        limited = resolve(responses["429"])
        assert "RATE_LIMIT_EXCEEDED" in limited["description"]
        assert set(limited["headers"]) == {"Retry-After", *rate_headers}
        for header in limited["headers"].values():
            assert resolve(header)["schema"]["type"] == "integer"
        error = resolve(limited["content"]["application/json"]["schema"])
        assert {"code", "message", "details"} <= set(error["properties"])
        for status, response in responses.items():
            if status.startswith("2"):
                assert rate_headers <= set(resolve(response).get("headers", {})), (path, status)

    authorised = {(method, route) for method, route in authenticated_routes(app)}
    documented = {(method, policy_route(path)): op for (method, path), op in operations.items()}
    assert authorised <= set(documented)
    for key in authorised:
        forbidden = documented[key]["responses"]["403"]["description"]
        unavailable = documented[key]["responses"]["503"]["description"]
        for phrase in ("policy decision point", "INSUFFICIENT_SCOPE", "AUTHORIZATION_ERROR"):
            assert phrase in forbidden, key
        for phrase in ("policy decision point", "SERVICE_UNAVAILABLE"):
            assert phrase in unavailable, key


async def test_error_bodies_never_hold_secrets(client: AsyncTestClient[Any], org_a: Tenant) -> None:
    """A refused registration echoes neither the caller's token nor internal detail."""
    response = await client.post(
        "/api/v1/agents", json=agent_body(email=org_a.token), headers=org_a.headers
    )

    assert_error(response, 400, "VALIDATION_ERROR")
    assert org_a.token not in response.text
    assert "Traceback" not in response.text


async def test_app_from_env_reads_agentidp_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The uvicorn factory builds the app from AGENTIDP_* variables (here: memory, docs off)."""
    monkeypatch.setenv("AGENTIDP_DATABASE_URL", "memory://")
    monkeypatch.setenv("AGENTIDP_PUBLIC_URL", "https://env.example.test")
    monkeypatch.setenv("AGENTIDP_DOCS_ENABLED", "false")

    async with AsyncTestClient(app=app_from_env()) as env_client:
        metadata = await env_client.get("/.well-known/openid-configuration")
        docs = await env_client.get("/schema/openapi.json")

    assert metadata.json()["issuer"] == "https://env.example.test"
    assert_error(docs, 404, "NOT_FOUND")
