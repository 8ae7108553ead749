"""Per-invocation state and the one way a command runs against the deployment.

A command never touches the container itself: it hands a coroutine function to :func:`run`,
which reads the settings once (``Settings.from_env()``), opens the deployment (init resources,
migrations, keys), awaits the operation and closes everything again, inside one
``asyncio.run``. The embedded-library facade does the opening, so the CLI and embedding
programs share one code path to the use cases.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import click

from agentidp.application.commands import Origin
from agentidp.embedded import AgentIdP
from agentidp.entrypoints.settings import Settings
from agentidp.tenant import Tenant

T = TypeVar("T")

#: How CLI calls appear in the audit trail (``userAgent``).
CLI_ORIGIN = Origin(ip_address=None, user_agent="agentidp-cli")


@dataclass(slots=True)
class CliState:
    """Options of the top-level ``agentidp`` group, shared with every subcommand."""

    debug: bool = False


def settings() -> Settings:
    """The deployment's settings from ``AGENTIDP_*`` variables.

    Raises:
        ConfigurationError: a variable is malformed (the CLI exits with status 2).
    """
    return Settings.from_env()


def run(operation: Callable[[AgentIdP], Awaitable[T]]) -> T:
    """Open the configured deployment, await ``operation(idp)``, close it, return the result."""

    async def main() -> T:
        async with AgentIdP.from_settings(settings(), origin=CLI_ORIGIN) as idp:
            return await operation(idp)

    return asyncio.run(main())


def run_in_organization(slug: str, operation: Callable[[Tenant], Awaitable[T]]) -> T:
    """Like :func:`run`, acting as the operator of the organization with ``slug``.

    Raises:
        OrganizationNotFound: no organization has this slug.
    """

    async def in_tenant(idp: AgentIdP) -> T:
        return await operation(await idp.organization(slug))

    return run(in_tenant)


#: ``--organization SLUG``: every tenant-scoped command takes it.
organization_option = click.option(
    "--organization",
    "-o",
    "organization",
    required=True,
    metavar="SLUG",
    help="Slug of the organization to act in (as its operator, with every scope).",
)

#: ``--json``: machine-readable output on stdout.
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print JSON instead of a human-readable table."
)
