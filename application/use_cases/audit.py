"""Audit use cases: query the caller organization's events, read one, verify the chain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from agentidp.domain.audit import (
    GENESIS_HASH,
    AuditAction,
    ChainedAuditEvent,
    Outcome,
    verify_chain,
)
from agentidp.domain.ids import AuditEventId, is_uuid
from agentidp.domain.scopes import AUDIT_READ

from ..commands import GetAuditEvent, QueryAudit, VerifyAuditChain
from ..errors import AuditEventNotFound, InvalidRequest, RetentionWindowExceeded
from ..ports.repositories import AuditFilter, Page
from ..ports.system import Clock
from ..ports.unit_of_work import UnitOfWorkFactory
from .agents import MAX_PAGE_SIZE

DEFAULT_RETENTION = timedelta(days=90)


@dataclass(frozen=True, slots=True)
class AuditPage:
    """One page of audit events and the total number of matches."""

    items: Sequence[ChainedAuditEvent]
    total: int
    page: int
    limit: int


class _AuditUseCase:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, retention: timedelta = DEFAULT_RETENTION
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._retention = retention

    def _window(
        self, since: datetime | None, until: datetime | None
    ) -> tuple[datetime, datetime | None]:
        """Clamp a query to the retention window.

        Raises:
            RetentionWindowExceeded: ``since`` is older than the window.
            InvalidRequest: ``since`` is after ``until``.
        """
        _require_timezones(since, until)
        cutoff = self._clock.now() - self._retention
        if since is not None and since < cutoff:
            raise RetentionWindowExceeded(field="fromDate", retentionDays=self._retention.days)
        if since is not None and until is not None and since > until:
            raise InvalidRequest(
                "Invalid date range.",
                field="fromDate",
                reason="fromDate must be before or equal to toDate.",
            )
        return since or cutoff, until


class QueryAuditUseCase(_AuditUseCase):
    """Search the caller organization's audit events, newest first."""

    async def __call__(self, cmd: QueryAudit) -> AuditPage:
        """Raises: InsufficientScope, RetentionWindowExceeded, InvalidRequest."""
        cmd.principal.require_scope(AUDIT_READ)
        if cmd.page < 1 or not 1 <= cmd.limit <= MAX_PAGE_SIZE:
            raise InvalidRequest(
                f"page must be >= 1 and limit between 1 and {MAX_PAGE_SIZE}.", field="limit"
            )
        try:
            action = AuditAction(cmd.action) if cmd.action else None
            outcome = Outcome(cmd.outcome) if cmd.outcome else None
        except ValueError:
            raise InvalidRequest("Unknown action or outcome filter.", field="action") from None
        since, until = self._window(cmd.from_date, cmd.to_date)
        filter = AuditFilter(
            organization_id=cmd.principal.organization_id,
            agent_id=cmd.agent_id,
            action=action,
            outcome=outcome,
            since=since,
            until=until,
        )
        async with self._uow() as uow:
            items, total = await uow.audit.query(filter, Page(cmd.page, cmd.limit))
        return AuditPage(items=items, total=total, page=cmd.page, limit=cmd.limit)


class GetAuditEventUseCase(_AuditUseCase):
    """One audit event of the caller's organization, inside the retention window."""

    async def __call__(self, cmd: GetAuditEvent) -> ChainedAuditEvent:
        """Raises: InsufficientScope, AuditEventNotFound (missing, foreign or expired alike)."""
        cmd.principal.require_scope(AUDIT_READ)
        async with self._uow() as uow:
            stored = (
                await uow.audit.get(AuditEventId(cmd.event_id)) if is_uuid(cmd.event_id) else None
            )
        cutoff = self._clock.now() - self._retention
        if (
            stored is None
            or stored.event.organization_id != cmd.principal.organization_id
            or stored.event.occurred_at < cutoff
        ):
            raise AuditEventNotFound(eventId=cmd.event_id)
        return stored


@dataclass(frozen=True, slots=True)
class AuditChainReport:
    """A verification result plus the head hash to record elsewhere as the next anchor."""

    verified: bool
    checked_count: int
    broken_at: AuditEventId | None
    #: Hash of the newest verified event (``None`` when the chain is broken or empty).
    head_hash: str | None


class VerifyAuditChainUseCase(_AuditUseCase):
    """Recompute the deployment-wide hash chain, optionally over a date range and against an
    anchored head."""

    async def __call__(self, cmd: VerifyAuditChain) -> AuditChainReport:
        """Raises: InsufficientScope, InvalidRequest (``from_date`` after ``to_date``).

        The chain spans every organization (one log per deployment). For a tenant, a break
        inside another organization's events is reported as ``verified: false`` without that
        event's id; the local operator sees every id.
        """
        cmd.principal.require_scope(AUDIT_READ)
        _require_timezones(cmd.from_date, cmd.to_date)
        if cmd.from_date and cmd.to_date and cmd.from_date > cmd.to_date:
            raise InvalidRequest(
                "Invalid date range.",
                field="fromDate",
                reason="fromDate must be before or equal to toDate.",
            )
        async with self._uow() as uow:
            events = await uow.audit.chain(cmd.from_date, cmd.to_date)
        # A range that starts mid-chain links to an event outside it: trust its stored link.
        expected = GENESIS_HASH if cmd.from_date is None else None
        result = verify_chain(events, expected_previous=expected, expected_head=cmd.expected_head)
        broken_at = result.broken_at
        if broken_at is not None and not cmd.principal.is_operator:
            owner = next((e.event.organization_id for e in events if e.event.id == broken_at), None)
            if owner != cmd.principal.organization_id:
                broken_at = None
        head = events[-1].hash if result.verified and events else None
        return AuditChainReport(result.verified, result.checked_count, broken_at, head)


def _require_timezones(since: datetime | None, until: datetime | None) -> None:
    """Raises: InvalidRequest: a date has no timezone (its instant would be a guess)."""
    for name, value in (("fromDate", since), ("toDate", until)):
        if value is not None and value.tzinfo is None:
            raise InvalidRequest(
                "Dates must carry a timezone.",
                field=name,
                reason="use ISO 8601 with Z or an offset",
            )
