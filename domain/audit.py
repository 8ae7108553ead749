"""The audit log: append-only events linked into a SHA-256 hash chain.

Each event's hash covers a canonical JSON encoding of all of its fields *and* the previous
event's hash, so altering, removing, inserting or reordering any event breaks a link that
:func:`verify_chain` reports (cutting off the newest events leaves a valid shorter chain:
only an anchor, a head hash recorded elsewhere and passed as ``expected_head``, reveals
that). The canonical form is JSON with sorted keys and fixed separators:
unlike plain concatenation (``"ab" + "c" == "a" + "bc"``) it cannot be ambiguous.
The first event's previous hash is the empty string.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

from .errors import InvalidValue
from .ids import AuditEventId, OrganizationId

GENESIS_HASH: Final = ""


class AuditAction(StrEnum):
    """Everything the IdP records."""

    AGENT_CREATED = "agent.created"
    AGENT_UPDATED = "agent.updated"
    AGENT_SUSPENDED = "agent.suspended"
    AGENT_REACTIVATED = "agent.reactivated"
    AGENT_DECOMMISSIONED = "agent.decommissioned"
    CREDENTIAL_GENERATED = "credential.generated"
    CREDENTIAL_ROTATED = "credential.rotated"
    CREDENTIAL_REVOKED = "credential.revoked"
    TOKEN_ISSUED = "token.issued"
    TOKEN_REVOKED = "token.revoked"
    TOKEN_INTROSPECTED = "token.introspected"
    AUTH_FAILED = "auth.failed"
    ACCESS_DENIED = "access.denied"
    ORGANIZATION_CREATED = "organization.created"
    ORGANIZATION_UPDATED = "organization.updated"
    ORGANIZATION_DELETED = "organization.deleted"
    ORGANIZATION_MEMBER_ADDED = "organization.member_added"
    ORGANIZATION_MEMBER_REMOVED = "organization.member_removed"
    FEDERATION_PARTNER_REGISTERED = "federation_partner.registered"
    FEDERATION_PARTNER_UPDATED = "federation_partner.updated"
    FEDERATION_PARTNER_DELETED = "federation_partner.deleted"
    DELEGATION_CREATED = "delegation.created"
    DELEGATION_REVOKED = "delegation.revoked"
    TOKEN_DELEGATED = "token.delegated"
    TRUST_POLICY_CREATED = "trust_policy.created"
    TRUST_POLICY_DELETED = "trust_policy.deleted"
    #: A GitHub OIDC token exchanged (success: token issued; failure: reason in metadata).
    OIDC_TOKEN_EXCHANGED = "oidc.token_exchanged"


class Outcome(StrEnum):
    """Whether the recorded attempt succeeded."""

    SUCCESS = "success"
    FAILURE = "failure"


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One thing that happened, before it is placed in the chain.

    ``organization_id`` is ``None`` only when the tenant is unknown (e.g. a token request
    from a client id that does not exist).
    """

    id: AuditEventId
    occurred_at: datetime
    organization_id: OrganizationId | None
    actor_id: str | None
    agent_id: str | None
    action: AuditAction
    outcome: Outcome
    ip_address: str | None = None
    user_agent: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def chained(self, previous_hash: str) -> ChainedAuditEvent:
        """Place this event after the event whose hash is ``previous_hash``."""
        return ChainedAuditEvent(
            event=self,
            previous_hash=previous_hash,
            hash=event_hash(self, previous_hash),
        )


@dataclass(frozen=True, slots=True)
class ChainedAuditEvent:
    """An event as stored: with its link to the previous event and its own hash."""

    event: AuditEvent
    previous_hash: str
    hash: str


def canonical_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with microseconds and ``Z``: one spelling per instant.

    Raises:
        InvalidValue: ``moment`` is naive (it would be read as host-local time, so the same
            event would hash differently on hosts in different timezones).
    """
    if moment.tzinfo is None:
        raise InvalidValue("occurredAt", "must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_bytes(event: AuditEvent, previous_hash: str) -> bytes:
    """The exact bytes the hash covers: every field, sorted keys, no whitespace."""
    document = {
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
    # NOTE: ensure_ascii would spell a lone surrogate pair and the character it encodes the
    # same ("\\ud83d\\ude00"); raw UTF-8 with surrogatepass keeps every string distinct.
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8", "surrogatepass")


def event_hash(event: AuditEvent, previous_hash: str) -> str:
    """SHA-256 (hex) of the canonical encoding of ``event`` linked to ``previous_hash``."""
    return hashlib.sha256(canonical_bytes(event, previous_hash)).hexdigest()


def chain(
    events: Iterable[AuditEvent], previous_hash: str = GENESIS_HASH
) -> list[ChainedAuditEvent]:
    """Link ``events`` in order after ``previous_hash``."""
    linked = []
    for event in events:
        chained = event.chained(previous_hash)
        linked.append(chained)
        previous_hash = chained.hash
    return linked


@dataclass(frozen=True, slots=True)
class ChainVerification:
    """Result of walking the chain: ``broken_at`` is the first event that fails its check."""

    verified: bool
    checked_count: int
    broken_at: AuditEventId | None


def verify_chain(
    events: Iterable[ChainedAuditEvent],
    expected_previous: str | None = GENESIS_HASH,
    expected_head: str | None = None,
) -> ChainVerification:
    """Recompute every hash and link, stopping at the first break.

    Args:
        events: stored events in chain order.
        expected_previous: the hash the first event must link to; ``None`` trusts the first
            event's own ``previous_hash`` (verifying a range that starts mid-chain).
        expected_head: a hash recorded earlier outside the log (an anchor). A chain alone
            cannot reveal that its newest events were cut off; with an anchor, a chain that
            no longer contains the anchored event fails (``broken_at`` is ``None``: there is
            no event to blame, only a missing tail).

    An event breaks the chain if its stored hash does not match its content (it was altered)
    or its ``previous_hash`` is not the hash of the event before it (one was removed,
    inserted or reordered). ``checked_count`` counts the events that passed.
    """
    checked = 0
    previous = expected_previous
    if expected_head is not None and expected_head == expected_previous:
        expected_head = None  # anchored while the log (or range) was still empty
    for stored in events:
        if previous is not None and stored.previous_hash != previous:
            return ChainVerification(False, checked, stored.event.id)
        if stored.previous_hash == expected_head:
            expected_head = None  # the anchored event is this one's predecessor
        if event_hash(stored.event, stored.previous_hash) != stored.hash:
            return ChainVerification(False, checked, stored.event.id)
        previous = stored.hash
        checked += 1
        if stored.hash == expected_head:
            expected_head = None  # the anchored event is still there
    if expected_head is not None:
        return ChainVerification(False, checked, None)
    return ChainVerification(True, checked, None)
