"""PostgreSQL audit log: reads of ``audit_events``; appends are linked by the writer (chain.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from agentidp.adapters.relational.filters import audit_filters, audit_query_params
from agentidp.adapters.relational.rows import AUDIT_COLUMNS
from agentidp.application.ports.repositories import AuditFilter, Page
from agentidp.application.ports.tenant_context import ALL_TENANTS
from agentidp.domain.audit import AuditEvent, ChainedAuditEvent
from agentidp.domain.ids import AuditEventId

from .reader import Reader
from .rows import ROWS, optional_aware
from .sql import page_sql, param, select_list, where
from .staging import Staging

_SELECT: Final = f"SELECT {select_list(AUDIT_COLUMNS)} FROM audit_events"  # noqa: S608
_GET: Final = f"{_SELECT} WHERE id = %(id)s"
_FILTERS: Final = audit_filters(param)
# Chain order is seq order, and timestamps from concurrent writers need not follow it, so a
# date range selects the contiguous seq span from the first event at/after ``since`` to the
# last event at/before ``until``: filtering rows by time alone could leave holes in the chain.
# (A bound that matches no event is NULL, and a comparison with NULL selects nothing.)
_CHAIN_BOUNDS: Final = {
    "since": "seq >= (SELECT min(seq) FROM audit_events WHERE occurred_at >= %(since)s)",
    "until": "seq <= (SELECT max(seq) FROM audit_events WHERE occurred_at <= %(until)s)",
}
# A page selects seq too (dropped before mapping): page_sql orders by selected columns only.
_PAGE_COLUMNS: Final = (*AUDIT_COLUMNS, "seq")
_REVERSE_CHAIN_ORDER: Final = "seq DESC"


class PostgresAuditLog:
    """The hash-chained log in ``audit_events`` (implements ``AuditLog``).

    Chain order is ``seq`` order; "newest first" means reverse chain order.
    """

    def __init__(self, reader: Reader, staging: Staging) -> None:
        self._reader = reader
        self._staging = staging

    async def append(self, event: AuditEvent) -> None:
        self._staging.append_event(event)

    async def get(self, event_id: AuditEventId) -> ChainedAuditEvent | None:
        row = await self._reader.one(_GET, {"id": event_id})
        return None if row is None else ROWS.audit_to_domain(row)

    async def query(
        self, filter: AuditFilter, page: Page
    ) -> tuple[Sequence[ChainedAuditEvent], int]:
        params = audit_query_params(filter, page, optional_aware)
        sql = page_sql("audit_events", _PAGE_COLUMNS, where(_FILTERS, params), _REVERSE_CHAIN_ORDER)
        rows, total = await self._reader.page(sql, params)
        return [ROWS.audit_to_domain(row[:-1]) for row in rows], total

    async def chain(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> Sequence[ChainedAuditEvent]:
        params = {"since": optional_aware(since), "until": optional_aware(until)}
        # The port's contract is the whole chain of every organization (verification needs
        # every link), so this one read acts for all tenants under row-level security.
        rows = await self._reader.bound(ALL_TENANTS).all(
            f"{_SELECT} WHERE {where(_CHAIN_BOUNDS, params)} ORDER BY seq", params
        )
        return [ROWS.audit_to_domain(row) for row in rows]
