"""Port for single-use token identifiers (``jti`` replay protection of foreign tokens)."""

from __future__ import annotations

from typing import Protocol


class ReplayGuard(Protocol):
    """Remembers identifiers of tokens already used, until those tokens expire.

    ``first_use`` is atomic: of two concurrent calls with the same key, exactly one gets
    ``True``, also across processes when the implementation is shared (Redis). It never
    answers ``True`` when it cannot tell: it raises ``BackendUnavailable`` (fail closed).
    It does not validate the key; callers namespace it (e.g. by issuer).
    """

    async def first_use(self, key: str, expires_at: int) -> bool:
        """True the first time ``key`` is presented before the unix time ``expires_at``;
        False for every later presentation until then."""
        ...
