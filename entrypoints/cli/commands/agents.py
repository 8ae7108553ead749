"""``agentidp agents``: the agent registry of one organization, as its operator."""

from __future__ import annotations

import json
from typing import Any

import click

from agentidp.application.use_cases.agents import AgentPage
from agentidp.domain.agent import Agent, AgentStatus, AgentType, DeploymentEnv
from agentidp.tenant import Tenant

from .. import output, views
from ..session import json_option, organization_option, run_in_organization

_TABLE = ("agentId", "email", "agentType", "status", "owner", "deploymentEnv", "scopes")


@click.group()
def agents() -> None:
    """Register, inspect and manage agents."""


def _emit_agent(agent: Agent, as_json: bool) -> None:
    output.emit(views.agent(agent), as_json)


def _scopes(values: tuple[str, ...]) -> list[str]:
    """``--scope a --scope "b c"`` → ``["a", "b", "c"]``."""
    return [scope for value in values for scope in value.split()]


def _metadata(raw: str | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not valid JSON: {exc.msg}", param_hint="--metadata") from None
    if not isinstance(value, dict):
        raise click.BadParameter("must be a JSON object", param_hint="--metadata")
    return value


_types = click.Choice([t.value for t in AgentType])
_envs = click.Choice([e.value for e in DeploymentEnv])


@agents.command("list")
@organization_option
@click.option("--status", type=click.Choice([s.value for s in AgentStatus]), default=None)
@click.option("--owner", default=None)
@click.option("--type", "agent_type", type=_types, default=None)
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@json_option
def list_agents(
    organization: str,
    status: str | None,
    owner: str | None,
    agent_type: str | None,
    page: int,
    limit: int,
    as_json: bool,
) -> None:
    """List the organization's agents, newest first."""

    async def operation(tenant: Tenant) -> AgentPage:
        return await tenant.list_agents(
            page=page, limit=limit, status=status, owner=owner, agent_type=agent_type
        )

    result = run_in_organization(organization, operation)
    rows = [views.agent(agent) for agent in result.items]
    if as_json:
        output.emit_json({"data": rows, "total": result.total, "page": page, "limit": limit})
        return
    output.emit_table(rows, _TABLE)
    click.echo(f"page {page}, {len(rows)} of {result.total} agent(s)")


@agents.command("get")
@organization_option
@click.argument("agent_id")
@json_option
def get_agent(organization: str, agent_id: str, as_json: bool) -> None:
    """Show one agent."""

    async def operation(tenant: Tenant) -> Agent:
        return await tenant.get_agent(agent_id)

    _emit_agent(run_in_organization(organization, operation), as_json)


@agents.command("register")
@organization_option
@click.option("--email", required=True, help="Unique across the deployment.")
@click.option("--owner", required=True, help="Team or person responsible for the agent.")
@click.option("--type", "agent_type", type=_types, default="custom", show_default=True)
@click.option("--version", "version", default="1.0.0", show_default=True, help="Semantic version.")
@click.option("--env", "deployment_env", type=_envs, default="development", show_default=True)
@click.option("--capability", "capabilities", multiple=True, help="resource:action (repeatable).")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    help="OAuth scope the agent may request (repeatable) [default: agents:read].",
)
@click.option("--metadata", default=None, help="JSON object of free-form metadata.")
@json_option
def register_agent(
    organization: str,
    email: str,
    owner: str,
    agent_type: str,
    version: str,
    deployment_env: str,
    capabilities: tuple[str, ...],
    scopes: tuple[str, ...],
    metadata: str | None,
    as_json: bool,
) -> None:
    """Register a new agent. Its agent id is its OAuth client id."""
    extra = _metadata(metadata)

    async def operation(tenant: Tenant) -> Agent:
        return await tenant.register_agent(
            email=email,
            owner=owner,
            agent_type=agent_type,
            version=version,
            capabilities=capabilities,
            deployment_env=deployment_env,
            scopes=_scopes(scopes) or None,
            metadata=extra,
        )

    _emit_agent(run_in_organization(organization, operation), as_json)


@agents.command("update")
@organization_option
@click.argument("agent_id")
@click.option("--owner", default=None)
@click.option("--type", "agent_type", type=_types, default=None)
@click.option("--version", "version", default=None)
@click.option("--env", "deployment_env", type=_envs, default=None)
@click.option(
    "--capability", "capabilities", multiple=True, help="Replaces the capability list (repeatable)."
)
@click.option("--scope", "scopes", multiple=True, help="Replaces the granted scopes (repeatable).")
@click.option("--metadata", default=None, help="Replaces the metadata (JSON object).")
@json_option
def update_agent(
    organization: str,
    agent_id: str,
    owner: str | None,
    agent_type: str | None,
    version: str | None,
    deployment_env: str | None,
    capabilities: tuple[str, ...],
    scopes: tuple[str, ...],
    metadata: str | None,
    as_json: bool,
) -> None:
    """Change an agent's mutable fields; only the options given are changed."""
    changes: dict[str, Any] = {
        name: value
        for name, value in (
            ("owner", owner),
            ("agent_type", agent_type),
            ("version", version),
            ("deployment_env", deployment_env),
            ("capabilities", list(capabilities) or None),
            ("scopes", _scopes(scopes) or None),
            ("metadata", _metadata(metadata)),
        )
        if value is not None
    }
    if not changes:
        raise click.UsageError("Nothing to change: give at least one option.")

    async def operation(tenant: Tenant) -> Agent:
        return await tenant.update_agent(agent_id, **changes)

    _emit_agent(run_in_organization(organization, operation), as_json)


@agents.command("suspend")
@organization_option
@click.argument("agent_id")
@json_option
def suspend_agent(organization: str, agent_id: str, as_json: bool) -> None:
    """Suspend an agent: its tokens stop working and it gets no new ones."""

    async def operation(tenant: Tenant) -> Agent:
        return await tenant.suspend_agent(agent_id)

    _emit_agent(run_in_organization(organization, operation), as_json)


@agents.command("reactivate")
@organization_option
@click.argument("agent_id")
@json_option
def reactivate_agent(organization: str, agent_id: str, as_json: bool) -> None:
    """Reactivate a suspended agent."""

    async def operation(tenant: Tenant) -> Agent:
        return await tenant.reactivate_agent(agent_id)

    _emit_agent(run_in_organization(organization, operation), as_json)


@agents.command("decommission")
@organization_option
@click.argument("agent_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
def decommission_agent(organization: str, agent_id: str, yes: bool, as_json: bool) -> None:
    """Decommission an agent for good and revoke all its credentials (cannot be undone)."""
    if not yes:
        click.confirm(f"Decommission agent {agent_id} permanently?", abort=True, err=True)

    async def operation(tenant: Tenant) -> Agent:
        return await tenant.decommission_agent(agent_id)

    _emit_agent(run_in_organization(organization, operation), as_json)
