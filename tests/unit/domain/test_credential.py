"""Credential aggregate: issuing, rotation, one-way revocation, usability and secret format."""

from __future__ import annotations

import string
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentidp.domain.agent import AgentStatus
from agentidp.domain.credential import (
    SECRET_HEX_LENGTH,
    SECRET_PREFIX,
    Credential,
    CredentialStatus,
    format_client_secret,
    looks_like_client_secret,
    revoke_all,
)
from agentidp.domain.errors import AgentNotActive, CredentialAlreadyRevoked, InvalidValue
from tests.builders import NOW, make_agent, make_credential
from tests.strategies import (
    credentials,
    durations,
    instants,
    positive_durations,
    secret_hashes,
    secret_randomness,
)

ONE_MICROSECOND = timedelta(microseconds=1)

# ---------------------------------------------------------------------------------------------
# Issue
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [AgentStatus.SUSPENDED, AgentStatus.DECOMMISSIONED])
def test_issue_requires_an_active_agent(status: AgentStatus) -> None:
    """A suspended or decommissioned agent gets no credential; the error names its status."""
    agent = make_agent(status=status)

    with pytest.raises(AgentNotActive) as raised:
        make_credential(agent=agent)

    assert raised.value.status == status.value
    assert raised.value.details["agent_id"] == agent.id


@given(now=instants(), lifetime=positive_durations() | st.none())
def test_issue_creates_an_active_credential(now: datetime, lifetime: timedelta | None) -> None:
    """An active agent with a future (or no) expiry gets an active, unrevoked credential."""
    agent = make_agent(now=now)
    expires_at = None if lifetime is None else now + lifetime

    credential = make_credential(agent=agent, now=now, expires_at=expires_at)

    assert credential.status is CredentialStatus.ACTIVE
    assert (credential.created_at, credential.expires_at) == (now, expires_at)
    assert (credential.revoked_at, credential.rotated_at, credential.revision) == (None, None, 1)
    assert (credential.agent_id, credential.client_id) == (agent.id, agent.id)
    assert credential.organization_id == agent.organization_id


@given(now=instants(), age=durations())
def test_issue_rejects_an_expiry_that_is_not_in_the_future(now: datetime, age: timedelta) -> None:
    """An expiry at or before ``now`` (including exactly ``now``) is InvalidValue."""

    with pytest.raises(InvalidValue) as raised:
        make_credential(now=now, expires_at=now - age)

    assert raised.value.field == "expiresAt"


@pytest.mark.parametrize(
    "operation",
    [
        lambda expiry: make_credential(expires_at=expiry),
        lambda expiry: make_credential().rotate(new_secret_hash="$new", now=NOW, expires_at=expiry),
    ],
    ids=["issue", "rotate"],
)
def test_a_naive_expiry_is_rejected(operation: Callable[[datetime], object]) -> None:
    """An expiry without a timezone names no instant, so issue and rotate refuse it."""
    naive = datetime(2030, 1, 1, 12, 0)

    with pytest.raises(InvalidValue) as raised:
        operation(naive)

    assert raised.value.field == "expiresAt"


# ---------------------------------------------------------------------------------------------
# Rotate
# ---------------------------------------------------------------------------------------------


@given(
    credential=credentials(status=CredentialStatus.ACTIVE),
    new_hash=secret_hashes(),
    delay=durations(max_value=timedelta(days=400)),
    lifetime=positive_durations() | st.none(),
)
def test_rotate_replaces_the_hash_and_keeps_the_identity(
    credential: Credential,
    new_hash: str,
    delay: timedelta,
    lifetime: timedelta | None,
) -> None:
    """Rotation swaps the secret hash and expiry in place; id, owner and creation stay."""
    before = credential.snapshot()
    now = credential.created_at + delay
    expires_at = None if lifetime is None else now + lifetime

    credential.rotate(new_secret_hash=new_hash, now=now, expires_at=expires_at)

    assert credential.secret_hash == new_hash
    assert (credential.expires_at, credential.rotated_at) == (expires_at, now)
    assert credential.status is CredentialStatus.ACTIVE
    assert (credential.id, credential.agent_id, credential.organization_id) == (
        before.id,
        before.agent_id,
        before.organization_id,
    )
    assert (credential.created_at, credential.revoked_at) == (before.created_at, None)


def test_rotate_rejects_a_past_expiry_and_changes_nothing() -> None:
    """A rotation whose new expiry is not in the future leaves the old secret in place."""
    credential = make_credential()
    before = credential.snapshot()
    later = NOW + timedelta(days=1)

    with pytest.raises(InvalidValue):
        credential.rotate(new_secret_hash="$argon2id$new", now=later, expires_at=later)

    assert credential == before


@given(credential=credentials(status=CredentialStatus.REVOKED), new_hash=secret_hashes())
def test_rotate_of_a_revoked_credential_raises_and_changes_nothing(
    credential: Credential, new_hash: str
) -> None:
    """A revoked credential cannot be brought back by rotating it."""
    before = credential.snapshot()

    with pytest.raises(CredentialAlreadyRevoked) as raised:
        credential.rotate(new_secret_hash=new_hash, now=credential.created_at, expires_at=None)

    assert raised.value.credential_id == credential.id
    assert credential == before


# ---------------------------------------------------------------------------------------------
# Revoke
# ---------------------------------------------------------------------------------------------


