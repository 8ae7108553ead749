"""What a unit of work stages: SQL writes with their expectations, plus audit events.

Repositories never touch the database to write. They append :class:`Write` operations to the
unit of work's shared :class:`Staging`, and ``commit`` hands the whole list to the writer
thread, which runs it inside one savepoint of a group transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agentidp.adapters.relational.staging import StagedChanges
from agentidp.application.errors import ConcurrentUpdate

from .errors import NO_CONSTRAINTS, Constraints


@dataclass(frozen=True, slots=True)
class Write:
    """One SQL statement and what must hold after it runs.

    Attributes:
        sql: a statement with named parameters.
        params: its parameters.
        constraints: how its constraint violations translate into port errors.
        expected_rowcount: if set, any other row count means someone else committed first
            (an optimistic ``UPDATE ... WHERE revision = ?``), reported as ``ConcurrentUpdate``.
    """

    sql: str
    params: Mapping[str, Any]
    constraints: Constraints = NO_CONSTRAINTS
    expected_rowcount: int | None = None

    def run(self, connection: sqlite3.Connection) -> None:
        """Execute on ``connection`` (the writer's, inside a transaction).

        Raises:
            ApplicationError: a translated constraint violation or ``ConcurrentUpdate``.
        """
        with self.constraints.translating():
            cursor = connection.execute(self.sql, self.params)
        if self.expected_rowcount is not None and cursor.rowcount != self.expected_rowcount:
            raise ConcurrentUpdate()


class Staging(StagedChanges[Write]):
    """Writes and audit events staged by one unit of work, in call order."""

    __slots__ = ()

    def write(
        self,
        sql: str,
        params: Mapping[str, Any],
        *,
        constraints: Constraints = NO_CONSTRAINTS,
        expected_rowcount: int | None = None,
    ) -> None:
        """Stage one statement."""
        self.stage(Write(sql, params, constraints, expected_rowcount))
