"""Audit log: ``/api/v1/audit`` (query, one event, chain verification)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, PathParameter, QueryParameter

from agentidp.application.commands import GetAuditEvent, QueryAudit, VerifyAuditChain
from agentidp.application.errors import InvalidRequest
from agentidp.application.principal import Principal
from agentidp.application.use_cases.audit import (
    GetAuditEventUseCase,
    QueryAuditUseCase,
    VerifyAuditChainUseCase,
)
from agentidp.domain.audit import AuditAction, Outcome

from ..openapi import AUTHENTICATED, BEARER_SECURITY, error_responses
from ..schemas import AuditEventOut, AuditPageOut, ChainVerificationOut
from .agents import PageNumber, PageSize

_DATE_DOC = (
    "ISO 8601 date or date-time; without an offset it is read as UTC. Must lie inside the "
    "retention window."
)
FromDate = Annotated[
    str | None,
    QueryParameter(
        name="fromDate", max_length=64, description=_DATE_DOC, schema_extra={"format": "date-time"}
    ),
]
ToDate = Annotated[
    str | None,
    QueryParameter(
        name="toDate", max_length=64, description=_DATE_DOC, schema_extra={"format": "date-time"}
    ),
]
ExpectedHead = Annotated[
    str | None,
    QueryParameter(
        name="expectedHead",
        pattern="^[0-9a-f]{64}$",
        description="A headHash recorded from an earlier verification (an anchor): the chain "
        "must still contain that event, so cutting off the newest events is detected.",
    ),
]


class AuditController(Controller):
    """Read and verify the caller organization's audit events (``audit:read``)."""

    path = "/api/v1/audit"
    tags = ["audit"]
    security = BEARER_SECURITY

    @get(
        "/",
        summary="Search audit events, newest first",
        responses=error_responses(*AUTHENTICATED),
    )
    async def query_audit(
        self,
        principal: NamedDependency[Principal],
        query_audit: NamedDependency[QueryAuditUseCase],
        agent_id: Annotated[str | None, QueryParameter(name="agentId", max_length=64)] = None,
        action: FromQuery[AuditAction | None] = None,
        outcome: FromQuery[Outcome | None] = None,
        from_date: FromDate = None,
        to_date: ToDate = None,
        page: PageNumber = 1,
        limit: PageSize = 20,
    ) -> AuditPageOut:
        """Queries reaching before the retention window are 400 ``RETENTION_WINDOW_EXCEEDED``."""
        result = await query_audit(
            QueryAudit(
                principal=principal,
                agent_id=agent_id,
                action=action.value if action else None,
                outcome=outcome.value if outcome else None,
                from_date=parse_date("fromDate", from_date),
                to_date=parse_date("toDate", to_date),
                page=page,
                limit=limit,
            )
        )
        return AuditPageOut.from_domain(result)

    @get(
        "/verify",
        summary="Verify the audit hash chain (200 even when broken)",
        responses=error_responses(*AUTHENTICATED),
    )
    async def verify_audit_chain(
        self,
        principal: NamedDependency[Principal],
        verify_audit_chain: NamedDependency[VerifyAuditChainUseCase],
        from_date: FromDate = None,
        to_date: ToDate = None,
        expected_head: ExpectedHead = None,
    ) -> ChainVerificationOut:
        """Recomputes every hash; reports the first broken event of the caller's organization."""
        since, until = parse_date("fromDate", from_date), parse_date("toDate", to_date)
        result = await verify_audit_chain(VerifyAuditChain(principal, since, until, expected_head))
        out = ChainVerificationOut(
            verified=result.verified,
            checked_count=result.checked_count,
            broken_at_event_id=result.broken_at,
            head_hash=result.head_hash,
        )
        if since is not None:
            out.from_date = since
        if until is not None:
            out.to_date = until
        return out

    @get(
        "/{event_id:str}",
        summary="Read one audit event",
        responses=error_responses(*AUTHENTICATED, 404),
    )
    async def get_audit_event(
        self,
        event_id: Annotated[str, PathParameter(max_length=64, description="The event id (UUID).")],
        principal: NamedDependency[Principal],
        get_audit_event: NamedDependency[GetAuditEventUseCase],
    ) -> AuditEventOut:
        """Missing, foreign and expired events are all 404 ``AUDIT_EVENT_NOT_FOUND``."""
        return AuditEventOut.from_domain(await get_audit_event(GetAuditEvent(principal, event_id)))


def parse_date(field: str, value: str | None) -> datetime | None:
    """An ISO 8601 date or date-time as an aware UTC datetime (naive input is UTC).

    Raises:
        InvalidRequest: ``value`` is not ISO 8601 (400 ``VALIDATION_ERROR`` naming ``field``).
    """
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: shifting year 1 or 9999 to UTC
        raise InvalidRequest(
            f"{field} is not an ISO 8601 date-time.",
            field=field,
            reason="must be an ISO 8601 date or date-time, e.g. 2026-01-31T12:00:00Z",
        ) from None
