"""Audit hash chain: every single modification of a stored log is caught at the right event.

Positions matter more than ids here: each tamper test states *where* verification must stop
(``checked_count``) and *which* event it blames (``broken_at``).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from agentidp.domain.audit import (
    GENESIS_HASH,
    AuditAction,
    AuditEvent,
    ChainedAuditEvent,
    ChainVerification,
    Outcome,
    canonical_bytes,
    canonical_timestamp,
    chain,
    event_hash,
    verify_chain,
)
from agentidp.domain.errors import InvalidValue
from tests.builders import NOW, make_audit_event
from tests.strategies import (
    agent_ids,
    audit_chains,
    audit_event_ids,
    audit_event_lists,
    audit_events,
    fixed_offsets,
    instants,
    ip_addresses,
    json_objects,
    organization_ids,
    sha256_hex,
    unicode_text,
)

#: A replacement-value strategy for every field of AuditEvent (checked to stay complete).
EVENT_FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "id": audit_event_ids(),
    "occurred_at": instants(any_offset=True),
    "organization_id": st.none() | organization_ids(),
    "actor_id": st.none() | unicode_text(max_size=12, surrogates=True),
    "agent_id": st.none() | agent_ids(),
    "action": st.sampled_from(list(AuditAction)),
    "outcome": st.sampled_from(list(Outcome)),
    "ip_address": st.none() | ip_addresses(),
    "user_agent": st.none() | unicode_text(surrogates=True),
    "metadata": json_objects(),
}

#: Each example of a whole-log property builds, hashes and verifies a log of several events
#: (about twenty times the work of a one-event example), so those properties run half the
#: active profile's examples; this keeps the domain suite well under 20 s.
LOG_SETTINGS = settings(max_examples=max(25, settings.default.max_examples // 2))

CANONICAL_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")


def decode(encoded: bytes) -> str:
    """Undo the canonical encoding's UTF-8 step (which lets lone surrogates through)."""
    return encoded.decode("utf-8", "surrogatepass")


def document(event: AuditEvent, previous_hash: str) -> dict[str, Any]:
    """What canonical_bytes must encode: every field, by its wire name."""
    return {
        "id": event.id,
        "occurredAt": canonical_timestamp(event.occurred_at),
        "organizationId": event.organization_id,
        "actorId": event.actor_id,
        "agentId": event.agent_id,
        "action": event.action.value,
        "outcome": event.outcome.value,
        "ipAddress": event.ip_address,
        "userAgent": event.user_agent,
        "metadata": event.metadata,
        "previousHash": previous_hash,
    }


def flipped(hex_digest: str, position: int) -> str:
    """``hex_digest`` with one hex digit changed (the smallest possible edit)."""
    position %= len(hex_digest)
    digit = "0" if hex_digest[position] != "0" else "1"
    return hex_digest[:position] + digit + hex_digest[position + 1 :]


def link_values(current: str) -> st.SearchStrategy[str]:
    """Replacement values for a stored hash field: random, empty or a one-digit edit."""
    edits = st.integers(min_value=0, max_value=63).map(
        lambda p: flipped(current, p) if current else "0"
    )
    return (sha256_hex() | st.just(GENESIS_HASH) | edits).filter(lambda value: value != current)


def test_every_event_field_has_a_tamper_strategy() -> None:
    """Adding a field to AuditEvent without a tamper case here fails this test."""

    names = {f.name for f in fields(AuditEvent)}

    assert names == set(EVENT_FIELD_VALUES)


# ---------------------------------------------------------------------------------------------
# An untouched log verifies
# ---------------------------------------------------------------------------------------------


@LOG_SETTINGS
@given(events=audit_event_lists())
def test_chain_then_verify_checks_every_event(events: list[AuditEvent]) -> None:
    """Any list of events, once chained, links each to its predecessor and verifies in full."""

    log = chain(events)

    assert [stored.event for stored in log] == events
    assert [s.previous_hash for s in log] == [GENESIS_HASH, *(s.hash for s in log)][: len(log)]
    assert verify_chain(log) == ChainVerification(True, len(events), None)


