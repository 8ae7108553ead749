"""Agent aggregate: registration, the field rules and partial updates."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentidp.domain.agent import (
    IMMUTABLE_FIELDS,
    MUTABLE_FIELDS,
    Agent,
    AgentStatus,
    DeploymentEnv,
)
from agentidp.domain.errors import DomainError, ImmutableField, InvalidScope, InvalidValue
from agentidp.domain.scopes import AGENTS_READ
from tests.builders import NOW, make_agent
from tests.strategies import (
    INVALID_AGENT_VALUES,
    agent_mutable_fields,
    agent_registrations,
    capabilities,
    emails,
    instants,
    normalised_agent_fields,
    semvers,
)

# ---------------------------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------------------------


@given(registration=agent_registrations(), now=instants())
def test_register_normalises_every_field_and_starts_active(
    registration: dict[str, Any], now: datetime
) -> None:
    """Any valid registration yields an active agent whose fields are stored in normal form."""

    agent = Agent.register(**registration, now=now)

    assert agent.status is AgentStatus.ACTIVE
    assert agent.is_active
    assert agent.email == registration["email"].lower()
    assert (agent.created_at, agent.updated_at, agent.revision) == (now, now, 1)
    assert agent_mutable_fields(agent) == normalised_agent_fields(
        {name: registration[name] for name in MUTABLE_FIELDS}
    )


def test_register_copies_metadata_so_the_caller_cannot_mutate_the_agent() -> None:
    """Changing the mapping passed to register afterwards leaves the agent untouched."""
    metadata = {"team": "risk"}

    agent = make_agent(metadata=metadata)
    metadata["team"] = "changed"

    assert agent.metadata == {"team": "risk"}


def test_register_keeps_the_first_occurrence_order_of_duplicate_capabilities() -> None:
    """Capabilities are de-duplicated without reordering."""

    agent = make_agent(capabilities=["b:read", "a:read", "b:read", "c:*"])

    assert agent.capabilities == ("b:read", "a:read", "c:*")


@pytest.mark.parametrize(
    "email",
    [
        "",
        "agent",
        "agent@",
        "@agents.example",
        "agent@localhost",
        "agent@agents..example",
        "agent@agents.example.",
        "agent name@agents.example",
        "agent@agents_example.com",
        "agent@agents.example\n",
        "a" * 65 + "@agents.example",
        "agent@" + "d" * 250 + ".example",
        "agënt@agents.example",
        ".agent@agents.example",
        "agent.@agents.example",
        "ag..ent@agents.example",
        "agent@-.-",
        "agent@-agents.example",
        "agent@agents-.example",
        "agent@agents.-x",
        "agent@" + "d" * 64 + ".example",
        "agent@agents.ex\u0430mple",
    ],
)
def test_register_rejects_malformed_email(email: str) -> None:
    """Malformed addresses, misplaced dots, hyphen-edged or 64-character labels and non-ASCII
    characters are refused with InvalidValue on ``email``."""

    with pytest.raises(InvalidValue) as raised:
        make_agent(email=email)

    assert raised.value.field == "email"


@pytest.mark.parametrize(("length", "accepted"), [(254, True), (255, False)])
def test_register_limits_email_to_254_characters(length: int, accepted: bool) -> None:
    """RFC 5321 caps a path at 254 characters: 254 passes, 255 does not."""
    domain = ".".join(["d" * 60] * 4)
    email = "a" * (length - len(domain) - 1) + "@" + domain

    try:
        make_agent(email=email)
        registered = True
    except InvalidValue:
        registered = False

    assert registered is accepted


@given(email=emails())
def test_register_accepts_and_lower_cases_any_email_of_the_rule(email: str) -> None:
    """Every address of the email rule is accepted and stored lower-cased."""

    agent = make_agent(email=email)

    assert agent.email == email.lower()


def test_register_rejects_unknown_scope() -> None:
    """Registering with a scope outside KNOWN_SCOPES raises InvalidScope naming it."""

    with pytest.raises(InvalidScope) as raised:
        make_agent(scopes=frozenset({AGENTS_READ, "agents:delete"}))

    assert raised.value.scope == "agents:delete"


@pytest.mark.parametrize(("name", "value", "error"), INVALID_AGENT_VALUES)
def test_register_rejects_each_invalid_field_value(
    name: str, value: object, error: type[DomainError]
) -> None:
    """Registration applies the same field rules as update."""

    with pytest.raises(error):
        make_agent(**{name: value})


# ---------------------------------------------------------------------------------------------
# Field rules
# ---------------------------------------------------------------------------------------------


@given(version=semvers())
def test_any_semantic_version_is_accepted(version: str) -> None:
    """Every semver.org 2.0.0 version is a valid agent version."""
    agent = make_agent()

    agent.update({"version": version}, now=NOW)

    assert agent.version == version


@pytest.mark.parametrize(
    "version", ["1\u0660.0.0", "1.0.1\u0663", "\uff11.0.0", "1.0.0-01", "1.0.0-rc.007"]
)
def test_version_rejects_non_ascii_digits_and_leading_zero_prerelease(version: str) -> None:
    """Non-ASCII digits and zero-padded numeric pre-release identifiers are not semver."""
    agent = make_agent()

    with pytest.raises(InvalidValue) as raised:
        agent.update({"version": version}, now=NOW)

    assert raised.value.field == "version"


def _is_capability(value: str) -> bool:
    """Independent oracle of the ``resource:action`` rule."""
    head = set("abcdefghijklmnopqrstuvwxyz0123456789")
    resource, colon, action = value.partition(":")
    return (
        colon == ":"
        and 1 <= len(resource) <= 64
        and 1 <= len(action) <= 64
        and resource[0] in head
        and set(resource) <= head | set("_.-")
        and action[0] in head | {"*"}
        and set(action) <= head | set("_.*-")
    )


@given(
    candidate=capabilities() | st.text(alphabet="ab9:_.*-A \n", max_size=12) | st.text(max_size=8)
)
def test_capability_accepted_exactly_when_it_is_resource_colon_action(candidate: str) -> None:
    """A capability is accepted iff it is a lower-case ``resource:action`` pair."""
    agent = make_agent()

    try:
        agent.update({"capabilities": [candidate]}, now=NOW)
        accepted = True
    except InvalidValue:
        accepted = False

    assert accepted is _is_capability(candidate)


@given(owner=st.text(max_size=300))
def test_owner_is_stripped_and_must_be_1_to_256_characters(owner: str) -> None:
    """The owner is stored stripped and refused when the stripped length is outside 1..256."""
    agent = make_agent()

    try:
        agent.update({"owner": owner}, now=NOW)
        accepted = True
    except InvalidValue:
        accepted = False

    assert accepted is (1 <= len(owner.strip()) <= 256)
    if accepted:
        assert agent.owner == owner.strip()


# ---------------------------------------------------------------------------------------------
# Update examples
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(IMMUTABLE_FIELDS))
def test_update_rejects_an_immutable_field_even_with_its_current_value(name: str) -> None:
    """Naming an immutable field is an error even when the value would not change."""
    agent = make_agent()
    before = agent.snapshot()

    with pytest.raises(ImmutableField) as raised:
        agent.update({name: getattr(agent, name)}, now=NOW + timedelta(seconds=1))

    assert raised.value.field == name
    assert agent == before


def test_update_is_all_or_nothing() -> None:
    """A valid change next to an invalid one is not applied."""
    agent = make_agent(owner="before")
    before = agent.snapshot()

    with pytest.raises(InvalidValue):
        agent.update({"owner": "after", "version": "not-semver"}, now=NOW + timedelta(1))

    assert agent == before


def test_update_sets_updated_at_and_leaves_created_at() -> None:
    """An accepted update stamps updated_at with ``now`` only."""
    agent = make_agent()
    later = NOW + timedelta(minutes=5)

    agent.update({"owner": "new-owner"}, now=later)

    assert (agent.created_at, agent.updated_at) == (NOW, later)


def test_update_of_a_suspended_agent_is_allowed() -> None:
    """Suspension blocks tokens, not administration: a suspended agent can still be edited."""
    agent = make_agent(status=AgentStatus.SUSPENDED)

    agent.update({"deployment_env": "staging"}, now=NOW)

    assert (agent.deployment_env, agent.status) == (DeploymentEnv.STAGING, AgentStatus.SUSPENDED)


def _camel(name: str) -> str:
    """``deployment_env`` → ``deploymentEnv`` (some errors use the wire spelling)."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@pytest.mark.parametrize(("name", "value", "error"), INVALID_AGENT_VALUES)
def test_update_rejects_each_invalid_field_value_naming_the_field(
    name: str, value: object, error: type[DomainError]
) -> None:
    """Every refused value raises the table's error; value-rule errors name the field."""
    agent = make_agent()
    before = agent.snapshot()

    with pytest.raises(error) as raised:
        agent.update({name: value}, now=NOW + timedelta(seconds=1))

    assert agent == before
    if isinstance(raised.value, InvalidValue):
        assert raised.value.field in {name, _camel(name)}


@pytest.mark.parametrize("metadata", [[], "", 0, ()])
def test_register_rejects_falsy_metadata_that_is_not_a_mapping(metadata: object) -> None:
    """Only a mapping (or None for "no metadata") is accepted, even when the value is falsy."""

    with pytest.raises(InvalidValue) as raised:
        make_agent(metadata=metadata)

    assert raised.value.field == "metadata"


def test_register_treats_missing_metadata_as_empty() -> None:
    """``metadata=None`` means no metadata."""

    agent = make_agent(metadata=None)

    assert agent.metadata == {}
