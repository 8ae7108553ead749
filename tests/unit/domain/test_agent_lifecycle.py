"""Agent lifecycle: a state machine over random suspend / reactivate / decommission / update
sequences, checked step by step against a plain model, plus focused examples."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from agentidp.domain.agent import IMMUTABLE_FIELDS, MUTABLE_FIELDS, Agent, AgentStatus
from agentidp.domain.errors import (
    AgentAlreadyDecommissioned,
    AgentDecommissioned,
    DomainError,
    ImmutableField,
    InvalidTransition,
    InvalidValue,
)
from tests.builders import NOW, make_agent
from tests.strategies import (
    agent_changes,
    agent_mutable_fields,
    agent_registrations,
    durations,
    instants,
    invalid_agent_values,
    json_values,
    normalised_agent_fields,
)

#: The only status changes the lifecycle allows (decommissioned is terminal).
ALLOWED_TRANSITIONS = frozenset(
    {
        (AgentStatus.ACTIVE, AgentStatus.SUSPENDED),
        (AgentStatus.SUSPENDED, AgentStatus.ACTIVE),
        (AgentStatus.ACTIVE, AgentStatus.DECOMMISSIONED),
        (AgentStatus.SUSPENDED, AgentStatus.DECOMMISSIONED),
    }
)

unknown_field_names = st.text(min_size=1, max_size=20).filter(
    lambda name: name not in MUTABLE_FIELDS | IMMUTABLE_FIELDS
) | st.sampled_from(["status", "revision", "updated_at", "id ", "Email", "agentType"])


# ---------------------------------------------------------------------------------------------
# Lifecycle state machine
# ---------------------------------------------------------------------------------------------


class AgentLifecycle(RuleBasedStateMachine):
    """Random suspend / reactivate / decommission / update sequences checked against a model."""

    def __init__(self) -> None:
        super().__init__()
        self.agent: Agent
        self.now: datetime
        self.status = AgentStatus.ACTIVE
        self.fields: dict[str, Any] = {}
        self.updated_at: datetime
        self.identity: tuple[object, ...]
        self.seen_status = AgentStatus.ACTIVE
        self.seen_updated_at: datetime

    @initialize(registration=agent_registrations(), start=instants())
    def register(self, registration: dict[str, Any], start: datetime) -> None:
        self.now = start
        self.agent = Agent.register(**registration, now=start)
        self.fields = normalised_agent_fields({name: registration[name] for name in MUTABLE_FIELDS})
        self.updated_at = self.seen_updated_at = start
        self.identity = (
            registration["id"],
            registration["email"].lower(),
            registration["organization_id"],
            start,
        )

    # -- helpers ----------------------------------------------------------------------------

    def tick(self, step: timedelta) -> datetime:
        self.now += step
        return self.now

    def assert_rejected(
        self, error: type[DomainError], operation: Callable[[], None]
    ) -> DomainError:
        before = self.agent.snapshot()
        with pytest.raises(error) as raised:
            operation()
        assert self.agent == before, "a rejected operation changed the agent"
        return raised.value

    def accept(self, now: datetime, status: AgentStatus | None = None) -> None:
        self.status = status if status is not None else self.status
        self.updated_at = now

    @property
    def decommissioned(self) -> bool:
        return self.status is AgentStatus.DECOMMISSIONED

    # -- lifecycle --------------------------------------------------------------------------

    @rule(step=durations(max_value=timedelta(days=30)))
    def suspend(self, step: timedelta) -> None:
        now = self.tick(step)
        if self.decommissioned:
            self.assert_rejected(AgentDecommissioned, lambda: self.agent.suspend(now=now))
        elif self.status is AgentStatus.SUSPENDED:
            error = self.assert_rejected(InvalidTransition, lambda: self.agent.suspend(now=now))
            assert (error.current, error.target) == ("suspended", "suspended")
        else:
            self.agent.suspend(now=now)
            self.accept(now, AgentStatus.SUSPENDED)

    @rule(step=durations(max_value=timedelta(days=30)))
    def reactivate(self, step: timedelta) -> None:
        now = self.tick(step)
        if self.decommissioned:
            self.assert_rejected(AgentDecommissioned, lambda: self.agent.reactivate(now=now))
        elif self.status is AgentStatus.ACTIVE:
            error = self.assert_rejected(InvalidTransition, lambda: self.agent.reactivate(now=now))
            assert (error.current, error.target) == ("active", "active")
        else:
            self.agent.reactivate(now=now)
            self.accept(now, AgentStatus.ACTIVE)

    @rule(step=durations(max_value=timedelta(days=30)))
    def decommission(self, step: timedelta) -> None:
        now = self.tick(step)
        if self.decommissioned:
            error = self.assert_rejected(
                AgentAlreadyDecommissioned, lambda: self.agent.decommission(now=now)
            )
            assert error.details["agent_id"] == self.agent.id
        else:
            self.agent.decommission(now=now)
            self.accept(now, AgentStatus.DECOMMISSIONED)

    # -- updates ----------------------------------------------------------------------------

    @rule(changes=agent_changes(), step=durations(max_value=timedelta(days=30)))
    def update(self, changes: dict[str, Any], step: timedelta) -> None:
        now = self.tick(step)
        if self.decommissioned:
            self.assert_rejected(AgentDecommissioned, lambda: self.agent.update(changes, now=now))
        else:
            self.agent.update(changes, now=now)
            self.fields.update(normalised_agent_fields(changes))
            self.accept(now)

    @rule(
        changes=agent_changes(),
        name=st.sampled_from(sorted(IMMUTABLE_FIELDS)),
        value=json_values(depth=1),
        step=durations(max_value=timedelta(days=1)),
    )
    def update_immutable(
        self, changes: dict[str, Any], name: str, value: object, step: timedelta
    ) -> None:
        now = self.tick(step)
        attempt = {**changes, name: value}
        if self.decommissioned:
            self.assert_rejected(AgentDecommissioned, lambda: self.agent.update(attempt, now=now))
        else:
            error = self.assert_rejected(
                ImmutableField, lambda: self.agent.update(attempt, now=now)
            )
            assert error.field == name

    @rule(
        changes=agent_changes(),
        name=unknown_field_names,
        step=durations(max_value=timedelta(days=1)),
    )
    def update_unknown(self, changes: dict[str, Any], name: str, step: timedelta) -> None:
        now = self.tick(step)
        attempt = {**changes, name: "anything"}
        if self.decommissioned:
            self.assert_rejected(AgentDecommissioned, lambda: self.agent.update(attempt, now=now))
        else:
            error = self.assert_rejected(InvalidValue, lambda: self.agent.update(attempt, now=now))
            assert (error.field, error.reason) == (name, "unknown field")

    @rule(
        changes=agent_changes(),
        invalid=invalid_agent_values(),
        step=durations(max_value=timedelta(days=1)),
    )
    def update_invalid_value(
        self,
        changes: dict[str, Any],
        invalid: tuple[str, object, type[DomainError]],
        step: timedelta,
    ) -> None:
        now = self.tick(step)
        name, value, error = invalid
        attempt = {**changes, name: value}
        if self.decommissioned:
            self.assert_rejected(AgentDecommissioned, lambda: self.agent.update(attempt, now=now))
        else:
            self.assert_rejected(error, lambda: self.agent.update(attempt, now=now))

    # -- invariants -------------------------------------------------------------------------

    @invariant()
    def status_is_one_of_three(self) -> None:
        assert isinstance(self.agent.status, AgentStatus)
        assert self.agent.is_active is (self.agent.status is AgentStatus.ACTIVE)

    @invariant()
    def only_allowed_transitions(self) -> None:
        current = self.agent.status
        assert current is self.seen_status or (self.seen_status, current) in ALLOWED_TRANSITIONS
        self.seen_status = current

    @invariant()
    def identity_never_changes(self) -> None:
        agent = self.agent
        assert (agent.id, agent.email, agent.organization_id, agent.created_at) == self.identity

    @invariant()
    def updated_at_is_monotonic(self) -> None:
        assert self.agent.updated_at >= self.seen_updated_at
        self.seen_updated_at = self.agent.updated_at

    @invariant()
    def agrees_with_model(self) -> None:
        assert self.agent.status is self.status
        assert self.agent.updated_at == self.updated_at
        assert agent_mutable_fields(self.agent) == self.fields


AgentLifecycle.TestCase.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)
TestAgentLifecycle = AgentLifecycle.TestCase


# ---------------------------------------------------------------------------------------------
# Lifecycle examples
# ---------------------------------------------------------------------------------------------


def test_suspended_agent_can_be_decommissioned() -> None:
    """Decommission is allowed from suspended as well as from active."""
    agent = make_agent(status=AgentStatus.SUSPENDED)

    agent.decommission(now=NOW + timedelta(hours=1))

    assert agent.status is AgentStatus.DECOMMISSIONED
    assert agent.updated_at == NOW + timedelta(hours=1)


@pytest.mark.parametrize(
    "operation",
    [
        lambda agent: agent.suspend(now=NOW),
        lambda agent: agent.reactivate(now=NOW),
        lambda agent: agent.update({"owner": "someone"}, now=NOW),
        lambda agent: agent.update({"id": "x"}, now=NOW),
    ],
    ids=["suspend", "reactivate", "update", "update-immutable"],
)
def test_decommissioned_agent_refuses_every_change(operation: Callable[[Agent], None]) -> None:
    """After decommission every operation raises AgentDecommissioned carrying the agent id."""
    agent = make_agent(status=AgentStatus.DECOMMISSIONED)

    with pytest.raises(AgentDecommissioned) as raised:
        operation(agent)

    assert raised.value.agent_id == agent.id
    assert raised.value.code == "AGENT_DECOMMISSIONED"


def test_invalid_transition_carries_the_states() -> None:
    """Reactivating an active agent names both states in the error."""
    agent = make_agent()

    with pytest.raises(InvalidTransition) as raised:
        agent.reactivate(now=NOW)

    assert raised.value.details == {"agent_id": agent.id, "current": "active", "target": "active"}


def test_snapshot_is_independent_of_the_original() -> None:
    """Mutating a snapshot's metadata or status does not touch the agent it came from."""
    agent = make_agent(metadata={"k": 1})

    copy = agent.snapshot()
    copy.metadata["k"] = 2
    copy.suspend(now=NOW)

    assert (agent.metadata, agent.status) == ({"k": 1}, AgentStatus.ACTIVE)