@LOG_SETTINGS
@given(events=audit_event_lists(), cut=st.integers(min_value=0, max_value=5))
def test_chaining_in_two_batches_equals_chaining_at_once(
    events: list[AuditEvent], cut: int
) -> None:
    """A batch chained after the last stored hash continues the log and verifies against it."""
    cut = min(cut, len(events))
    head = chain(events[:cut])
    anchor = head[-1].hash if head else GENESIS_HASH

    tail = chain(events[cut:], anchor)

    assert head + tail == chain(events)
    assert verify_chain(tail, expected_previous=anchor) == ChainVerification(True, len(tail), None)


@LOG_SETTINGS
@given(log=audit_chains(min_size=1), data=st.data())
def test_any_sub_range_verifies_on_its_own_but_not_as_a_whole_log(
    log: list[ChainedAuditEvent], data: st.DataObject
) -> None:
    """A range verifies trusting its first link or anchored to its true predecessor; a range
    that starts mid-chain fails against the genesis anchor."""
    bounds = st.lists(st.integers(0, len(log)), min_size=2, max_size=2, unique=True)
    start, stop = sorted(data.draw(bounds, label="bounds"))
    predecessor = log[start - 1].hash if start else GENESIS_HASH

    trusting = verify_chain(log[start:stop], expected_previous=None)
    anchored = verify_chain(log[start:stop], expected_previous=predecessor)
    as_whole_log = verify_chain(log[start:stop])

    assert trusting == anchored == ChainVerification(True, stop - start, None)
    if start:
        assert as_whole_log == ChainVerification(False, 0, log[start].event.id)


def test_an_empty_log_verifies() -> None:
    """Nothing to check is a success with zero events checked."""

    result = verify_chain([])

    assert result == ChainVerification(True, 0, None)


def test_verify_accepts_a_single_pass_iterator() -> None:
    """Events can be streamed from storage: a generator is enough."""
    log = chain([make_audit_event(), make_audit_event()])

    result = verify_chain(stored for stored in log)

    assert result == ChainVerification(True, 2, None)


# ---------------------------------------------------------------------------------------------
# Every single modification is detected, at the right event
# ---------------------------------------------------------------------------------------------


@LOG_SETTINGS
@given(log=audit_chains(min_size=1), data=st.data())
def test_altering_any_field_of_any_event_breaks_the_chain_there(
    log: list[ChainedAuditEvent], data: st.DataObject
) -> None:
    """Changing what any event says (any field, metadata included) fails at that event."""
    index = data.draw(st.integers(min_value=0, max_value=len(log) - 1), label="index")
    name = data.draw(st.sampled_from(sorted(EVENT_FIELD_VALUES)), label="field")
    stored = log[index]
    event = replace(stored.event, **{name: data.draw(EVENT_FIELD_VALUES[name], label="value")})
    assume(
        canonical_bytes(event, stored.previous_hash)
        != canonical_bytes(stored.event, stored.previous_hash)
    )
    tampered = [*log[:index], replace(stored, event=event), *log[index + 1 :]]

    result = verify_chain(tampered)

    assert result == ChainVerification(False, index, event.id)


@LOG_SETTINGS
@given(log=audit_chains(min_size=1), data=st.data())
def test_altering_a_stored_hash_or_link_breaks_the_chain_there(
    log: list[ChainedAuditEvent], data: st.DataObject
) -> None:
    """Overwriting previous_hash or hash of any event, even by one digit, fails at that event,
    also when a range starting there is verified without an anchor (the link is hashed)."""
    index = data.draw(st.integers(min_value=0, max_value=len(log) - 1), label="index")
    name = data.draw(st.sampled_from(["previous_hash", "hash"]), label="field")
    stored = log[index]
    value = data.draw(link_values(getattr(stored, name)), label="value")
    tampered = [*log[:index], replace(stored, **{name: value}), *log[index + 1 :]]

    whole = verify_chain(tampered)
    from_there = verify_chain(tampered[index:], expected_previous=None)

    assert whole == ChainVerification(False, index, stored.event.id)
    assert from_there == ChainVerification(False, 0, stored.event.id)


