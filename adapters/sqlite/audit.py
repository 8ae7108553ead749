"""SQLite audit log: reads of ``audit_events``; appends are linked by the writer (chain.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from agentidp.application.ports.repositories import AuditFilter, Page
from agentidp.domain.audit import AuditEvent, ChainedAuditEvent
from agentidp.domain.ids import AuditEventId

from .reader import Reader
from .rows import AUDIT_COLUMNS, audit_to_domain, encode_optional_time
from .sql import select_list, where
from .staging import Staging

_SELECT: Final = f"SELECT {select_list(AUDIT_COLUMNS)} FROM audit_events"  # noqa: S608
_GET: Final = f"{_SELECT} WHERE id = :id"
#: Query filters, keyed by the parameter that switches each one on; bounds are inclusive.
_FILTERS: Final = {
    "organization_id": "organization_id = :organization_id",
    "agent_id": "agent_id = :agent_id",
    "action": "action = :action",
    "outcome": "outcome = :outcome",
    "since": "occurred_at >= :since",
    "until": "occurred_at <= :until",
}

# Chain order is seq order, and timestamps from concurrent writers need not follow it, so a
# date range selects the contiguous seq span from the first event at/after ``since`` to the
# last event at/before ``until``: filtering rows by time alone could leave holes in the chain.
_CONTIGUOUS_RANGE = (
    "seq BETWEEN (SELECT min(seq) FROM audit_events WHERE :since IS NULL OR occurred_at >= :since)"
    " AND (SELECT max(seq) FROM audit_events WHERE :until IS NULL OR occurred_at <= :until)"
)


class SqliteAuditLog:
    """The hash-chained log in ``audit_events`` (implements ``AuditLog``).

    Chain order is ``seq`` order; "newest first" means reverse chain order.
    """

    def __init__(self, reader: Reader, staging: Staging) -> None:
        self._reader = reader
        self._staging = staging

    async def append(self, event: AuditEvent) -> None:
        self._staging.append_event(event)

    async def get(self, event_id: AuditEventId) -> ChainedAuditEvent | None:
        row = self._reader.one(_GET, {"id": event_id})
        return None if row is None else audit_to_domain(row)

    async def query(
        self, filter: AuditFilter, page: Page
    ) -> tuple[Sequence[ChainedAuditEvent], int]:
        params: dict[str, Any] = {
            "organization_id": filter.organization_id,
            "agent_id": filter.agent_id,
            "action": None if filter.action is None else filter.action.value,
            "outcome": None if filter.outcome is None else filter.outcome.value,
            "since": encode_optional_time(filter.since),
            "until": encode_optional_time(filter.until),
            "limit": page.size,
            "offset": page.offset,
        }
        condition = where(_FILTERS, params)
        rows, total = self._reader.page(
            f"{_SELECT} WHERE {condition} ORDER BY seq DESC LIMIT :limit OFFSET :offset",
            f"SELECT count(*) FROM audit_events WHERE {condition}",  # noqa: S608
            params,
        )
        return [audit_to_domain(row) for row in rows], total

    async def chain(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> Sequence[ChainedAuditEvent]:
        params = {"since": encode_optional_time(since), "until": encode_optional_time(until)}
        rows = self._reader.all(f"{_SELECT} WHERE {_CONTIGUOUS_RANGE} ORDER BY seq", params)
        return [audit_to_domain(row) for row in rows]
