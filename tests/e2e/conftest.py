"""Fixtures of the HTTP end-to-end tests: a memory-backed app per test and two tenants."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from agentidp.entrypoints.container import Container, build_container
from agentidp.entrypoints.http.app import create_app
from agentidp.entrypoints.settings import Argon2Parameters, Settings

from .support import Tenant, bootstrap, token_for

PUBLIC_URL = "https://idp.example.test"
#: Cheapest argon2: these tests exercise the API, not the hash's cost.
SETTINGS = Settings(
    database_url="memory://", public_url=PUBLIC_URL, argon2=Argon2Parameters(1, 1024, 1)
)


@pytest.fixture
def container() -> Container:
    """A fresh memory-backed container (resources are opened by the app lifespan)."""
    return build_container(SETTINGS)


@pytest.fixture
def app(container: Container) -> Litestar:
    """The HTTP application over :func:`container`."""
    return create_app(container)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Any]]:
    """A test client with the app's lifespan running."""
    async with AsyncTestClient(app=app, base_url=PUBLIC_URL) as test_client:
        yield test_client


@pytest.fixture
async def org_a(client: AsyncTestClient[Any], container: Container) -> Tenant:
    """Organization A with an administrator token (every scope)."""
    tenant = await bootstrap(container, "org-a")
    token = await token_for(client, tenant.client_id, tenant.client_secret)
    return Tenant(tenant.organization_id, tenant.client_id, tenant.client_secret, token)


@pytest.fixture
async def org_b(client: AsyncTestClient[Any], container: Container) -> Tenant:
    """Organization B with an administrator token (every scope)."""
    tenant = await bootstrap(container, "org-b")
    token = await token_for(client, tenant.client_id, tenant.client_secret)
    return Tenant(tenant.organization_id, tenant.client_id, tenant.client_secret, token)