@LOG_SETTINGS
@given(log=audit_chains(min_size=2), data=st.data())
def test_removing_any_event_but_the_newest_breaks_the_chain_at_its_successor(
    log: list[ChainedAuditEvent], data: st.DataObject
) -> None:
    """Deleting an event orphans the next one, which is where verification stops."""
    index = data.draw(st.integers(min_value=0, max_value=len(log) - 2), label="index")

    result = verify_chain([*log[:index], *log[index + 1 :]])

    assert result == ChainVerification(False, index, log[index + 1].event.id)


def test_tail_truncation_is_invisible_without_an_anchor_and_caught_with_one() -> None:
    """Dropping the newest event leaves a valid shorter chain; an anchored head exposes it."""
    log = chain([make_audit_event(), make_audit_event(), make_audit_event()])

    unanchored = verify_chain(log[:-1])
    anchored = verify_chain(log[:-1], expected_head=log[-1].hash)
    intact = verify_chain(log, expected_head=log[1].hash)

    assert unanchored == ChainVerification(True, 2, None)
    assert anchored == ChainVerification(False, 2, None)
    assert intact == ChainVerification(True, 3, None)


@LOG_SETTINGS
@given(log=audit_chains(min_size=1), data=st.data())
def test_cutting_off_any_tail_fails_against_a_head_anchor(
    log: list[ChainedAuditEvent], data: st.DataObject
) -> None:
    """With the newest hash recorded elsewhere, dropping any number of newest events fails
    after checking what is left, blaming no event (there is none to blame)."""
    keep = data.draw(st.integers(min_value=0, max_value=len(log) - 1), label="keep")

    result = verify_chain(log[:keep], expected_head=log[-1].hash)

    assert result == ChainVerification(False, keep, None)


@LOG_SETTINGS
@given(log=audit_chains(min_size=1), data=st.data())
def test_an_anchor_to_any_event_still_present_verifies(
    log: list[ChainedAuditEvent], data: st.DataObject
) -> None:
    """An anchor recorded when the log was shorter is met after later appends."""
    anchored = data.draw(st.integers(min_value=0, max_value=len(log) - 1), label="anchored")

    result = verify_chain(log, expected_head=log[anchored].hash)

    assert result == ChainVerification(True, len(log), None)


@LOG_SETTINGS
@given(log=audit_chains(min_size=2), data=st.data())
def test_an_anchor_does_not_hide_an_earlier_break(
    log: list[ChainedAuditEvent], data: st.DataObject
) -> None:
    """Tampering before the anchored event is still reported at the tampered event."""
    index = data.draw(st.integers(min_value=0, max_value=len(log) - 2), label="index")
    tampered = list(log)
    tampered[index] = replace(log[index], hash=flipped(log[index].hash, 0))

    result = verify_chain(tampered, expected_head=log[-1].hash)

    assert result == ChainVerification(False, index, log[index].event.id)


def test_an_anchor_equal_to_the_starting_link_is_met() -> None:
    """An anchor taken while the log (or the range) was still empty is its starting link,
    which every log (or range) grown from it satisfies."""
    log = chain([make_audit_event(), make_audit_event()])

    results = (
        verify_chain([], expected_head=GENESIS_HASH),
        verify_chain(log, expected_head=GENESIS_HASH),
        verify_chain(log[1:], expected_previous=log[0].hash, expected_head=log[0].hash),
        verify_chain(log[1:], expected_previous=None, expected_head=log[0].hash),
    )

    assert results == (
        ChainVerification(True, 0, None),
        ChainVerification(True, 2, None),
        ChainVerification(True, 1, None),
        ChainVerification(True, 1, None),
    )


