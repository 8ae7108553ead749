"""``agentidp orgs``: the deployment's organizations, as the operator (a platform
administrator) sees them."""

from __future__ import annotations

from typing import Any

import click

from agentidp.application.use_cases.organizations import OrganizationPage
from agentidp.domain.organization import Organization, OrganizationStatus
from agentidp.embedded import AgentIdP

from .. import output, views
from ..session import json_option, run

_TABLE = ("organizationId", "slug", "name", "status", "planTier", "createdAt")


def organization_view(value: Organization) -> dict[str, Any]:
    """An organization with its tier, limit overrides (``None``: the tier's) and times."""
    return {
        **views.organization(value),
        "planTier": value.plan_tier.value,
        "maxAgents": value.max_agents,
        "maxTokensPerMonth": value.max_tokens_per_month,
        "updatedAt": views.instant(value.updated_at),
    }


@click.group()
def orgs() -> None:
    """List and inspect organizations (create them with ``agentidp bootstrap``)."""


@orgs.command("list")
@click.option("--status", type=click.Choice([s.value for s in OrganizationStatus]), default=None)
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@json_option
def list_organizations(status: str | None, page: int, limit: int, as_json: bool) -> None:
    """List organizations, newest first."""

    async def operation(idp: AgentIdP) -> OrganizationPage:
        return await idp.list_organizations(page=page, limit=limit, status=status)

    result = run(operation)
    rows = [organization_view(item) for item in result.items]
    if as_json:
        output.emit_json({"data": rows, "total": result.total, "page": page, "limit": limit})
        return
    output.emit_table(rows, _TABLE)
    click.echo(f"page {page}, {len(rows)} of {result.total} organization(s)")


@orgs.command("show")
@click.argument("slug")
@json_option
def show_organization(slug: str, as_json: bool) -> None:
    """Show one organization (deleted ones too)."""

    async def operation(idp: AgentIdP) -> Organization:
        return await idp.find_organization(slug)

    output.emit(organization_view(run(operation)), as_json)
