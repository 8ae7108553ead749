"""Ports for secrets and signed tokens."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol


class SecretHasher(Protocol):
    """One-way hashing of client secrets (argon2id in production).

    Implementations must compare in constant time and never log the secret. They may keep a
    verified-secret cache, provided it stores nothing secret-equivalent and is keyed so that
    a rotated hash can never match a cached entry.
    """

    async def hash(self, secret: str) -> str:
        """A self-describing hash of ``secret`` (e.g. a PHC string with a fresh salt)."""
        ...

    async def verify(self, secret: str, secret_hash: str) -> bool:
        """True iff ``secret`` matches ``secret_hash``. Never raises on a mismatch or on a
        malformed hash (returns ``False``)."""
        ...

    async def verify_any(self, secret: str, secret_hashes: Sequence[str]) -> int | None:
        """The index of a hash in ``secret_hashes`` that ``secret`` matches, or ``None``.

        Used while a rotation overlaps (several active credentials): implementations with a
        cache must consult it for every candidate before paying for a slow verification of
        any, so a client using its new secret never pays argon2 for the old one.
        """
        ...


class TokenRejected(Exception):
    """A token failed signature or header checks (bad signature, unknown key, wrong ``alg`` or
    ``typ``, malformed). ``reason`` is for logs and metrics, never for responses."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TokenSigner(Protocol):
    """Signs and verifies access tokens with the deployment's signing keys.

    Keys are loaded once. ``verify`` checks the signature, the key id, a pinned algorithm and
    the ``at+jwt`` type; it does *not* check claims such as ``exp``, ``iss`` or ``aud``
    (the domain's claim table does).
    """

    @property
    def algorithm(self) -> str:
        """The JWS algorithm new tokens are signed with (RS256, ES256 or EdDSA)."""
        ...

    def sign(self, claims: Mapping[str, Any]) -> str:
        """A compact JWS of ``claims`` with header ``{alg, kid, typ: at+jwt}``."""
        ...

    def verify(self, token: str) -> dict[str, Any]:
        """The verified claims.

        Raises:
            TokenRejected: the token is not one we signed.
        """
        ...

    def jwks(self) -> dict[str, Any]:
        """The public JSON Web Key Set of every key that may still verify tokens."""
        ...


class RevocationList(Protocol):
    """Revoked token ids until their tokens expire.

    ``is_revoked`` must never answer ``False`` when it cannot tell: it raises
    ``BackendUnavailable`` instead (revocation never fails open).
    """

    async def revoke(self, token_id: str, expires_at: int) -> None:
        """Remember ``token_id`` as revoked until the unix time ``expires_at``; idempotent."""
        ...

    async def is_revoked(self, token_id: str) -> bool:
        """True if ``token_id`` was revoked and has not yet expired."""
        ...