@LOG_SETTINGS
@given(log=audit_chains(), forged=audit_events(), data=st.data())
def test_inserting_a_badly_chained_forgery_anywhere_breaks_the_chain_at_it(
    log: list[ChainedAuditEvent], forged: AuditEvent, data: st.DataObject
) -> None:
    """A forgery with a wrong previous_hash, or a right one but a hash of other content,
    fails where it sits (at the end of the log too)."""
    index = data.draw(st.integers(min_value=0, max_value=len(log)), label="index")
    predecessor = log[index - 1].hash if index else GENESIS_HASH
    broken = data.draw(st.sampled_from(["previous_hash", "hash"]), label="broken")
    correct = forged.chained(predecessor)
    stored = replace(correct, **{broken: data.draw(link_values(getattr(correct, broken)))})

    result = verify_chain([*log[:index], stored, *log[index:]])

    assert result == ChainVerification(False, index, forged.id)


@LOG_SETTINGS
@given(log=audit_chains(min_size=1), forged=audit_events(), data=st.data())
def test_a_forgery_chained_to_its_predecessor_breaks_the_chain_at_its_successor(
    log: list[ChainedAuditEvent], forged: AuditEvent, data: st.DataObject
) -> None:
    """A correctly hashed forgery passes itself, but the next real event no longer links."""
    index = data.draw(st.integers(min_value=0, max_value=len(log) - 1), label="index")
    predecessor = log[index - 1].hash if index else GENESIS_HASH

    result = verify_chain([*log[:index], forged.chained(predecessor), *log[index:]])

    assert result == ChainVerification(False, index + 1, log[index].event.id)


@LOG_SETTINGS
@given(log=audit_chains(min_size=1), data=st.data())
def test_replaying_any_stored_event_anywhere_is_detected(
    log: list[ChainedAuditEvent], data: st.DataObject
) -> None:
    """A verbatim copy of a stored event, inserted anywhere, breaks the chain at a copy of it."""
    source = data.draw(st.integers(min_value=0, max_value=len(log) - 1), label="source")
    index = data.draw(st.integers(min_value=0, max_value=len(log)), label="index")
    replay = log[source]
    tampered = [*log[:index], replay, *log[index:]]

    result = verify_chain(tampered)

    # Placed just before the original, the copy links fine and the original is orphaned.
    expected_position = index + 1 if index == source else index
    assert result == ChainVerification(False, expected_position, replay.event.id)


@LOG_SETTINGS
@given(log=audit_chains(min_size=2), data=st.data())
def test_swapping_two_adjacent_events_breaks_the_chain_at_the_first_of_them(
    log: list[ChainedAuditEvent], data: st.DataObject
) -> None:
    """Reordering neighbours fails at the position of the one moved forward."""
    index = data.draw(st.integers(min_value=0, max_value=len(log) - 2), label="index")
    tampered = [*log[:index], log[index + 1], log[index], *log[index + 2 :]]

    result = verify_chain(tampered)

    assert result == ChainVerification(False, index, log[index + 1].event.id)


@LOG_SETTINGS
@given(log=audit_chains(min_size=2), data=st.data())
def test_any_reordering_breaks_the_chain_at_the_first_moved_event(
    log: list[ChainedAuditEvent], data: st.DataObject
) -> None:
    """Any permutation other than the identity fails at its first out-of-place position."""
    order = data.draw(st.permutations(range(len(log))), label="order")
    assume(order != list(range(len(log))))
    first_moved = next(i for i, j in enumerate(order) if i != j)

    result = verify_chain([log[j] for j in order])

    assert result == ChainVerification(False, first_moved, log[order[first_moved]].event.id)


def test_verification_reports_the_earliest_of_several_breaks() -> None:
    """With the second and fourth events altered, the second is reported after one check."""
    log = chain([make_audit_event() for _ in range(5)])
    tampered = list(log)
    for index in (3, 1):
        tampered[index] = replace(tampered[index], hash=flipped(tampered[index].hash, 0))

    result = verify_chain(tampered)

    assert result == ChainVerification(False, 1, log[1].event.id)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ({"n": 1}, {"n": True}),
        ({"n": 1}, {"n": 1.0}),
        ({"n": 0.0}, {"n": -0.0}),
        ({"a": {"b": [1, 2]}}, {"a": {"b": [2, 1]}}),
        ({"a": None}, {}),
        ({"a": ""}, {"a": None}),
    ],
    ids=["int-to-bool", "int-to-float", "signed-zero", "nested-order", "null-vs-absent", "empty"],
)
def test_metadata_changes_python_calls_equal_are_still_detected(
    before: dict[str, Any], after: dict[str, Any]
) -> None:
    """Edits invisible to ``==`` (1 vs True vs 1.0, 0.0 vs -0.0) still break the chain."""
    log = chain([make_audit_event(), make_audit_event(metadata=before), make_audit_event()])

    tampered = [log[0], replace(log[1], event=replace(log[1].event, metadata=after)), log[2]]

    assert verify_chain(tampered) == ChainVerification(False, 1, log[1].event.id)


