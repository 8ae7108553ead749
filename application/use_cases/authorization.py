"""Authorising a request through the policy decision point, and auditing every refusal.

The command lives here rather than in ``commands.py``: it is only the port's
:class:`AccessRequest` plus where the request came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from agentidp.domain.audit import AuditAction, Outcome

from ..audit_trail import AuditTrail
from ..commands import Origin
from ..errors import Forbidden, InsufficientScope, PolicyDenied
from ..ports.policy import INSUFFICIENT_SCOPE, AccessRequest, Decision, PolicyDecisionPoint
from ..ports.system import Clock, IdGenerator
from ..ports.unit_of_work import UnitOfWorkFactory

#: Path values are copied into the audit event up to this length (they come from the URL).
MAX_AUDITED_VALUE: Final = 128


@dataclass(frozen=True, slots=True)
class AuthorizeAccess:
    """May ``request.principal`` use ``request.route``? ``origin`` is for the audit trail."""

    request: AccessRequest
    origin: Origin


class AuthorizeAccessUseCase:
    """Ask the PDP; on refusal append an ``access.denied`` event (who, what, why) in its own
    unit of work, then raise. An allowed request touches neither the store nor the clock."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdGenerator,
        policy: PolicyDecisionPoint,
    ) -> None:
        self._uow = uow
        self._policy = policy
        self._trail = AuditTrail(clock, ids)

    async def __call__(self, cmd: AuthorizeAccess) -> None:
        """Raises:
        PolicyUnavailable: the policies cannot be evaluated (nothing is audited or changed).
        InsufficientScope: refused for a missing scope (403 ``INSUFFICIENT_SCOPE``).
        PolicyDenied: refused for any other reason (403 ``AUTHORIZATION_ERROR``).
        """
        decision = await self._policy.decide(cmd.request)
        if decision.allow:
            return
        await self._record(cmd, decision)
        raise refusal(decision)

    async def _record(self, cmd: AuthorizeAccess, decision: Decision) -> None:
        request = cmd.request
        principal = request.principal
        async with self._uow() as uow:
            await uow.audit.append(
                self._trail.event(
                    AuditAction.ACCESS_DENIED,
                    organization_id=principal.organization_id,
                    actor_id=principal.actor,
                    agent_id=None,
                    origin=cmd.origin,
                    outcome=Outcome.FAILURE,
                    metadata={
                        "method": request.method,
                        "route": request.route,
                        "path": {
                            name: value[:MAX_AUDITED_VALUE] for name, value in request.path.items()
                        },
                        "reasons": [denial.reason for denial in decision.reasons],
                        "messages": [denial.message for denial in decision.reasons],
                    },
                )
            )
            await uow.commit()


def refusal(decision: Decision) -> Forbidden:
    """The error a refused ``decision`` is shown as: its first reason decides the code."""
    denial = decision.primary
    if denial is None:
        return PolicyDenied()
    if denial.code == INSUFFICIENT_SCOPE:
        return InsufficientScope(denial.message, required=" ".join(denial.scopes))
    return PolicyDenied(denial.message)
