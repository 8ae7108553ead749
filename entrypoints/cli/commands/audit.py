"""``agentidp audit``: query and verify the tamper-evident audit log."""

from __future__ import annotations

from datetime import datetime

import click

from agentidp.application.use_cases.audit import AuditChainReport, AuditPage
from agentidp.domain.audit import AuditAction, Outcome
from agentidp.embedded import AgentIdP
from agentidp.tenant import Tenant

from .. import output, views
from ..exit_codes import ExitCode
from ..params import INSTANT
from ..session import json_option, organization_option, run, run_in_organization

_TABLE = ("timestamp", "action", "outcome", "actorId", "agentId", "eventId")


@click.group()
def audit() -> None:
    """Query and verify the audit log."""


@audit.command("verify")
@click.option(
    "--from",
    "from_date",
    type=INSTANT,
    default=None,
    help="Verify events from this instant on (ISO 8601).",
)
@click.option(
    "--to",
    "to_date",
    type=INSTANT,
    default=None,
    help="Verify events up to this instant (ISO 8601).",
)
@click.option(
    "--expect-head",
    "expected_head",
    default=None,
    help="A head hash recorded from an earlier verification; fail if the chain lost it.",
)
@json_option
@click.pass_context
def verify(
    ctx: click.Context,
    from_date: datetime | None,
    to_date: datetime | None,
    expected_head: str | None,
    as_json: bool,
) -> None:
    """Recompute the deployment-wide hash chain. Exit 0 if intact, 1 if broken."""
    if from_date and to_date and from_date > to_date:
        raise click.BadParameter("--from must not be after --to.", param_hint="--from")

    async def operation(idp: AgentIdP) -> AuditChainReport:
        return await idp.verify_audit_chain(from_date, to_date, expected_head)

    result = run(operation)
    if as_json:
        output.emit_json(views.verification(result))
    elif result.verified:
        click.echo(
            f"Audit chain verified: {result.checked_count} event(s) intact; "
            f"head {result.head_hash or '(empty)'}."
        )
    elif result.broken_at is None:
        click.echo(
            f"Audit chain BROKEN: the anchored head is gone ({result.checked_count} event(s) "
            "remain and link correctly, so the newest events were removed)."
        )
    else:
        click.echo(
            f"Audit chain BROKEN at event {result.broken_at} "
            f"({result.checked_count} event(s) before it are intact)."
        )
    ctx.exit(ExitCode.OK if result.verified else ExitCode.CHECK_FAILED)


@audit.command("list")
@organization_option
@click.option("--agent-id", default=None)
@click.option("--action", type=click.Choice([a.value for a in AuditAction]), default=None)
@click.option("--outcome", type=click.Choice([o.value for o in Outcome]), default=None)
@click.option(
    "--from",
    "from_date",
    type=INSTANT,
    default=None,
    help="Events from this instant on (ISO 8601; within the retention window).",
)
@click.option("--to", "to_date", type=INSTANT, default=None, help="Events up to this instant.")
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@json_option
def list_events(
    organization: str,
    agent_id: str | None,
    action: str | None,
    outcome: str | None,
    from_date: datetime | None,
    to_date: datetime | None,
    page: int,
    limit: int,
    as_json: bool,
) -> None:
    """List an organization's audit events, newest first."""

    async def operation(tenant: Tenant) -> AuditPage:
        return await tenant.query_audit(
            agent_id=agent_id,
            action=action,
            outcome=outcome,
            from_date=from_date,
            to_date=to_date,
            page=page,
            limit=limit,
        )

    result = run_in_organization(organization, operation)
    rows = [views.audit_event(event) for event in result.items]
    if as_json:
        output.emit_json({"data": rows, "total": result.total, "page": page, "limit": limit})
        return
    output.emit_table(rows, _TABLE)
    click.echo(f"page {page}, {len(rows)} of {result.total} event(s)")
