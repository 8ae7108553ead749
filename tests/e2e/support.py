"""Helpers of the HTTP end-to-end tests: tenants, tokens and request builders."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from typing import Any

from httpx import Response
from litestar.testing import AsyncTestClient

from agentidp.application.commands import BootstrapOrganization
from agentidp.entrypoints.container import Container

TOKEN_URL = "/api/v1/token"
FORM = {"content-type": "application/x-www-form-urlencoded"}


@dataclass(frozen=True, slots=True)
class Tenant:
    """A bootstrapped organization and its administrator's client credentials."""

    organization_id: str
    client_id: str
    client_secret: str
    token: str = ""

    @property
    def headers(self) -> dict[str, str]:
        """``Authorization: Bearer`` with the administrator's token."""
        return bearer(self.token)


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for ``token``."""
    return {"Authorization": f"Bearer {token}"}


def basic(client_id: str, secret: str) -> dict[str, str]:
    """RFC 6749 §2.3.1 Basic credentials (each half form-urlencoded, then base64)."""
    raw = f"{client_id}:{secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def unique_email(prefix: str = "agent") -> str:
    """An email no other test uses (emails are unique across the deployment)."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}@agents.example"


def agent_body(**overrides: Any) -> dict[str, Any]:
    """A valid registration body; keyword arguments replace fields."""
    body: dict[str, Any] = {
        "email": unique_email(),
        "agentType": "classifier",
        "version": "1.0.0",
        "capabilities": ["documents:read"],
        "owner": "team-ml",
        "deploymentEnv": "production",
    }
    body.update(overrides)
    return body


async def bootstrap(container: Container, slug: str, *, platform_admin: bool = False) -> Tenant:
    """Create an organization and its administrator through the operator use case
    (``platform_admin``: the administrator also holds the operator-only ``admin:platform``)."""
    use_case = container.bootstrap_organization()
    result = await use_case(
        BootstrapOrganization(
            slug=slug,
            name=slug.upper(),
            admin_email=unique_email(slug),
            platform_admin=platform_admin,
        )
    )
    return Tenant(result.organization.id, result.admin.id, result.client_secret)


async def platform_admin(client: AsyncTestClient[Any], container: Container, slug: str) -> Tenant:
    """A bootstrapped platform administrator (``admin:platform``) with a token."""
    tenant = await bootstrap(container, slug, platform_admin=True)
    token = await token_for(client, tenant.client_id, tenant.client_secret)
    return Tenant(tenant.organization_id, tenant.client_id, tenant.client_secret, token)


async def request_token(
    client: AsyncTestClient[Any], client_id: str, secret: str, scope: str | None = None
) -> Response:
    """POST the client credentials grant with HTTP Basic authentication."""
    form = {"grant_type": "client_credentials"}
    if scope is not None:
        form["scope"] = scope
    return await client.post(TOKEN_URL, data=form, headers=basic(client_id, secret))


async def token_for(
    client: AsyncTestClient[Any], client_id: str, secret: str, scope: str | None = None
) -> str:
    """An access token for the client (asserting the grant succeeds)."""
    response = await request_token(client, client_id, secret, scope)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@dataclass(frozen=True, slots=True)
class Client:
    """A registered agent with a credential: ids, secret and a token."""

    agent_id: str
    credential_id: str
    secret: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """``Authorization: Bearer`` with this agent's token."""
        return bearer(self.token)


async def new_client(
    client: AsyncTestClient[Any], admin: Tenant, scopes: list[str] | None = None, **fields: Any
) -> Client:
    """Register an agent in ``admin``'s organization, give it a secret and a token."""
    body = agent_body(scopes=scopes or ["agents:read"], **fields)
    created = await client.post("/api/v1/agents", json=body, headers=admin.headers)
    assert created.status_code == 201, created.text
    agent_id = created.json()["agentId"]
    issued = await client.post(f"/api/v1/agents/{agent_id}/credentials", headers=admin.headers)
    assert issued.status_code == 201, issued.text
    secret = issued.json()["clientSecret"]
    token = await token_for(client, agent_id, secret)
    return Client(agent_id, issued.json()["credentialId"], secret, token)


def assert_error(response: Response, status: int, code: str) -> dict[str, Any]:
    """Assert the ``{code, message, details}`` envelope; return its details."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "details"}, body
    assert body["code"] == code, body
    assert isinstance(body["message"], str)
    assert body["message"]
    return dict(body["details"])


def assert_oauth_error(response: Response, status: int, error: str) -> dict[str, Any]:
    """Assert an RFC 6749 §5.2 error body; return it."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error, body
    assert isinstance(body["error_description"], str)
    return dict(body)
