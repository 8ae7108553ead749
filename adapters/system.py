"""Time and randomness: the real ``Clock``/``IdGenerator`` adapters and a manual clock.

``ManualClock`` is shipping code, not a test helper (STYLE §0.3): the memory wiring and every
test that needs time to pass use it, so expiry logic is exercised without sleeping.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from datetime import UTC, datetime, timedelta


class SystemClock:
    """The wall clock, always timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to: ``advance(seconds)`` or ``set(instant)``.

    Args:
        start: the initial instant; must be timezone-aware (it is converted to UTC).

    Raises:
        ValueError: ``start`` (or an instant given to ``set``) is naive.
    """

    def __init__(self, start: datetime) -> None:
        self._lock = threading.Lock()
        self._now = _aware_utc(start)

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        """Move forward by ``seconds`` (never backwards) and return the new time.

        Raises:
            ValueError: ``seconds`` is negative.
        """
        if seconds < 0:
            raise ValueError("a ManualClock only moves forward; use set() to go back")
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now

    def set(self, instant: datetime) -> None:
        """Jump to ``instant`` (either direction)."""
        aware = _aware_utc(instant)
        with self._lock:
            self._now = aware


class RandomIds:
    """UUIDv4 identifiers and CSPRNG secrets from the operating system (``secrets``)."""

    def new_id(self) -> str:
        return str(uuid.uuid4())

    def secret_hex(self) -> str:
        # SECURITY: 256 bits from the OS CSPRNG; client secrets are only as strong as this.
        return secrets.token_hex(32)


def _aware_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("ManualClock needs a timezone-aware datetime")
    return instant.astimezone(UTC)
