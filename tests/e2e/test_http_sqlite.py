"""The HTTP API over the embedded SQLite store (the default deployment), end to end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from agentidp.entrypoints.container import Container, build_container
from agentidp.entrypoints.http.app import create_app

from .conftest import SETTINGS
from .support import Tenant, agent_body, bootstrap, new_client, request_token, token_for


@pytest.fixture
def sqlite_container(tmp_path: Path) -> Container:
    """A container on a fresh SQLite file in ``tmp_path``."""
    return build_container(
        SETTINGS.with_overrides(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/idp.db")
    )


@pytest.fixture
async def sqlite_client(sqlite_container: Container) -> AsyncIterator[AsyncTestClient[Any]]:
    """A test client over the SQLite-backed app."""
    async with AsyncTestClient(app=create_app(sqlite_container)) as test_client:
        yield test_client


async def test_full_flow_on_sqlite(
    sqlite_client: AsyncTestClient[Any], sqlite_container: Container
) -> None:
    """Token, registration, credentials, revocation, audit and health all work on SQLite."""
    tenant = await bootstrap(sqlite_container, "sqlite-org")
    admin = Tenant(tenant.organization_id, tenant.client_id, tenant.client_secret,
                   await token_for(sqlite_client, tenant.client_id, tenant.client_secret))

    agent = await new_client(sqlite_client, admin)
    registered = await sqlite_client.post("/api/v1/agents", json=agent_body(),
                                          headers=admin.headers)
    revoked = await sqlite_client.post("/api/v1/token/revoke", data={"token": agent.token},
                                       headers=admin.headers)
    after = await sqlite_client.get("/api/v1/agents", headers=agent.headers)
    verify = await sqlite_client.get("/api/v1/audit/verify", headers=admin.headers)
    health = await sqlite_client.get("/health")
    wrong = await request_token(sqlite_client, agent.agent_id, "sk_live_" + "2" * 64)

    assert registered.status_code == 201
    assert revoked.status_code == 200
    assert after.status_code == 401
    assert verify.json()["verified"] is True
    assert verify.json()["checkedCount"] >= 8
    assert health.json()["services"] == {"database": "connected"}
    assert wrong.status_code == 401