@given(
    credential=credentials(status=CredentialStatus.ACTIVE),
    delay=durations(),
    again=durations(),
)
def test_revoke_is_one_way_and_a_second_revoke_raises(
    credential: Credential, delay: timedelta, again: timedelta
) -> None:
    """Revoke stamps revoked_at once; revoking again raises and keeps the first stamp."""
    revoked_at = credential.created_at + delay

    credential.revoke(now=revoked_at)
    with pytest.raises(CredentialAlreadyRevoked):
        credential.revoke(now=revoked_at + again)

    assert (credential.status, credential.revoked_at) == (CredentialStatus.REVOKED, revoked_at)
    assert not credential.is_usable(revoked_at)


@given(batch=st.lists(credentials(), max_size=5, unique_by=lambda c: c.id), now=instants())
def test_revoke_all_revokes_exactly_the_active_ones(batch: list[Credential], now: datetime) -> None:
    """revoke_all returns the credentials that were active, in order, and leaves others as-is."""
    was_active = [c for c in batch if c.status is CredentialStatus.ACTIVE]
    already_revoked = {c.id: c.snapshot() for c in batch if c.status is CredentialStatus.REVOKED}

    changed = revoke_all(batch, now=now)

    assert [c.id for c in changed] == [c.id for c in was_active]
    assert all(c is original for c, original in zip(changed, was_active, strict=True))
    assert all(c.status is CredentialStatus.REVOKED for c in batch)
    assert all(c.revoked_at == now for c in changed)
    assert all(c == already_revoked[c.id] for c in batch if c.id in already_revoked)


def test_revoke_all_of_nothing_changes_nothing() -> None:
    """An agent without credentials yields an empty change list."""

    changed = revoke_all([], now=NOW)

    assert changed == []


def test_revoke_all_accepts_any_iterable_once() -> None:
    """A generator (single pass) is enough: each credential is looked at once."""
    batch = [make_credential(), make_credential(status=CredentialStatus.REVOKED), make_credential()]

    changed = revoke_all((c for c in batch), now=NOW)

    assert changed == [batch[0], batch[2]]


# ---------------------------------------------------------------------------------------------
# Usability
# ---------------------------------------------------------------------------------------------


@given(credential=credentials(), now=instants(max_value=datetime(2092, 1, 1, tzinfo=UTC)))
def test_is_usable_iff_active_and_not_yet_expired(credential: Credential, now: datetime) -> None:
    """A credential is usable exactly while it is active and ``now`` is before its expiry."""
    expected = credential.status is CredentialStatus.ACTIVE and (
        credential.expires_at is None or now < credential.expires_at
    )

    usable = credential.is_usable(now)

    assert usable is expected


@given(credential=credentials(status=CredentialStatus.ACTIVE, expiring=True))
def test_is_usable_boundary_at_expiry(credential: Credential) -> None:
    """One microsecond before expiry is usable; the expiry instant itself is not."""
    assert credential.expires_at is not None

    just_before = credential.is_usable(credential.expires_at - ONE_MICROSECOND)
    at_expiry = credential.is_usable(credential.expires_at)

    assert (just_before, at_expiry) == (True, False)


@given(credential=credentials(status=CredentialStatus.ACTIVE, expiring=False), delay=durations())
def test_credential_without_expiry_stays_usable_until_revoked(
    credential: Credential, delay: timedelta
) -> None:
    """No expiry means usable at any later time, until revoke."""
    later = credential.created_at + delay

    usable_before = credential.is_usable(later)
    credential.revoke(now=later)

    assert usable_before
    assert not credential.is_usable(later)


def test_snapshot_is_an_independent_equal_copy() -> None:
    """A snapshot equals the original and revoking it leaves the original active."""
    credential = make_credential()

    copy = credential.snapshot()
    equal_before = copy == credential
    copy.revoke(now=NOW)

    assert equal_before
    assert credential.status is CredentialStatus.ACTIVE


# ---------------------------------------------------------------------------------------------
# Client secret format
# ---------------------------------------------------------------------------------------------


@given(randomness=secret_randomness())
def test_format_client_secret_is_prefix_plus_64_hex(randomness: str) -> None:
    """Any 32 random bytes in hex make an ``sk_live_`` + 64 hex secret the shape check accepts."""

    secret = format_client_secret(randomness)

    assert secret == SECRET_PREFIX + randomness
    assert len(secret) == len("sk_live_") + 64
    assert set(secret.removeprefix("sk_live_")) <= set("0123456789abcdef")
    assert looks_like_client_secret(secret)


@given(
    candidate=secret_randomness()
    | st.text(alphabet=string.hexdigits + "g \n", max_size=70)
    | st.text(max_size=70)
)
def test_format_and_shape_check_agree(candidate: str) -> None:
    """format_client_secret accepts exactly the randomness whose secret looks like a secret."""
    looks_valid = looks_like_client_secret(SECRET_PREFIX + candidate)

    try:
        format_client_secret(candidate)
        formatted = True
    except InvalidValue:
        formatted = False

    assert formatted is looks_valid
    assert looks_valid is (
        len(candidate) == SECRET_HEX_LENGTH and set(candidate) <= set("0123456789abcdef")
    )


@pytest.mark.parametrize(
    "value",
    [
        "",
        "sk_live_",
        "sk_live_" + "a" * 63,
        "sk_live_" + "a" * 65,
        "sk_live_" + "A" * 64,
        "sk_test_" + "a" * 64,
        "SK_LIVE_" + "a" * 64,
        " sk_live_" + "a" * 64,
        "sk_live_" + "a" * 64 + "\n",
        "sk_live_" + "a" * 63 + "\u0661",
    ],
)
def test_looks_like_client_secret_rejects_near_misses(value: str) -> None:
    """Wrong prefix, case, length or trailing whitespace fails the cheap shape check."""

    looks = looks_like_client_secret(value)

    assert not looks
