"""The ``agentidp`` command: a click group and the error boundary around every subcommand.

Errors are translated here and only here: an application, domain or configuration error
becomes one ``code: message`` line on stderr and the exit code from :mod:`.exit_codes`. A
traceback is printed only with ``--debug``, because tracebacks can carry values (paths, SQL,
request data) an operator did not mean to paste into a ticket.
"""

from __future__ import annotations

import traceback
from typing import Any

import click

from agentidp import __version__

from .commands import agents, audit, bootstrap, ci, credentials, migrate, orgs, serve, tokens
from .exit_codes import describe, exit_code_for
from .session import CliState


class ErrorBoundaryGroup(click.Group):
    """A group whose invocation turns uncaught exceptions into exit codes (STYLE §7)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise  # click's own: usage errors (2), aborts (1), explicit exits
        except Exception as exc:  # noqa: BLE001 — the CLI's one error boundary; always exits
            state = ctx.find_object(CliState)
            if state is not None and state.debug:
                click.echo(traceback.format_exc(), err=True, nl=False)
            click.echo(describe(exc), err=True)
            ctx.exit(exit_code_for(exc))


@click.group(cls=ErrorBoundaryGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Print tracebacks for errors.")
@click.version_option(__version__, prog_name="agentidp")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """AgentIdP: identity provider for AI agents.

    Commands act on the deployment configured by AGENTIDP_* environment variables (by
    default the embedded SQLite store in ./.agentidp). See docs/cli.md.
    """
    ctx.obj = CliState(debug=debug)


for command in (
    serve.serve,
    migrate.migrate,
    bootstrap.bootstrap,
    agents.agents,
    credentials.credentials,
    tokens.token,
    audit.audit,
    orgs.orgs,
    ci.ci,
):
    cli.add_command(command)


def main() -> None:
    """Console-script entry point (``agentidp``)."""
    cli(prog_name="agentidp")
