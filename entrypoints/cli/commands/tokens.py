"""``agentidp token``: OAuth 2.0 tokens from the command line."""

from __future__ import annotations

from typing import Any

import click

from agentidp.application.use_cases.tokens import IssuedToken
from agentidp.embedded import AgentIdP
from agentidp.tenant import Tenant

from .. import output, views
from ..params import CLIENT_SECRET_VARIABLE, read_client_secret, read_token
from ..session import json_option, organization_option, run, run_in_organization


@click.group()
def token() -> None:
    """Issue, introspect and revoke access tokens."""


@token.command("issue")
@click.option("--client-id", required=True, help="The agent id.")
@click.option(
    "--scope",
    default=None,
    help="Space-delimited scopes to request [default: every scope the agent holds].",
)
@click.option(
    "--client-secret-stdin",
    is_flag=True,
    help=f"Read the client secret from stdin [default: ${CLIENT_SECRET_VARIABLE}].",
)
@json_option
def issue(client_id: str, scope: str | None, client_secret_stdin: bool, as_json: bool) -> None:
    """Client credentials grant: print an access token for an agent.

    The secret is read from stdin or the AGENTIDP_CLIENT_SECRET variable, never from an
    argument (arguments show up in 'ps' and in shell history).
    """
    secret = read_client_secret(client_secret_stdin)

    async def operation(idp: AgentIdP) -> IssuedToken:
        return await idp.issue_token(client_id, secret, scope)

    issued = run(operation)
    if as_json:
        output.emit_json(views.token(issued))
    else:
        click.echo(issued.access_token)


@token.command("introspect")
@organization_option
@click.argument("access_token", metavar="TOKEN", default="-")
@json_option
def introspect(organization: str, access_token: str, as_json: bool) -> None:
    """RFC 7662 introspection within an organization. TOKEN defaults to '-' (read stdin).

    Any token that is invalid, expired, revoked or from another organization is reported
    as inactive.
    """
    value = read_token(access_token)

    async def operation(tenant: Tenant) -> dict[str, Any]:
        return await tenant.introspect(value)

    output.emit(run_in_organization(organization, operation), as_json)


@token.command("revoke")
@organization_option
@click.argument("access_token", metavar="TOKEN", default="-")
def revoke(organization: str, access_token: str) -> None:
    """RFC 7009 revocation within an organization. TOKEN defaults to '-' (read stdin).

    Succeeds silently for unknown, expired or foreign tokens, as the RFC requires.
    """
    value = read_token(access_token)

    async def operation(tenant: Tenant) -> None:
        await tenant.revoke_token(value)

    run_in_organization(organization, operation)
    click.echo("revoked")