def test_mutating_stored_metadata_in_place_is_detected() -> None:
    """The event is frozen but its metadata dict is not; editing it in place is still caught."""
    metadata: dict[str, Any] = {"scopes": ["agents:read"]}
    log = chain([make_audit_event(metadata=metadata), make_audit_event()])

    metadata["scopes"].append("admin:orgs")

    assert verify_chain(log) == ChainVerification(False, 0, log[0].event.id)


# ---------------------------------------------------------------------------------------------
# Canonical form
# ---------------------------------------------------------------------------------------------


@given(
    event=audit_events(metadata=json_objects(depth=3)),
    user_agent=st.none() | unicode_text(surrogates=True),
    previous_hash=st.just(GENESIS_HASH) | sha256_hex(),
)
def test_canonical_bytes_decode_back_to_every_field(
    event: AuditEvent, user_agent: str | None, previous_hash: str
) -> None:
    """The encoding is lossless (lone surrogates included): decoding gives back every field,
    so two different events can never share their canonical bytes."""
    event = replace(event, user_agent=user_agent)

    encoded = canonical_bytes(event, previous_hash)

    assert json.loads(decode(encoded)) == document(event, previous_hash)


@given(event=audit_events(), previous_hash=sha256_hex())
def test_canonical_bytes_are_compact_sorted_json(event: AuditEvent, previous_hash: str) -> None:
    """One fixed spelling: sorted keys, no whitespace between tokens, raw UTF-8."""

    encoded = canonical_bytes(event, previous_hash)

    respelled = json.dumps(
        json.loads(decode(encoded)), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8", "surrogatepass")
    assert encoded == respelled


@given(event=audit_events(), previous_hash=sha256_hex())
def test_event_hash_is_sha256_of_the_canonical_bytes(event: AuditEvent, previous_hash: str) -> None:
    """The hash is lower-case hex SHA-256 over exactly the canonical bytes."""

    digest = event_hash(event, previous_hash)

    assert digest == hashlib.sha256(canonical_bytes(event, previous_hash)).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", digest)


@given(text=unicode_text(min_size=0, max_size=12), data=st.data())
def test_moving_a_boundary_between_adjacent_fields_changes_the_hash(
    text: str, data: st.DataObject
) -> None:
    """actor "ab" + agent "c" and actor "a" + agent "bc" hash differently (no concatenation)."""
    first = data.draw(st.integers(min_value=0, max_value=len(text)), label="first")
    second = data.draw(st.integers(min_value=0, max_value=len(text)), label="second")
    assume(first != second)
    base = make_audit_event()

    one = replace(base, actor_id=text[:first], agent_id=text[first:])
    two = replace(base, actor_id=text[:second], agent_id=text[second:])

    assert event_hash(one, GENESIS_HASH) != event_hash(two, GENESIS_HASH)


@pytest.mark.parametrize(
    ("one", "two"),
    [
        ({"actor_id": "ab", "agent_id": "c"}, {"actor_id": "a", "agent_id": "bc"}),
        (
            {"ip_address": "10.0.0.1", "user_agent": "x"},
            {"ip_address": "10.0.0.", "user_agent": "1x"},
        ),
        ({"actor_id": None}, {"actor_id": "null"}),
        ({"actor_id": None}, {"actor_id": "None"}),
        ({"actor_id": None}, {"actor_id": ""}),
        ({"organization_id": None}, {"organization_id": ""}),
        ({"user_agent": '","actorId":"root'}, {"user_agent": "", "actor_id": "root"}),
        ({"metadata": {"a": "b", "c": "d"}}, {"metadata": {"a": 'b","c":"d'}}),
        ({"metadata": {"a,b": 1}}, {"metadata": {"a": 1, "b": 1}}),
    ],
    ids=[
        "actor-agent-split",
        "ip-user-agent-split",
        "null-vs-null-string",
        "null-vs-None-string",
        "null-vs-empty",
        "organization-null-vs-empty",
        "json-injection-in-user-agent",
        "json-injection-in-metadata",
        "comma-in-key",
    ],
)
def test_field_splits_and_injections_hash_differently(
    one: dict[str, Any], two: dict[str, Any]
) -> None:
    """Events that a naive concatenation would confuse get different hashes."""
    base = make_audit_event(actor_id="actor", user_agent="ua")

    hashes = {event_hash(replace(base, **change), GENESIS_HASH) for change in (one, two)}

    assert len(hashes) == 2


def test_every_action_outcome_pair_hashes_differently() -> None:
    """No two (action, outcome) pairs collide, so the action/outcome boundary is unambiguous."""
    base = make_audit_event()

    hashes = {
        event_hash(replace(base, action=action, outcome=outcome), GENESIS_HASH)
        for action in AuditAction
        for outcome in Outcome
    }

    assert len(hashes) == len(AuditAction) * len(Outcome)


def test_the_previous_hash_is_part_of_the_hashed_content() -> None:
    """The same event after different predecessors has different hashes."""
    event = make_audit_event()

    hashes = {event_hash(event, GENESIS_HASH), event_hash(event, "0" * 64)}

    assert len(hashes) == 2


def test_surrogate_spelling_of_a_character_is_not_an_alias_of_it() -> None:
    """'\\U0001f600' and the two code points '\\ud83d\\ude00' are different user agents."""
    base = make_audit_event()

    astral = replace(base, user_agent="\U0001f600")
    surrogates = replace(base, user_agent="\ud83d\ude00")

    assert event_hash(astral, GENESIS_HASH) != event_hash(surrogates, GENESIS_HASH)


# ---------------------------------------------------------------------------------------------
# Canonical timestamps
# ---------------------------------------------------------------------------------------------


@given(moment=instants(any_offset=True), zone=fixed_offsets())
def test_canonical_timestamp_is_one_spelling_per_instant(moment: datetime, zone: timezone) -> None:
    """The same instant in any UTC offset renders identically, as UTC with microseconds."""

    here, there = canonical_timestamp(moment), canonical_timestamp(moment.astimezone(zone))

    assert here == there
    assert CANONICAL_TIMESTAMP.fullmatch(here)


@given(moment=instants(any_offset=True))
def test_canonical_timestamp_reads_back_to_the_same_instant(moment: datetime) -> None:
    """Parsing the spelling gives the instant back, so distinct instants spell differently."""

    spelled = canonical_timestamp(moment)

    parsed = datetime.strptime(spelled, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert parsed == moment


def test_canonical_timestamp_example() -> None:
    """Noon in UTC+2 is 10:00 UTC, written with six fractional digits and ``Z``."""
    moment = datetime(2026, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))

    spelled = canonical_timestamp(moment)

    assert spelled == "2026-01-01T10:00:00.000000Z"


def test_canonical_timestamp_refuses_a_naive_datetime() -> None:
    """A naive datetime names no instant (it would be read as host-local time), so hashing an
    event that carries one fails instead of depending on the host's timezone."""
    event = make_audit_event(occurred_at=datetime(2026, 1, 1, 12, 0))

    with pytest.raises(InvalidValue) as raised:
        event_hash(event, GENESIS_HASH)

    assert raised.value.field == "occurredAt"


def test_the_same_event_in_two_timezones_hashes_the_same() -> None:
    """Re-reading a stored event in another timezone must not look like tampering."""
    event = make_audit_event(occurred_at=NOW)

    shifted = replace(event, occurred_at=NOW.astimezone(timezone(timedelta(hours=-7))))

    assert event_hash(event, GENESIS_HASH) == event_hash(shifted, GENESIS_HASH)
