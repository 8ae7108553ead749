"""Builders for the repositories' SQL constants, so column lists are written once
(``agentidp.adapters.relational.rows``).

Only constant identifiers ever reach these functions; values always travel as named
parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def param(name: str) -> str:
    """The placeholder of the named parameter ``name``."""
    return f":{name}"


def select_list(columns: tuple[str, ...]) -> str:
    """``a, b, c`` for a SELECT of ``columns`` in order."""
    return ", ".join(columns)


def insert_sql(table: str, columns: tuple[str, ...]) -> str:
    """An INSERT of every column from named parameters of the same names."""
    values = ", ".join(f":{column}" for column in columns)
    return f"INSERT INTO {table} ({select_list(columns)}) VALUES ({values})"  # noqa: S608


def optimistic_update_sql(table: str, columns: tuple[str, ...]) -> str:
    """An UPDATE of every column that matches only the loaded revision, and bumps it.

    It changes no row when someone else committed first; the write's expected row count of 1
    turns that into ``ConcurrentUpdate``.
    """
    assignments = ", ".join(
        f"{column} = :{column}" for column in columns if column not in ("id", "revision")
    )
    return (
        f"UPDATE {table} SET {assignments}, revision = :revision + 1 "  # noqa: S608
        "WHERE id = :id AND revision = :revision"
    )


def where(conditions: Mapping[str, str], params: Mapping[str, Any]) -> str:
    """The AND of the conditions whose parameter (the key) is not ``None`` in ``params``.

    Example: ``where({"owner": "owner = :owner"}, {"owner": None})`` is ``"1"`` (no filter).
    """
    clauses = [clause for name, clause in conditions.items() if params.get(name) is not None]
    return " AND ".join(clauses) if clauses else "1"
