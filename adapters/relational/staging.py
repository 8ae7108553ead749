"""What a relational unit of work stages: backend writes in call order, plus audit events.

Repositories never touch the database to write. They append write operations (each backend's
own ``Write``) to the unit of work's shared staging, and ``commit`` hands the whole list to the
backend's writer, which runs it inside one savepoint of a group transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

from agentidp.domain.audit import AuditEvent

W = TypeVar("W")


class StagedChanges(Generic[W]):
    """Writes (of the backend's type ``W``) and audit events staged by one unit of work."""

    __slots__ = ("events", "writes")

    def __init__(self) -> None:
        self.writes: list[W] = []
        self.events: list[AuditEvent] = []

    def stage(self, write: W) -> None:
        """Stage one write."""
        self.writes.append(write)

    def append_event(self, event: AuditEvent) -> None:
        """Stage an audit event; the writer links it to the chain head at commit."""
        self.events.append(event)

    def take(self) -> tuple[Sequence[W], Sequence[AuditEvent]]:
        """Everything staged so far, leaving the staging empty."""
        staged = (self.writes, self.events)
        self.writes, self.events = [], []
        return staged

    def clear(self) -> None:
        """Drop everything staged."""
        self.writes, self.events = [], []
