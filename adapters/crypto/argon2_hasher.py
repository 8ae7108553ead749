"""argon2id hashing of client secrets (the ``SecretHasher`` port), off the event loop.

Defaults are argon2-cffi's ``RFC_9106_LOW_MEMORY`` profile (RFC 9106 §4, second recommended
option: t=3, m=64 MiB, p=4), about 100 ms per verification on the reference 2-core machine.
Both operations run in a worker thread (:func:`asyncio.to_thread`): argon2 releases the GIL, so
the event loop keeps serving other requests while a hash is computed.

The token endpoint should not pay this cost on every request: wrap this hasher in
:class:`~agentidp.adapters.crypto.verified_cache.CachingSecretHasher`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Final

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY

_PROFILE: Final = RFC_9106_LOW_MEMORY


class Argon2SecretHasher:
    """``SecretHasher`` backed by argon2id (argon2-cffi).

    Args:
        time_cost: iterations (RFC 9106 ``t``).
        memory_cost: memory in KiB (RFC 9106 ``m``).
        parallelism: lanes (RFC 9106 ``p``).

    Hashes are PHC strings (``$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>``) with a fresh 16-byte
    salt each time, so hashing the same secret twice gives two different strings.
    """

    def __init__(
        self,
        time_cost: int = _PROFILE.time_cost,
        memory_cost: int = _PROFILE.memory_cost,
        parallelism: int = _PROFILE.parallelism,
    ) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_cost,
            parallelism=parallelism,
            hash_len=_PROFILE.hash_len,
            salt_len=_PROFILE.salt_len,
            type=Type.ID,  # SECURITY: argon2id resists both GPU cracking and side channels
        )

    async def hash(self, secret: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, secret)

    async def verify(self, secret: str, secret_hash: str) -> bool:
        # NOTE: argon2's comparison is constant time (libargon2 ``argon2_verify``).
        return await asyncio.to_thread(self._verify_blocking, secret, secret_hash)

    async def verify_any(self, secret: str, secret_hashes: Sequence[str]) -> int | None:
        for index, secret_hash in enumerate(secret_hashes):
            if await self.verify(secret, secret_hash):
                return index
        return None

    def _verify_blocking(self, secret: str, secret_hash: str) -> bool:
        try:
            return self._hasher.verify(secret_hash, secret)
        except VerificationError:  # mismatch, or a hash argon2 cannot evaluate
            return False
        except (InvalidHashError, ValueError, TypeError):
            # Defensive: the port promises False, never an exception, for malformed input
            # (not a PHC string, a secret that is not valid UTF-8, a non-str argument).
            return False
