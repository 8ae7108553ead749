"""Parameter types and secret input shared by the commands."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from typing import Any, Final

import click

#: Where ``token issue`` looks for the client secret when it is not piped on stdin.
CLIENT_SECRET_VARIABLE: Final = "AGENTIDP_CLIENT_SECRET"


class Instant(click.ParamType[datetime, Any]):
    """An ISO 8601 date or date-time (``2025-01-31``, ``2025-01-31T09:30:00Z``); UTC if no
    offset is given."""

    name = "instant"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 date or date-time.", param, ctx)
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


INSTANT: Final = Instant()


def read_client_secret(from_stdin: bool) -> str:
    """The client secret from stdin (``--client-secret-stdin``) or ``AGENTIDP_CLIENT_SECRET``.

    SECURITY: there is deliberately no ``--client-secret VALUE`` option. Command-line
    arguments are visible to every local user in ``ps``/``/proc/<pid>/cmdline`` and are kept in
    shell history; stdin and the environment of one's own process are not.

    NOTE: this is the one read of ``os.environ`` outside ``settings.py``: the secret is a
    per-invocation credential of one agent, not deployment configuration, so it does not belong
    in the process-wide ``Settings`` object that every component receives.

    Raises:
        click.UsageError: no secret was provided.
    """
    if from_stdin and sys.stdin.isatty():
        secret = click.prompt("Client secret", hide_input=True, err=True)
    elif from_stdin:
        secret = sys.stdin.readline().strip()
    else:
        secret = os.environ.get(CLIENT_SECRET_VARIABLE, "").strip()
    if not secret:
        raise click.UsageError(
            "No client secret: pipe it on stdin with --client-secret-stdin, or set "
            f"{CLIENT_SECRET_VARIABLE}. (It is never accepted as an argument: arguments are "
            "visible in 'ps' and shell history.)"
        )
    return secret


def read_token(argument: str) -> str:
    """An access token given as an argument, or ``-`` to read it from stdin (keeps the bearer
    token out of ``ps`` and shell history).

    Raises:
        click.UsageError: stdin was empty.
    """
    if argument != "-":
        return argument
    value = sys.stdin.readline().strip()
    if not value:
        raise click.UsageError("Expected an access token on stdin.")
    return value
