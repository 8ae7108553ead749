"""Builders for the repositories' SQL constants, so column lists are written once
(``agentidp.adapters.relational.rows``).

Only constant identifiers ever reach these functions; values always travel as named
parameters (``%(name)s``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Per-column casts of a table's parameters, e.g. ``{"metadata": "jsonb"}``: JSON values are
#: encoded to text when they are staged (so later changes to the object cannot leak into
#: the commit) and cast by the server.
Casts = Mapping[str, str]


def param(name: str) -> str:
    """The placeholder of the named parameter ``name``."""
    return f"%({name})s"


def select_list(columns: tuple[str, ...]) -> str:
    """``a, b, c`` for a SELECT of ``columns`` in order."""
    return ", ".join(columns)


def _param(column: str, casts: Casts) -> str:
    cast = casts.get(column)
    return f"%({column})s" if cast is None else f"%({column})s::{cast}"


def insert_sql(table: str, columns: tuple[str, ...], casts: Casts | None = None) -> str:
    """An INSERT of every column from named parameters of the same names."""
    values = ", ".join(_param(column, casts or {}) for column in columns)
    return f"INSERT INTO {table} ({select_list(columns)}) VALUES ({values})"  # noqa: S608


def optimistic_update_sql(table: str, columns: tuple[str, ...], casts: Casts | None = None) -> str:
    """An UPDATE of every column that matches only the loaded revision, and bumps it.

    It changes no row when someone else committed first; the write's expected row count of 1
    turns that into ``ConcurrentUpdate``. Under READ COMMITTED a concurrent UPDATE of the same
    row makes this one wait, then re-check ``revision`` against the committed row, so two
    racing updates can never both match.
    """
    assignments = ", ".join(
        f"{column} = {_param(column, casts or {})}"
        for column in columns
        if column not in ("id", "revision")
    )
    return (
        f"UPDATE {table} SET {assignments}, revision = %(revision)s + 1 "  # noqa: S608
        "WHERE id = %(id)s AND revision = %(revision)s"
    )


def where(conditions: Mapping[str, str], params: Mapping[str, Any]) -> str:
    """The AND of the conditions whose parameter (the key) is not ``None`` in ``params``.

    Example: ``where({"owner": "owner = %(owner)s"}, {"owner": None})`` is ``"TRUE"``.
    """
    clauses = [clause for name, clause in conditions.items() if params.get(name) is not None]
    return " AND ".join(clauses) if clauses else "TRUE"


def page_sql(table: str, columns: tuple[str, ...], condition: str, order: str) -> str:
    """One page of matching rows and the total number of matches, in ONE statement.

    Each result row is the row's columns followed by the total; an empty page is one row of
    NULL columns and the total. One statement means one snapshot (a commit landing between
    two statements could make the rows and the count disagree) and one round trip.
    ``order`` must name columns of the select list only (it is applied inside and outside
    the lateral subquery, as SQL keeps no order across a join otherwise).
    """
    return (
        f"SELECT page.*, matches.total FROM "  # noqa: S608
        f"(SELECT count(*) AS total FROM {table} WHERE {condition}) AS matches "
        f"LEFT JOIN LATERAL (SELECT {select_list(columns)} FROM {table} WHERE {condition} "
        f"ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s) AS page ON TRUE "
        f"ORDER BY {order}"
    )
