"""What a memory unit of work stages: writes to replay on the store, plus audit events."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from agentidp.domain.audit import AuditEvent

if TYPE_CHECKING:
    from .transaction import Transaction

#: One staged change, replayed against the store's transaction at commit.
Write = Callable[["Transaction"], None]


@dataclass(slots=True)
class Staging:
    """Writes and audit events staged by one unit of work, in call order.

    Repositories share it; they stage private copies, so later changes to the caller's
    objects do not leak into the commit.
    """

    writes: list[Write] = field(default_factory=list)
    events: list[AuditEvent] = field(default_factory=list)

    def write(self, write: Write) -> None:
        """Stage one change."""
        self.writes.append(write)

    def append_event(self, event: AuditEvent) -> None:
        """Stage an audit event; the commit links it to the chain head."""
        self.events.append(event)

    def take(self) -> tuple[Sequence[Write], Sequence[AuditEvent]]:
        """Everything staged so far, leaving the staging empty."""
        staged = (self.writes, self.events)
        self.writes, self.events = [], []
        return staged

    def clear(self) -> None:
        """Drop everything staged."""
        self.writes, self.events = [], []
