"""Organization lifecycle properties: validated updates, active ⇄ suspended, one-way delete.

The oracle is a plain dict of the fields an organization should have after each step; the
domain must agree with it after any sequence of operations, and a deleted organization must
refuse every further change without changing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentidp.domain.errors import InvalidValue
from agentidp.domain.organization import Organization, OrganizationDeleted, OrganizationStatus
from agentidp.domain.tiers import PlanTier
from tests.builders import NOW, make_organization
from tests.strategies import instants, organization_names, organizations

FIELDS = ("name", "plan_tier", "max_agents", "max_tokens_per_month", "status")
limits = st.integers(min_value=1, max_value=2**31 - 1)


def valid_changes() -> st.SearchStrategy[dict[str, Any]]:
    """A non-empty set of valid changes (status only active or suspended)."""
    values = {
        "name": organization_names(),
        "plan_tier": st.sampled_from([tier.value for tier in PlanTier]),
        "max_agents": limits,
        "max_tokens_per_month": limits,
        "status": st.sampled_from(["active", "suspended"]),
    }
    return st.fixed_dictionaries({}, optional=values).filter(bool)


def invalid_changes() -> st.SearchStrategy[dict[str, Any]]:
    """One change that breaks its field's rule."""
    return st.one_of(
        st.builds(lambda v: {"status": v}, st.sampled_from(["deleted", "DELETED", "gone", ""])),
        st.builds(lambda v: {"max_agents": v}, st.integers(max_value=0) | st.just(True)),
        st.builds(lambda v: {"max_tokens_per_month": v}, st.integers(max_value=0) | st.none()),
        st.builds(lambda v: {"plan_tier": v}, st.sampled_from(["gold", "FREE", ""])),
        st.builds(lambda v: {"name": v}, st.sampled_from(["", "   ", "x" * 257])),
        st.builds(lambda v: {v: "x"}, st.sampled_from(["slug", "id", "created_at", "revision"])),
    )


def expected_after(model: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The oracle: fields overwritten by the change (names stripped, enums by value)."""
    updated = dict(model)
    for field, value in changes.items():
        updated[field] = value.strip() if field == "name" else value
    return updated


def observed(organization: Organization) -> dict[str, Any]:
    return {
        "name": organization.name,
        "plan_tier": organization.plan_tier.value,
        "max_agents": organization.max_agents,
        "max_tokens_per_month": organization.max_tokens_per_month,
        "status": organization.status.value,
    }


def apply(
    organization: Organization, operation: str, changes: dict[str, Any], now: datetime
) -> Organization:
    """Run one scripted step."""
    if operation == "delete":
        return organization.delete(now=now)
    return organization.update(changes, now=now)


Step = tuple[str, dict[str, Any], datetime]
steps = st.lists(
    st.tuples(
        st.sampled_from(["update", "update", "update", "delete"]), valid_changes(), instants()
    ),
    max_size=12,
)


@given(organization=organizations(), script=steps)
def test_any_sequence_of_changes_follows_the_model(
    organization: Organization, script: list[Step]
) -> None:
    """Updates apply exactly their fields; delete is one-way and afterwards every change
    raises OrganizationDeleted and leaves the organization as it was. Identity and creation
    time never change; ``updated_at`` is the time of the last accepted change."""
    model, deleted, last_change = observed(organization), False, organization.created_at
    for operation, changes, now in script:
        before = organization
        if deleted:
            with pytest.raises(OrganizationDeleted):
                apply(organization, operation, changes, now)
            assert organization == before
            continue
        organization = apply(organization, operation, changes, now)
        if operation == "delete":
            model["status"], deleted = "deleted", True
        else:
            model = expected_after(model, changes)
        last_change = now
        assert observed(organization) == model
        assert (organization.id, organization.slug, organization.created_at) == (
            before.id,
            before.slug,
            before.created_at,
        )
        assert organization.updated_at == last_change
        assert organization.is_deleted is deleted
        assert organization.is_active is (model["status"] == "active")


@given(organization=organizations(), changes=invalid_changes(), now=instants())
def test_an_invalid_change_is_refused_whole(
    organization: Organization, changes: dict[str, Any], now: datetime
) -> None:
    """A change breaking its rule (status deleted, a limit below 1, an unknown tier, a blank
    name, an immutable field) raises InvalidValue and returns nothing new."""
    with pytest.raises(InvalidValue):
        organization.update({"name": "Kept Valid", **changes}, now=now)


def test_status_deleted_is_only_reachable_through_delete() -> None:
    """PATCHing status to deleted is a validation error naming the allowed values."""
    with pytest.raises(InvalidValue) as refused:
        make_organization().update({"status": "deleted"}, now=NOW)

    assert refused.value.reason == "status must be one of: active, suspended."


def test_a_deleted_organization_is_refused_with_its_id() -> None:
    """The terminal-state error carries the organization's id and the spec's code."""
    deleted = make_organization().delete(now=NOW)

    with pytest.raises(OrganizationDeleted) as refused:
        deleted.delete(now=NOW)

    assert refused.value.organization_id == deleted.id
    assert refused.value.code == "ORG_ALREADY_DELETED"
    assert deleted.status is OrganizationStatus.DELETED


@given(
    tier=st.sampled_from(list(PlanTier)),
    max_agents=st.none() | limits,
    max_tokens=st.none() | limits,
)
def test_create_keeps_tier_and_overrides(
    tier: PlanTier, max_agents: int | None, max_tokens: int | None
) -> None:
    """A new organization has the given tier and overrides (None: the tier's limits), and its
    ``updated_at`` is its creation time."""
    organization = make_organization(
        plan_tier=tier.value, max_agents=max_agents, max_tokens_per_month=max_tokens
    )

    assert (organization.plan_tier, organization.max_agents) == (tier, max_agents)
    assert organization.max_tokens_per_month == max_tokens
    assert organization.updated_at == organization.created_at
