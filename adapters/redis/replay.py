"""Redis replay guard: ``SET key 1 NX EXAT expires_at``, shared by every worker."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Final

from .client import RedisClient

#: Key prefix; the identifier is hashed so that no caller-chosen bytes become a Redis key.
PREFIX: Final = b"agentidp:replay:"


class RedisReplayGuard:
    """Implements ``ReplayGuard``; refuses (``BackendUnavailable``) when Redis is down, so a
    replay can never slip through an outage.

    Args:
        client: the process's Redis client.
        clock: unix time in seconds (to skip keys that already expired).
    """

    def __init__(self, client: RedisClient, *, clock: Callable[[], float] = time.time) -> None:
        self._client = client
        self._clock = clock

    async def first_use(self, key: str, expires_at: int) -> bool:
        # An expiry in the past would make SET fail; such a token cannot be used anyway,
        # so remember it for one second (NX still answers whether it was seen).
        expiry = max(int(expires_at), int(self._clock()) + 1)
        name = PREFIX + hashlib.sha256(key.encode("utf-8")).hexdigest().encode("ascii")
        created = await self._client.run(lambda redis: redis.set(name, b"1", nx=True, exat=expiry))
        return bool(created)
