"""What a unit of work stages: SQL writes with their expectations, plus audit events.

Repositories never touch the database to write. They append :class:`Write` operations to the
unit of work's shared :class:`Staging`, and ``commit`` hands the whole list to the writer
task, which runs it inside one savepoint of a group transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from agentidp.application.errors import ConcurrentUpdate
from agentidp.domain.audit import AuditEvent

from .errors import translating
from .pool import Connection


@dataclass(frozen=True, slots=True)
class Write:
    """One SQL statement and what must hold after it runs.

    Attributes:
        sql: a statement with named parameters.
        params: its parameters (already encoded: nothing the caller still holds).
        expected_rowcount: if set, any other row count means someone else committed first
            (an optimistic ``UPDATE ... WHERE revision = ...``), reported as
            ``ConcurrentUpdate``.
    """

    sql: str
    params: Mapping[str, Any]
    expected_rowcount: int | None = None

    async def run(self, connection: Connection) -> None:
        """Execute on ``connection`` (the writer's, inside a transaction).

        Raises:
            ApplicationError: a translated constraint violation, ``ConcurrentUpdate`` or
                ``BackendUnavailable``.
        """
        with translating():
            cursor = await connection.execute(self.sql, self.params)
        if self.expected_rowcount is not None and cursor.rowcount != self.expected_rowcount:
            raise ConcurrentUpdate()


@dataclass(slots=True)
class Staging:
    """Writes and audit events staged by one unit of work, in call order."""

    writes: list[Write] = field(default_factory=list)
    events: list[AuditEvent] = field(default_factory=list)

    def write(
        self, sql: str, params: Mapping[str, Any], *, expected_rowcount: int | None = None
    ) -> None:
        """Stage one statement."""
        self.writes.append(Write(sql, params, expected_rowcount))

    def append_event(self, event: AuditEvent) -> None:
        """Stage an audit event; the writer links it to the chain head at commit."""
        self.events.append(event)

    def take(self) -> tuple[Sequence[Write], Sequence[AuditEvent]]:
        """Everything staged so far, leaving the staging empty."""
        staged = (self.writes, self.events)
        self.writes, self.events = [], []
        return staged

    def clear(self) -> None:
        """Drop everything staged."""
        self.writes, self.events = [], []
