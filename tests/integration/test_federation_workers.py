"""Two IdP instances ("workers") over one store — the embedded SQLite file, or PostgreSQL:
a partner suspended, re-pointed to another key set, or deleted through one instance refuses
tokens through the other at once, although the other has the partner's keys cached."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from agentidp.application.commands import (
    BootstrapOrganization,
    DeleteFederationPartner,
    RegisterFederationPartner,
    UpdateFederationPartner,
    VerifyFederatedToken,
)
from agentidp.application.errors import (
    FederatedTokenInvalid,
    FederationPartnerSuspended,
    UnknownFederationIssuer,
)
from agentidp.application.principal import Principal
from agentidp.domain.ids import OrganizationId
from agentidp.entrypoints.container import Container, build_container, start, stop
from agentidp.entrypoints.settings import Argon2Parameters, GitHubOidcSettings, Settings
from tests.e2e.partner_idp import PartnerIdp, running_partner
from tests.integration.postgres.database import fresh_database

PUBLIC_URL = "https://idp.example.test"


@dataclass(frozen=True)
class Workers:
    """Two containers over the same store, and an administrator acting through either."""

    first: Container
    second: Container
    admin: Principal


@pytest.fixture
def partner() -> Iterator[PartnerIdp]:
    """A running partner with keys in two key sets."""
    with running_partner(audience=PUBLIC_URL) as idp:
        idp.add_key("main")
        idp.add_key("rotated")
        yield idp


@pytest.fixture(params=["sqlite", "postgres"])
async def workers(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Workers]:
    """Two started containers sharing one SQLite file or one PostgreSQL database."""
    url = (
        f"sqlite:///{tmp_path / 'agentidp.sqlite3'}"
        if request.param == "sqlite"
        else await fresh_database()
    )
    settings = Settings(
        database_url=url,
        public_url=PUBLIC_URL,
        data_dir=tmp_path,
        argon2=Argon2Parameters(1, 1024, 1),
        github_oidc=GitHubOidcSettings(allow_loopback_http=True),
    )
    async with AsyncExitStack() as stack:
        containers = []
        for _ in range(2):
            container = build_container(settings)
            await start(container)
            stack.push_async_callback(stop, container)
            containers.append(container)
        bootstrapped = await containers[0].bootstrap_organization()(
            BootstrapOrganization(slug="platform", name="Platform", admin_email="p@x.example")
        )
        admin = Principal.operator(OrganizationId(bootstrapped.organization.id))
        yield Workers(containers[0], containers[1], admin)


async def verify(container: Container, admin: Principal, token: str) -> str:
    """Verify through ``container``; the subject, or the refusal's code."""
    try:
        identity = await container.verify_federated_token()(VerifyFederatedToken(admin, token))
    except (FederationPartnerSuspended, UnknownFederationIssuer, FederatedTokenInvalid) as exc:
        return exc.code
    return identity.subject


async def test_partner_changes_take_effect_on_every_worker_at_once(
    workers: Workers, partner: PartnerIdp
) -> None:
    """Changes through the first worker refuse tokens through the second immediately."""
    first, second, admin = workers.first, workers.second, workers.admin
    main, rotated = partner.key_sets["main"][0], partner.key_sets["rotated"][0]
    registered = await first.register_federation_partner()(
        RegisterFederationPartner(admin, "Acme", partner.issuer, partner.jwks_uri("main"))
    )
    old_token, new_token = partner.mint(main), partner.mint(rotated)
    assert await verify(second, admin, old_token) == "agent-001-external"  # keys now cached

    async def update(**changes: object) -> None:
        await first.update_federation_partner()(
            UpdateFederationPartner(admin, registered.id, changes)
        )

    await update(status="suspended")
    assert await verify(second, admin, old_token) == "FEDERATION_PARTNER_SUSPENDED"

    await update(status="active", jwks_uri=partner.jwks_uri("rotated"))
    assert await verify(second, admin, old_token) == "FEDERATION_TOKEN_INVALID"
    assert await verify(second, admin, new_token) == "agent-001-external"

    await first.delete_federation_partner()(DeleteFederationPartner(admin, registered.id))
    assert await verify(second, admin, new_token) == "UNKNOWN_FEDERATION_ISSUER"
