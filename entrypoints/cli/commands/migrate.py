"""``agentidp migrate``: apply pending schema migrations to the configured store."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import click

from agentidp.embedded import AgentIdP
from agentidp.entrypoints.settings import StoreBackend

from .. import output
from ..session import json_option, run, settings

#: The ledger ``agentidp.adapters.sqlite.migrations`` keeps of applied files.
_APPLIED = "SELECT name FROM schema_migrations"


@click.command()
@json_option
def migrate(as_json: bool) -> None:
    """Apply pending database migrations.

    Opening the store applies them anyway (every command and the server do); running this
    first makes it explicit, e.g. in a deploy step before starting several workers.
    """
    config = settings()
    if config.store_backend is StoreBackend.MEMORY:
        click.echo("The memory store has no schema: nothing to migrate.")
        return
    before = _applied(config.sqlite_path)

    async def open_store(idp: AgentIdP) -> None:
        """Opening is the migration: the store applies pending files, each atomically."""

    run(open_store)
    # NOTE: a before/after diff of the ledger, rather than the store's own report, so the
    # command stays correct when another process applies a file in the meantime: it then
    # reports what the database gained, which is what an operator wants to know.
    applied = sorted(_applied(config.sqlite_path) - before)
    if as_json:
        output.emit_json({"applied": applied, "upToDate": not applied})
    elif applied:
        for name in applied:
            click.echo(f"applied {name}")
    else:
        click.echo("Database schema is up to date.")


def _applied(path: Path) -> set[str]:
    """Names in the migration ledger of the database at ``path`` (empty if there is none)."""
    if not path.exists():
        return set()
    # Read-only URI: probing must never create or modify the file.
    with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
        try:
            return {row[0] for row in db.execute(_APPLIED)}
        except sqlite3.OperationalError:  # no ledger yet: nothing applied
            return set()
