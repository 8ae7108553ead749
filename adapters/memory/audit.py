"""Memory audit log: the chain is a list in chain order; appends are linked at commit."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from agentidp.application.ports.repositories import AuditFilter, Page
from agentidp.domain.audit import AuditEvent, ChainedAuditEvent
from agentidp.domain.ids import AuditEventId

from .staging import Staging

if TYPE_CHECKING:
    from .store import InMemoryStore


class InMemoryAuditLog:
    """Implements ``AuditLog``; "newest first" is reverse chain order, as in SQL."""

    def __init__(self, store: InMemoryStore, staging: Staging) -> None:
        self._store = store
        self._staging = staging

    async def append(self, event: AuditEvent) -> None:
        self._staging.append_event(_private_event(event))

    async def get(self, event_id: AuditEventId) -> ChainedAuditEvent | None:
        stored = self._store.audit_events_by_id.get(event_id)
        return None if stored is None else _private(stored)

    async def query(
        self, filter: AuditFilter, page: Page
    ) -> tuple[Sequence[ChainedAuditEvent], int]:
        matches = [
            stored for stored in reversed(self._store.audit_chain) if _matches(stored.event, filter)
        ]
        selected = matches[page.offset : page.offset + page.size]
        return [_private(stored) for stored in selected], len(matches)

    async def chain(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> Sequence[ChainedAuditEvent]:
        chain = self._store.audit_chain
        # A contiguous span in chain order (see the SQLite adapter for why not a time filter).
        starts = [i for i, e in enumerate(chain) if _within(e.event.occurred_at, since, None)]
        ends = [i for i, e in enumerate(chain) if _within(e.event.occurred_at, None, until)]
        if not starts or not ends:
            return []
        return [_private(stored) for stored in chain[starts[0] : ends[-1] + 1]]


def _matches(event: AuditEvent, filter: AuditFilter) -> bool:
    return (
        event.organization_id == filter.organization_id
        and (filter.agent_id is None or event.agent_id == filter.agent_id)
        and (filter.action is None or event.action is filter.action)
        and (filter.outcome is None or event.outcome is filter.outcome)
        and _within(event.occurred_at, filter.since, filter.until)
    )


def _within(moment: datetime, since: datetime | None, until: datetime | None) -> bool:
    return (since is None or moment >= since) and (until is None or moment <= until)


def _private_event(event: AuditEvent) -> AuditEvent:
    # Events are frozen, but their metadata mapping is not.
    return replace(event, metadata=copy.deepcopy(event.metadata)) if event.metadata else event


def _private(stored: ChainedAuditEvent) -> ChainedAuditEvent:
    if not stored.event.metadata:
        return stored
    return replace(stored, event=_private_event(stored.event))
