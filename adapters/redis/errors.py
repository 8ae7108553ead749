"""redis-py exceptions → port errors, translated here and nowhere else.

Every Redis call of this package runs inside :func:`translating`, so callers only ever see
``BackendUnavailable``. What a caller *does* with it is a policy of its own: the revocation list
answers from the durable store (or fails closed), the secret cache falls back to its inner
hasher.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from agentidp.application.errors import BackendUnavailable

#: Failures that say "the server cannot be reached" (as opposed to "the server refused this
#: command", e.g. OOM): they open :class:`~.client.RedisClient`'s short circuit breaker.
CONNECTION_LOST: Final = (RedisConnectionError, RedisTimeoutError, OSError)


@contextmanager
def translating() -> Iterator[None]:
    """Raise ``BackendUnavailable`` for any Redis failure inside the block.

    Covers redis-py's whole ``RedisError`` tree (connection refused or reset, timeouts,
    ``ResponseError`` such as OOM or a renamed command, protocol errors) and bare ``OSError``
    (socket errors that escape redis-py's wrapping). Cancellation is not an error and passes
    through untouched.
    """
    try:
        yield
    except (RedisError, OSError) as exc:
        error = BackendUnavailable("Redis is unavailable.", backend="redis")
        raise error from exc


def connection_lost(error: BackendUnavailable) -> bool:
    """True if ``error`` (from :func:`translating`) means Redis could not be reached at all."""
    return isinstance(error.__cause__, CONNECTION_LOST)
