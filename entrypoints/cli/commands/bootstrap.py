"""``agentidp bootstrap``: create an organization and its first administrator agent."""

from __future__ import annotations

import click

from agentidp.application.use_cases.organizations import Bootstrapped
from agentidp.embedded import AgentIdP

from .. import output
from ..session import json_option, run

SHOWN_ONCE_WARNING = (
    "The client secret is shown only this once and is stored only as a hash. "
    "Store it in a secret manager now; if it is lost, generate a new credential."
)


@click.command()
@click.option(
    "--organization",
    "-o",
    "slug",
    required=True,
    metavar="SLUG",
    help="Organization slug (created if it does not exist yet).",
)
@click.option("--name", default=None, help="Display name of a new organization [default: SLUG].")
@click.option("--admin-email", required=True, help="Email of the administrator agent.")
@click.option(
    "--admin-owner",
    default="bootstrap",
    show_default=True,
    help="Recorded as the administrator agent's owner.",
)
@click.option(
    "--platform-admin",
    is_flag=True,
    help="Also grant admin:platform: the agent manages every organization through the API "
    "(only the operator can grant this scope).",
)
@json_option
def bootstrap(
    slug: str,
    name: str | None,
    admin_email: str,
    admin_owner: str,
    platform_admin: bool,
    as_json: bool,
) -> None:
    """Create an organization (if new) and its administrator agent: an ``admin`` member
    holding every scope an API caller may hold (plus admin:platform with --platform-admin).

    Prints the organization id, the administrator's client id (its agent id) and its client
    secret. The secret is shown once.
    """

    async def operation(idp: AgentIdP) -> Bootstrapped:
        return await idp.bootstrap(
            slug, name, admin_email, admin_owner=admin_owner, platform_admin=platform_admin
        )

    result = run(operation)
    record = {
        "organizationId": result.organization.id,
        "organizationSlug": result.organization.slug,
        "organizationCreated": result.organization_created,
        "clientId": result.admin.id,
        "clientSecret": result.client_secret,
        "credentialId": result.credential.id,
        "scope": " ".join(sorted(result.admin.scopes)),
        "role": None if result.membership is None else result.membership.role.value,
        "platformAdmin": platform_admin,
    }
    output.emit(record, as_json)
    output.warn(SHOWN_ONCE_WARNING)
