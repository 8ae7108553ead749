"""Credential aggregate: a client secret an agent proves it holds.

The secret itself never enters the domain after creation: a credential keeps only the
argon2id hash (``secret_hash``). Several active credentials per agent let a rotation overlap:
the new secret works before the old one is revoked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Final

from .errors import AgentNotActive, CredentialAlreadyRevoked, InvalidValue
from .ids import AgentId, CredentialId, OrganizationId

SECRET_PREFIX: Final = "sk_live_"
SECRET_HEX_LENGTH: Final = 64
_SECRET: Final = re.compile(rf"^{SECRET_PREFIX}[0-9a-f]{{{SECRET_HEX_LENGTH}}}$")


class CredentialStatus(StrEnum):
    """A credential is either usable (subject to expiry) or revoked for good."""

    ACTIVE = "active"
    REVOKED = "revoked"


def format_client_secret(random_hex: str) -> str:
    """Build a client secret ``sk_live_`` + 64 hex characters from 32 random bytes in hex.

    Raises:
        InvalidValue: ``random_hex`` is not 64 lower-case hex characters.
    """
    secret = SECRET_PREFIX + random_hex
    if not _SECRET.fullmatch(secret):
        raise InvalidValue("clientSecret", "needs 64 lower-case hex characters of randomness")
    return secret


def looks_like_client_secret(value: str) -> bool:
    """Cheap shape check that lets callers reject garbage before any hashing work."""
    return _SECRET.fullmatch(value) is not None


@dataclass(slots=True)
class Credential:
    """A client-secret credential of one agent.

    ``revision`` is the optimistic-locking counter compared by repositories on update.
    """

    id: CredentialId
    agent_id: AgentId
    organization_id: OrganizationId
    secret_hash: str
    status: CredentialStatus
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None = None
    rotated_at: datetime | None = None
    revision: int = 1

    @classmethod
    def issue(
        cls,
        *,
        id: CredentialId,
        agent_id: AgentId,
        organization_id: OrganizationId,
        agent_active: bool,
        agent_status: str,
        secret_hash: str,
        now: datetime,
        expires_at: datetime | None,
    ) -> Credential:
        """Create an active credential for an active agent.

        Raises:
            AgentNotActive: the agent is suspended or decommissioned.
            InvalidValue: ``expires_at`` is not in the future.
        """
        if not agent_active:
            raise AgentNotActive(agent_id, agent_status)
        _check_expiry(expires_at, now)
        return cls(
            id=id,
            agent_id=agent_id,
            organization_id=organization_id,
            secret_hash=secret_hash,
            status=CredentialStatus.ACTIVE,
            created_at=now,
            expires_at=expires_at,
        )

    @property
    def client_id(self) -> str:
        """The OAuth client id this credential authenticates: its agent's id."""
        return self.agent_id

    def is_usable(self, now: datetime) -> bool:
        """True if the credential is active and not expired at ``now``."""
        if self.status is not CredentialStatus.ACTIVE:
            return False
        return self.expires_at is None or now < self.expires_at

    def rotate(self, *, new_secret_hash: str, now: datetime, expires_at: datetime | None) -> None:
        """Replace the secret in place; the old secret stops working at once.

        Raises:
            CredentialAlreadyRevoked: the credential is revoked.
            InvalidValue: ``expires_at`` is not in the future.
        """
        if self.status is CredentialStatus.REVOKED:
            raise CredentialAlreadyRevoked(self.id)
        _check_expiry(expires_at, now)
        self.secret_hash = new_secret_hash
        self.expires_at = expires_at
        self.rotated_at = now

    def revoke(self, *, now: datetime) -> None:
        """Revoke for good.

        Raises:
            CredentialAlreadyRevoked: it already is.
        """
        if self.status is CredentialStatus.REVOKED:
            raise CredentialAlreadyRevoked(self.id)
        self.status = CredentialStatus.REVOKED
        self.revoked_at = now

    def snapshot(self) -> Credential:
        """An independent copy."""
        return replace(self)


def revoke_all(credentials: Iterable[Credential], *, now: datetime) -> list[Credential]:
    """Revoke every still-active credential (decommission); returns the ones changed."""
    changed = []
    for credential in credentials:
        if credential.status is CredentialStatus.ACTIVE:
            credential.revoke(now=now)
            changed.append(credential)
    return changed


def _check_expiry(expires_at: datetime | None, now: datetime) -> None:
    if expires_at is not None and expires_at.tzinfo is None:
        raise InvalidValue("expiresAt", "must carry a timezone (e.g. a trailing Z)")
    if expires_at is not None and expires_at <= now:
        raise InvalidValue("expiresAt", "must be in the future")
