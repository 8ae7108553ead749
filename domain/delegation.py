"""Agent-to-agent delegation: links that hand a subset of scopes to another agent, for a while.

A *link* says "``delegator`` lets ``delegatee`` act on its behalf with ``scopes`` until
``expires_at``". A link may extend another (its *parent*): A → B → C exists only because B
holds an active link from A, and the extension can only narrow it:

=====================  ===================================================================
rule                   threat it stops
=====================  ===================================================================
same organization      a tenant handing authority into another tenant
no self-delegation     laundering one's own token into a "delegated" one
TTL 60 s … 24 h        standing, forgotten grants
scopes ⊆ delegator's   privilege escalation (a root: the delegator's granted scopes; an
                       extension: the parent link's scopes)
expiry ≤ parent's      an extension outliving the authority it came from
depth ≤ max            unbounded re-delegation chains nobody can audit
parent held by caller  extending a link one is not the delegatee of
=====================  ===================================================================

Whether a link is usable is computed along its whole chain at the moment of the check
(:func:`chain_is_active`): revoking or expiring any ancestor makes every descendant inactive
at once, without writing to the descendants (docs/adr/0014-delegation.md says why).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Final, NewType

from .errors import DomainError, InvalidValue
from .ids import AgentId, OrganizationId
from .scopes import OPERATOR_ONLY_SCOPES

DelegationId = NewType("DelegationId", str)

#: Bounds of a link's lifetime (delegation.yaml: ``ttlSeconds`` 60 to 86400).
MIN_TTL: Final = timedelta(seconds=60)
MAX_TTL: Final = timedelta(hours=24)
#: Default bound on the number of links in a chain (``AGENTIDP_DELEGATION_MAX_DEPTH``).
DEFAULT_MAX_DEPTH: Final = 3


class DelegationStatus(StrEnum):
    """Stored status of one link; its *effective* status also depends on its ancestors."""

    ACTIVE = "active"
    REVOKED = "revoked"


class DelegationTtlOutOfRange(InvalidValue):
    """``ttlSeconds`` is outside 60 … 86400 (the spec's exact message)."""

    def __init__(self) -> None:
        super().__init__("ttlSeconds", "must be between 60 and 86400")
        self.message = "ttlSeconds must be between 60 and 86400."


class CrossTenantDelegation(DomainError):
    """The delegatee belongs to another organization than the delegator."""

    code = "CROSS_TENANT_DELEGATION"

    def __init__(self) -> None:
        super().__init__("Delegatee agent must be in the same organization as the delegator.")


class SelfDelegation(DomainError):
    """An agent tried to delegate to itself."""

    code = "VALIDATION_ERROR"

    def __init__(self) -> None:
        super().__init__("An agent cannot delegate to itself.")


class ScopeExceedsDelegator(DomainError):
    """The delegated scopes are not a subset of what the delegator holds."""

    code = "SCOPE_EXCEEDS_DELEGATOR"

    def __init__(self, requested: frozenset[str], available: frozenset[str]) -> None:
        super().__init__(
            "Delegated scopes must be a subset of the delegator's own token scopes.",
            requested=sorted(requested),
            available=sorted(available),
        )


class DelegationDepthExceeded(DomainError):
    """Extending the parent link would make the chain longer than allowed."""

    code = "DELEGATION_DEPTH_EXCEEDED"

    def __init__(self, max_depth: int) -> None:
        super().__init__(
            f"A delegation chain may have at most {max_depth} links.", maxDepth=max_depth
        )


class ParentDelegationInactive(DomainError):
    """The link to extend is revoked, expired, or not held by the would-be delegator."""

    code = "DELEGATION_INACTIVE"

    def __init__(self) -> None:
        super().__init__("The parent delegation is not active for this delegator.")


@dataclass(frozen=True, slots=True)
class Party:
    """An agent as delegation sees it: who it is, where it lives, what it holds."""

    id: AgentId
    organization_id: OrganizationId
    scopes: frozenset[str]


@dataclass(frozen=True, slots=True)
class Delegation:
    """One link of a delegation chain; ``parent_id`` is ``None`` for a root (depth 1)."""

    id: DelegationId
    organization_id: OrganizationId
    delegator_id: AgentId
    delegatee_id: AgentId
    scopes: frozenset[str]
    created_at: datetime
    expires_at: datetime
    parent_id: DelegationId | None = None
    depth: int = 1
    status: DelegationStatus = DelegationStatus.ACTIVE
    revoked_at: datetime | None = None

    @classmethod
    def grant(
        cls,
        *,
        id: DelegationId,
        delegator: Party,
        delegatee: Party,
        scopes: frozenset[str],
        ttl: timedelta,
        now: datetime,
        parent: Delegation | None = None,
        max_depth: int = DEFAULT_MAX_DEPTH,
    ) -> Delegation:
        """A new link from ``delegator`` to ``delegatee``, extending ``parent`` if given.

        ``parent`` must be active at ``now`` with the delegator as its delegatee; the caller
        checks the parent's *ancestors* (:func:`chain_is_active`) before calling.

        Raises:
            InvalidValue: empty scopes, or ``ttl`` outside 60 s … 24 h.
            SelfDelegation, CrossTenantDelegation, ScopeExceedsDelegator,
            ParentDelegationInactive, DelegationDepthExceeded: the rules of the module table.
        """
        if not scopes:
            raise InvalidValue("scopes", "at least one scope must be delegated")
        if not MIN_TTL <= ttl <= MAX_TTL:
            raise DelegationTtlOutOfRange()
        if delegator.id == delegatee.id:
            raise SelfDelegation()
        if delegator.organization_id != delegatee.organization_id:
            raise CrossTenantDelegation()
        # SECURITY: operator-only scopes never travel between agents (Principal.grant).
        available = delegator.scopes - OPERATOR_ONLY_SCOPES
        expires_at = now + ttl
        depth = 1
        if parent is not None:
            if parent.delegatee_id != delegator.id or not parent.is_active(now):
                raise ParentDelegationInactive()
            if parent.depth >= max_depth:
                raise DelegationDepthExceeded(max_depth)
            # SECURITY: an extension hands on what the parent link gave (never the extending
            # agent's own scopes), and never outlives it.
            available = parent.scopes - OPERATOR_ONLY_SCOPES
            expires_at = min(expires_at, parent.expires_at)
            depth = parent.depth + 1
        if not scopes <= available:
            raise ScopeExceedsDelegator(scopes, available)
        return cls(
            id=id,
            organization_id=delegator.organization_id,
            delegator_id=delegator.id,
            delegatee_id=delegatee.id,
            scopes=scopes,
            created_at=now,
            expires_at=expires_at,
            parent_id=None if parent is None else parent.id,
            depth=depth,
        )

    def is_active(self, now: datetime) -> bool:
        """This link alone: not revoked and not yet expired (ancestors not considered)."""
        return self.status is DelegationStatus.ACTIVE and now < self.expires_at

    def revoke(self, now: datetime) -> Delegation:
        """The link revoked at ``now``; a link already revoked is returned unchanged
        (revocation is idempotent and keeps its first instant)."""
        if self.status is DelegationStatus.REVOKED:
            return self
        return replace(self, status=DelegationStatus.REVOKED, revoked_at=now)

    @property
    def ttl_seconds(self) -> int:
        """The lifetime the link was granted with (possibly cut to its parent's expiry)."""
        return int((self.expires_at - self.created_at).total_seconds())


def chain_is_active(chain: Sequence[Delegation], now: datetime) -> bool:
    """True when ``chain`` (root first, as :func:`is_well_formed_chain` requires) is
    non-empty, well formed, and every link in it is active at ``now``.

    SECURITY: the effective status of a link is the conjunction along its chain, so a
    revoked or expired ancestor deactivates every descendant in the same instant.
    """
    return (
        bool(chain) and is_well_formed_chain(chain) and all(link.is_active(now) for link in chain)
    )


def is_well_formed_chain(chain: Sequence[Delegation]) -> bool:
    """Root first, each link the child of the previous one, handed on by its delegatee,
    scopes never growing and expiry never extending (what :meth:`Delegation.grant`
    guarantees; checked again so a tampered store cannot widen a chain)."""
    if not chain or chain[0].parent_id is not None or chain[0].depth != 1:
        return False
    for parent, child in pairwise(chain):
        if (
            child.parent_id != parent.id
            or child.depth != parent.depth + 1
            or child.delegator_id != parent.delegatee_id
            or child.organization_id != parent.organization_id
            or not child.scopes <= parent.scopes
            or child.expires_at > parent.expires_at
        ):
            return False
    return True


def actors(chain: Sequence[Delegation]) -> tuple[AgentId, ...]:
    """The agents acting along ``chain``, the current actor (the leaf's delegatee) first:
    the order of the nested RFC 8693 ``act`` claims."""
    return tuple(link.delegatee_id for link in reversed(chain))


def chain_authorises(
    chain: Sequence[Delegation],
    *,
    subject: AgentId,
    acting: tuple[AgentId, ...],
    scope: frozenset[str],
    organization_id: OrganizationId,
    now: datetime,
) -> bool:
    """Whether ``chain`` (root first) still backs a delegated token's claims: active along
    its whole length, rooted at ``subject``, with exactly the token's actors (current
    first), in the token's organization, and granting at least the token's scope.

    SECURITY: this runs on every use of a delegated token, so a revocation anywhere up the
    chain, an expiry, or a token whose claims do not match its link is refused at once.
    """
    return (
        chain_is_active(chain, now)
        and chain[0].delegator_id == subject
        and actors(chain) == acting
        and chain[-1].organization_id == organization_id
        and scope <= chain[-1].scopes
    )
