"""Delegation chains only narrow: properties over generated chains, and a state machine of
grants, extensions, revocations and the passing of time."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
)

from agentidp.domain.delegation import (
    MAX_TTL,
    MIN_TTL,
    CrossTenantDelegation,
    Delegation,
    DelegationDepthExceeded,
    DelegationId,
    DelegationTtlOutOfRange,
    ParentDelegationInactive,
    Party,
    ScopeExceedsDelegator,
    SelfDelegation,
    actors,
    chain_authorises,
    chain_is_active,
    is_well_formed_chain,
)
from agentidp.domain.errors import DomainError
from agentidp.domain.ids import AgentId, OrganizationId
from agentidp.domain.scopes import ADMIN_PLATFORM, KNOWN_SCOPES

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ORG = OrganizationId(str(uuid.UUID(int=1)))
ALL_SCOPES = sorted(set(KNOWN_SCOPES) - {ADMIN_PLATFORM})
MAX_DEPTH = 4

scope_sets = st.frozensets(st.sampled_from(ALL_SCOPES), min_size=1)
ttls = st.integers(MIN_TTL.total_seconds(), MAX_TTL.total_seconds()).map(
    lambda seconds: timedelta(seconds=seconds)
)
delays = st.integers(0, 3 * 86400).map(lambda seconds: timedelta(seconds=seconds))


def agent(n: int, scopes: frozenset[str] = frozenset(ALL_SCOPES)) -> Party:
    return Party(AgentId(str(uuid.UUID(int=1000 + n))), ORG, scopes)


def new_id() -> DelegationId:
    return DelegationId(str(uuid.uuid4()))


def grant(
    delegator: Party,
    delegatee: Party,
    scopes: frozenset[str],
    *,
    ttl: timedelta = timedelta(hours=1),
    now: datetime = T0,
    parent: Delegation | None = None,
) -> Delegation:
    return Delegation.grant(
        id=new_id(),
        delegator=delegator,
        delegatee=delegatee,
        scopes=scopes,
        ttl=ttl,
        now=now,
        parent=parent,
        max_depth=MAX_DEPTH,
    )


@st.composite
def chains(draw: st.DrawFn) -> tuple[list[Delegation], list[frozenset[str]]]:
    """A chain grown link by link; each step *asks* for any scopes (wider ones included)
    and keeps only the grants the domain accepted. Returns the chain and every request."""
    root_scopes = draw(scope_sets)
    now = T0
    chain = [grant(agent(0, root_scopes), agent(1), root_scopes, ttl=draw(ttls), now=now)]
    requests = [root_scopes]
    for n in range(2, draw(st.integers(2, MAX_DEPTH)) + 1):
        now += timedelta(seconds=draw(st.integers(0, 50)))
        requested = draw(scope_sets)
        requests.append(requested)
        try:
            link = grant(
                agent(n - 1), agent(n), requested, ttl=draw(ttls), now=now, parent=chain[-1]
            )
        except ScopeExceedsDelegator:
            assert not requested <= chain[-1].scopes  # refused only when it would widen
            continue
        except ParentDelegationInactive:
            continue
        chain.append(link)
    return chain, requests


@given(chains())
def test_effective_scopes_never_grow_along_a_chain(
    generated: tuple[list[Delegation], list[frozenset[str]]],
) -> None:
    chain, _ = generated
    assert is_well_formed_chain(chain)
    for parent, child in itertools.pairwise(chain):
        assert child.scopes <= parent.scopes
        assert child.depth == parent.depth + 1 <= MAX_DEPTH


@given(chains())
def test_expiry_never_extends_past_the_parent(
    generated: tuple[list[Delegation], list[frozenset[str]]],
) -> None:
    chain, _ = generated
    for parent, child in itertools.pairwise(chain):
        assert child.expires_at <= parent.expires_at
        assert child.created_at < child.expires_at


@given(chains(), st.data())
def test_a_revoked_ancestor_deactivates_every_descendant(
    generated: tuple[list[Delegation], list[frozenset[str]]], data: st.DataObject
) -> None:
    chain, _ = generated
    index = data.draw(st.integers(0, len(chain) - 1))
    revoked_at = chain[-1].created_at + data.draw(delays)
    revoked = [*chain[:index], chain[index].revoke(revoked_at), *chain[index + 1 :]]
    later = revoked_at + data.draw(delays)
    for end in range(index + 1, len(chain) + 1):
        assert not chain_is_active(revoked[:end], later)
    # Links above the revoked one are untouched.
    assert chain_is_active(revoked[:index], later) == (
        index > 0 and all(link.is_active(later) for link in chain[:index])
    )


@given(chains(), st.data())
def test_an_expired_ancestor_deactivates_every_descendant(
    generated: tuple[list[Delegation], list[frozenset[str]]], data: st.DataObject
) -> None:
    chain, _ = generated
    index = data.draw(st.integers(0, len(chain) - 1))
    moment = chain[index].expires_at + data.draw(delays)
    for end in range(index + 1, len(chain) + 1):
        assert not chain_is_active(chain[:end], moment)


@given(chains(), scope_sets)
def test_a_token_never_carries_more_than_its_link(
    generated: tuple[list[Delegation], list[frozenset[str]]], scope: frozenset[str]
) -> None:
    chain, _ = generated
    now = chain[-1].created_at
    authorised = chain_authorises(
        chain,
        subject=chain[0].delegator_id,
        acting=actors(chain),
        scope=scope,
        organization_id=ORG,
        now=now,
    )
    assert authorised == (scope <= chain[-1].scopes and chain_is_active(chain, now))


@given(chains())
def test_a_token_must_name_the_chain_exactly(
    generated: tuple[list[Delegation], list[frozenset[str]]],
) -> None:
    chain, _ = generated
    now = chain[-1].created_at
    scope = chain[-1].scopes
    good = {"subject": chain[0].delegator_id, "acting": actors(chain), "organization_id": ORG}
    assert chain_authorises(chain, scope=scope, now=now, **good)  # type: ignore[arg-type]
    stranger = agent(99).id
    for bad in (
        {**good, "subject": stranger},
        {**good, "acting": (stranger, *actors(chain)[1:])},
        {**good, "acting": actors(chain)[:-1]},
        {**good, "organization_id": OrganizationId(str(uuid.UUID(int=2)))},
    ):
        assert not chain_authorises(chain, scope=scope, now=now, **bad)  # type: ignore[arg-type]


@given(scope_sets, scope_sets)
def test_a_root_grant_is_a_subset_of_the_delegator(
    held: frozenset[str], requested: frozenset[str]
) -> None:
    if requested <= held:
        assert grant(agent(0, held), agent(1), requested).scopes == requested
    else:
        with pytest.raises(ScopeExceedsDelegator) as refused:
            grant(agent(0, held), agent(1), requested)
        assert refused.value.details["available"] == sorted(held)


@given(st.integers(-(10**6), 10**6))
def test_ttl_bounds(seconds: int) -> None:
    ttl = timedelta(seconds=seconds)
    if MIN_TTL <= ttl <= MAX_TTL:
        assert grant(agent(0), agent(1), frozenset({"agents:read"}), ttl=ttl).ttl_seconds == seconds
    else:
        with pytest.raises(DelegationTtlOutOfRange) as refused:
            grant(agent(0), agent(1), frozenset({"agents:read"}), ttl=ttl)
        assert refused.value.message == "ttlSeconds must be between 60 and 86400."


def test_structural_rules() -> None:
    a, b = agent(0), agent(1)
    with pytest.raises(SelfDelegation):
        grant(a, a, frozenset({"agents:read"}))
    foreign = Party(agent(2).id, OrganizationId(str(uuid.UUID(int=2))), frozenset(ALL_SCOPES))
    with pytest.raises(CrossTenantDelegation) as refused:
        grant(a, foreign, frozenset({"agents:read"}))
    assert refused.value.message == (
        "Delegatee agent must be in the same organization as the delegator."
    )
    with pytest.raises(ScopeExceedsDelegator):  # operator-only scopes never travel
        grant(Party(a.id, ORG, frozenset({ADMIN_PLATFORM})), b, frozenset({ADMIN_PLATFORM}))
    with pytest.raises(DomainError):
        grant(a, b, frozenset())


def test_extension_rules() -> None:
    a, b, c = agent(0), agent(1), agent(2)
    root = grant(a, b, frozenset({"agents:read", "agents:write"}))
    with pytest.raises(ParentDelegationInactive):  # only the parent's delegatee extends it
        grant(c, a, frozenset({"agents:read"}), parent=root)
    with pytest.raises(ParentDelegationInactive):
        grant(b, c, frozenset({"agents:read"}), parent=root.revoke(T0))
    with pytest.raises(ParentDelegationInactive):
        grant(b, c, frozenset({"agents:read"}), parent=root, now=root.expires_at)
    # B's own scopes do not matter: the parent link's do.
    narrow_b = Party(b.id, ORG, frozenset({"audit:read"}))
    assert grant(narrow_b, c, frozenset({"agents:write"}), parent=root).scopes == {"agents:write"}
    with pytest.raises(ScopeExceedsDelegator):
        grant(narrow_b, c, frozenset({"audit:read"}), parent=root)
    # Asking for a day under a one-hour parent gives the parent's expiry.
    capped = grant(b, c, frozenset({"agents:read"}), parent=root, ttl=MAX_TTL)
    assert capped.expires_at == root.expires_at


def test_depth_limit() -> None:
    chain = [grant(agent(0), agent(1), frozenset({"agents:read"}))]
    for n in range(2, MAX_DEPTH + 1):
        chain.append(grant(agent(n - 1), agent(n), frozenset({"agents:read"}), parent=chain[-1]))
    with pytest.raises(DelegationDepthExceeded):
        grant(agent(MAX_DEPTH), agent(MAX_DEPTH + 1), frozenset({"agents:read"}), parent=chain[-1])


def test_revoke_is_idempotent_and_keeps_the_first_instant() -> None:
    root = grant(agent(0), agent(1), frozenset({"agents:read"}))
    first = root.revoke(T0 + timedelta(seconds=1))
    assert first.revoke(T0 + timedelta(seconds=2)) is first
    assert first.revoked_at == T0 + timedelta(seconds=1)


class DelegationMachine(RuleBasedStateMachine):
    """Grant, extend, revoke and let time pass in any order; the chain invariants hold."""

    links = Bundle("links")

    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.stored: dict[DelegationId, Delegation] = {}
        self.counter = 0

    def chain(self, link_id: DelegationId) -> list[Delegation]:
        chain: list[Delegation] = []
        current: DelegationId | None = link_id
        while current is not None:
            chain.append(self.stored[current])
            current = self.stored[current].parent_id
        return chain[::-1]

    def fresh_agent(self) -> Party:
        self.counter += 1
        return agent(self.counter)

    @rule(target=links, scopes=scope_sets, ttl=ttls)
    def grant_root(self, scopes: frozenset[str], ttl: timedelta) -> DelegationId:
        link = grant(agent(0), self.fresh_agent(), scopes, ttl=ttl, now=self.now)
        self.stored[link.id] = link
        return link.id

    @rule(target=links, parent_id=links, scopes=scope_sets, ttl=ttls)
    def extend(
        self, parent_id: DelegationId, scopes: frozenset[str], ttl: timedelta
    ) -> DelegationId:
        parent = self.stored[parent_id]
        chain = self.chain(parent_id)
        delegator = Party(parent.delegatee_id, ORG, frozenset())
        try:
            link = grant(
                delegator, self.fresh_agent(), scopes, ttl=ttl, now=self.now, parent=parent
            )
        except (ScopeExceedsDelegator, ParentDelegationInactive, DelegationDepthExceeded):
            assume(False)
            raise AssertionError("unreachable") from None
        # The use case also requires the parent's ancestors active; the domain alone does not.
        assume(chain_is_active(chain, self.now))
        self.stored[link.id] = link
        return link.id

    @rule(link_id=links)
    def revoke(self, link_id: DelegationId) -> None:
        self.stored[link_id] = self.stored[link_id].revoke(self.now)

    @rule(delay=st.integers(0, 7200))
    def wait(self, delay: int) -> None:
        self.now += timedelta(seconds=delay)

    @rule(link_id=consumes(links))
    def forget(self, link_id: DelegationId) -> None:
        """Stop choosing this link (it stays stored, and in its descendants' chains)."""

    @invariant()
    def chains_only_narrow_and_deactivate_downward(self) -> None:
        for link_id in self.stored:
            chain = self.chain(link_id)
            assert is_well_formed_chain(chain)
            assert len(chain) <= MAX_DEPTH
            active = chain_is_active(chain, self.now)
            assert active == all(link.is_active(self.now) for link in chain)
            if active:
                assert all(chain_is_active(chain[:end], self.now) for end in range(1, len(chain)))


TestDelegationMachine = DelegationMachine.TestCase
