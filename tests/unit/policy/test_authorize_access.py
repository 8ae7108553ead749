"""AuthorizeAccessUseCase: the PDP's answer becomes nothing (allowed), a refusal audited as
``access.denied`` (who, what, why), or PolicyUnavailable with nothing recorded."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agentidp.adapters.memory import InMemoryStore
from agentidp.adapters.system import ManualClock, RandomIds
from agentidp.application.commands import Origin
from agentidp.application.errors import InsufficientScope, PolicyDenied, PolicyUnavailable
from agentidp.application.ports.policy import (
    DENIED_BY_DEFAULT,
    AccessRequest,
    Decision,
    Denial,
)
from agentidp.application.principal import Principal
from agentidp.application.use_cases.authorization import (
    MAX_AUDITED_VALUE,
    AuthorizeAccess,
    AuthorizeAccessUseCase,
)
from agentidp.domain.audit import AuditAction, ChainedAuditEvent, Outcome
from agentidp.domain.ids import AgentId, OrganizationId

ORG = OrganizationId("0b0e0000-0000-4000-8000-00000000000a")
CALLER = Principal(subject=AgentId("agent-7"), organization_id=ORG, scopes=frozenset())
ORIGIN = Origin(ip_address="203.0.113.9", user_agent="pytest")
SCOPE = Denial("missing_scope", "INSUFFICIENT_SCOPE", "Needs agents:write.", ("agents:write",))
TENANT = Denial("tenant_mismatch", "AUTHORIZATION_ERROR", "Not yours.")


class FixedPolicy:
    """A PDP that answers ``decision`` (or raises ``error``) and remembers the requests."""

    def __init__(self, decision: Decision | None = None, error: Exception | None = None) -> None:
        self.decision = decision
        self.error = error
        self.requests: list[AccessRequest] = []

    async def decide(self, request: AccessRequest) -> Decision:
        """The fixed answer."""
        self.requests.append(request)
        if self.error is not None:
            raise self.error
        assert self.decision is not None
        return self.decision


def command(path: dict[str, str] | None = None) -> AuthorizeAccess:
    """PATCH of an agent by :data:`CALLER`."""
    request = AccessRequest("PATCH", "/api/v1/agents/{agentId}", CALLER, path or {"agentId": "x"})
    return AuthorizeAccess(request, ORIGIN)


def authorize(store: InMemoryStore, policy: FixedPolicy) -> AuthorizeAccessUseCase:
    """The use case on ``store`` asking ``policy``."""
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    return AuthorizeAccessUseCase(store.unit_of_work, clock, RandomIds(), policy)


@pytest.fixture
def store() -> InMemoryStore:
    """An empty memory store."""
    return InMemoryStore()


async def chain(store: InMemoryStore) -> list[ChainedAuditEvent]:
    """Every stored audit event."""
    async with store.unit_of_work() as uow:
        return list(await uow.audit.chain())


async def test_an_allowed_request_records_nothing(store: InMemoryStore) -> None:
    """An allowed request reaches the PDP once and writes nothing."""
    policy = FixedPolicy(Decision(allow=True))

    await authorize(store, policy)(command())

    assert await chain(store) == []
    assert policy.requests == [command().request]


async def test_a_scope_refusal_is_insufficient_scope_and_audited(store: InMemoryStore) -> None:
    """A scope refusal raises InsufficientScope (with the scope for the challenge) and appends
    one ``access.denied`` event saying who, what and why."""
    policy = FixedPolicy(Decision.deny(SCOPE))

    with pytest.raises(InsufficientScope) as refused:
        await authorize(store, policy)(command())

    assert refused.value.message == "Needs agents:write."
    assert refused.value.details == {"required": "agents:write"}
    [stored] = await chain(store)
    event = stored.event
    assert event.action is AuditAction.ACCESS_DENIED
    assert event.outcome is Outcome.FAILURE
    assert (event.organization_id, event.actor_id) == (ORG, "agent-7")
    assert (event.ip_address, event.user_agent) == ("203.0.113.9", "pytest")
    assert event.metadata == {
        "method": "PATCH",
        "route": "/api/v1/agents/{agentId}",
        "path": {"agentId": "x"},
        "reasons": ["missing_scope"],
        "messages": ["Needs agents:write."],
    }


async def test_any_other_refusal_is_an_authorization_error_led_by_the_tenant_reason(
    store: InMemoryStore,
) -> None:
    """Tenant (and role) refusals are AUTHORIZATION_ERROR and are reported first."""
    policy = FixedPolicy(Decision.deny(SCOPE, TENANT))

    with pytest.raises(PolicyDenied) as refused:
        await authorize(store, policy)(command())

    assert refused.value.code == "AUTHORIZATION_ERROR"
    assert refused.value.message == "Not yours."
    [stored] = await chain(store)
    assert stored.event.metadata["reasons"] == ["tenant_mismatch", "missing_scope"]


async def test_an_unexplained_refusal_is_still_a_refusal(store: InMemoryStore) -> None:
    """A policy that says no without a reason still refuses, and the audit says so."""
    policy = FixedPolicy(Decision.deny())

    with pytest.raises(PolicyDenied):
        await authorize(store, policy)(command())

    [stored] = await chain(store)
    assert stored.event.metadata["reasons"] == [DENIED_BY_DEFAULT.reason]


async def test_an_unusable_policy_fails_closed_and_records_nothing(store: InMemoryStore) -> None:
    """PolicyUnavailable propagates (503): nothing allowed, nothing written."""
    policy = FixedPolicy(error=PolicyUnavailable())

    with pytest.raises(PolicyUnavailable):
        await authorize(store, policy)(command())

    assert await chain(store) == []


async def test_path_values_are_truncated_in_the_audit_event(store: InMemoryStore) -> None:
    """Path values come from the URL: the audit keeps a bounded prefix."""
    policy = FixedPolicy(Decision.deny(TENANT))

    with pytest.raises(PolicyDenied):
        await authorize(store, policy)(command({"agentId": "x" * 10_000}))

    [stored] = await chain(store)
    assert stored.event.metadata["path"] == {"agentId": "x" * MAX_AUDITED_VALUE}
