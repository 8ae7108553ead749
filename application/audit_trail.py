"""Building audit events: one place that stamps ids, time and the caller."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentidp.domain.audit import AuditAction, AuditEvent, Outcome
from agentidp.domain.ids import AuditEventId, OrganizationId

from .commands import Origin
from .ports.system import Clock, IdGenerator
from .ports.unit_of_work import UnitOfWorkFactory


class AuditTrail:
    """Creates :class:`AuditEvent` values for use cases.

    Appending them is the unit of work's job.
    """

    def __init__(self, clock: Clock, ids: IdGenerator) -> None:
        self._clock = clock
        self._ids = ids

    def event(
        self,
        action: AuditAction,
        *,
        organization_id: str | None,
        actor_id: str | None,
        agent_id: str | None,
        origin: Origin,
        outcome: Outcome = Outcome.SUCCESS,
        metadata: Mapping[str, Any] | None = None,
    ) -> AuditEvent:
        """A new event stamped with a fresh id and the current time."""
        return AuditEvent(
            id=AuditEventId(self._ids.new_id()),
            occurred_at=self._clock.now(),
            organization_id=OrganizationId(organization_id) if organization_id else None,
            actor_id=actor_id,
            agent_id=agent_id,
            action=action,
            outcome=outcome,
            ip_address=origin.ip_address,
            user_agent=origin.user_agent,
            metadata=dict(metadata or {}),
        )


class AuditedUseCase:
    """Base of the use cases that change state and audit it: their unit of work factory,
    clock, id generator and audit trail."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._trail = AuditTrail(clock, ids)
