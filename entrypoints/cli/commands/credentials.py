"""``agentidp credentials``: client secrets of an agent, as the organization's operator."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import click

from agentidp.application.use_cases.credentials import CredentialView, IssuedSecret
from agentidp.domain.credential import CredentialStatus
from agentidp.tenant import Tenant

from .. import output, views
from ..params import INSTANT
from ..session import json_option, organization_option, run_in_organization
from .bootstrap import SHOWN_ONCE_WARNING

_TABLE = ("credentialId", "status", "createdAt", "expiresAt", "rotatedAt", "revokedAt")

_expires_option = click.option(
    "--expires-at",
    type=INSTANT,
    default=None,
    help="Expiry as ISO 8601 (UTC if no offset) [default: never].",
)


@click.group()
def credentials() -> None:
    """Generate, list, rotate and revoke agents' client secrets."""


def _emit_secret(issued: IssuedSecret, as_json: bool) -> None:
    output.emit(views.issued_secret(issued), as_json)
    output.warn(SHOWN_ONCE_WARNING)


@credentials.command("generate")
@organization_option
@click.argument("agent_id")
@_expires_option
@json_option
def generate(organization: str, agent_id: str, expires_at: datetime | None, as_json: bool) -> None:
    """Create a new client secret for an agent (printed once)."""

    async def operation(tenant: Tenant) -> IssuedSecret:
        return await tenant.generate_credential(agent_id, expires_at=expires_at)

    _emit_secret(run_in_organization(organization, operation), as_json)


@credentials.command("list")
@organization_option
@click.argument("agent_id")
@click.option("--status", type=click.Choice([s.value for s in CredentialStatus]), default=None)
@json_option
def list_credentials(organization: str, agent_id: str, status: str | None, as_json: bool) -> None:
    """List an agent's credentials (metadata only; secrets are never shown again)."""

    async def operation(tenant: Tenant) -> Sequence[CredentialView]:
        return await tenant.list_credentials(agent_id, status=status)

    rows = [views.credential(c) for c in run_in_organization(organization, operation)]
    if as_json:
        output.emit_json({"data": rows})
    else:
        output.emit_table(rows, _TABLE)


@credentials.command("rotate")
@organization_option
@click.argument("agent_id")
@click.argument("credential_id")
@_expires_option
@json_option
def rotate(
    organization: str, agent_id: str, credential_id: str, expires_at: datetime | None, as_json: bool
) -> None:
    """Replace a credential's secret (printed once); the old secret stops working at once."""

    async def operation(tenant: Tenant) -> IssuedSecret:
        return await tenant.rotate_credential(agent_id, credential_id, expires_at=expires_at)

    _emit_secret(run_in_organization(organization, operation), as_json)


@credentials.command("revoke")
@organization_option
@click.argument("agent_id")
@click.argument("credential_id")
@json_option
def revoke(organization: str, agent_id: str, credential_id: str, as_json: bool) -> None:
    """Revoke a credential for good."""

    async def operation(tenant: Tenant) -> CredentialView:
        return await tenant.revoke_credential(agent_id, credential_id)

    output.emit(views.credential(run_in_organization(organization, operation)), as_json)
