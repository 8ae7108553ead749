"""Printing results: aligned tables for people, JSON for programs.

Results go to stdout; warnings and errors go to stderr, so ``--json`` output can be piped
into ``jq`` even when a warning is printed alongside it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import click


def emit_json(value: Any) -> None:
    """Print ``value`` as indented JSON on stdout."""
    click.echo(json.dumps(value, indent=2, sort_keys=False, ensure_ascii=False))


def emit_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> None:
    """Print ``rows`` as a left-aligned table of ``columns`` (keys of each row)."""
    if not rows:
        click.echo("(none)")
        return
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [
        max(len(column), *(len(line[i]) for line in cells)) for i, column in enumerate(columns)
    ]
    click.echo(_line(columns, widths))
    for line in cells:
        click.echo(_line(line, widths))


def emit_record(record: Mapping[str, Any]) -> None:
    """Print one object as ``key: value`` lines."""
    width = max(len(key) for key in record) if record else 0
    for key, value in record.items():
        click.echo(f"{key.ljust(width)}  {_cell(value)}")


def emit(value: Mapping[str, Any], as_json: bool) -> None:
    """One object, as JSON or as ``key: value`` lines."""
    if as_json:
        emit_json(value)
    else:
        emit_record(value)


def warn(message: str) -> None:
    """A warning line on stderr."""
    click.secho(f"WARNING: {message}", err=True, fg="yellow")


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"  # as in the JSON output
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value) or "-"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True) if value else "-"
    return str(value)


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()
