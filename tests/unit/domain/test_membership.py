"""Membership: roles are exactly member and admin."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentidp.domain.errors import InvalidValue
from agentidp.domain.membership import MemberRole, Membership, MembershipId
from tests.builders import NOW, random_id
from tests.strategies import agent_ids, organization_ids


@given(organization_id=organization_ids(), agent_id=agent_ids(), role=st.sampled_from(MemberRole))
def test_create_keeps_ids_role_and_time(
    organization_id: str, agent_id: str, role: MemberRole
) -> None:
    """A valid role (given as its value) makes a membership joined now."""
    membership = Membership.create(
        id=MembershipId(random_id()),
        organization_id=organization_id,
        agent_id=agent_id,
        role=role.value,
        now=NOW,
    )

    assert (membership.organization_id, membership.agent_id) == (organization_id, agent_id)
    assert membership.role is role
    assert membership.joined_at == NOW


@given(role=st.text(max_size=20).filter(lambda text: text not in {"member", "admin"}))
def test_any_other_role_is_refused_with_the_spec_message(role: str) -> None:
    """Anything but member or admin (case matters) is InvalidValue on field ``role``."""
    with pytest.raises(InvalidValue) as refused:
        Membership.create(
            id=MembershipId(random_id()),
            organization_id=random_id(),
            agent_id=random_id(),
            role=role,
            now=NOW,
        )

    assert (refused.value.field, refused.value.reason) == (
        "role",
        "role must be one of: member, admin.",
    )
