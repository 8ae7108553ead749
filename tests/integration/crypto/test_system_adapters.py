"""``SystemClock``, ``ManualClock`` and ``RandomIds`` (adapters/system.py)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from agentidp.adapters.system import ManualClock, RandomIds, SystemClock
from agentidp.application.ports.system import Clock, IdGenerator
from agentidp.domain.credential import format_client_secret, looks_like_client_secret

_clock_conforms: Clock = SystemClock()
_manual_conforms: Clock = ManualClock(datetime(2030, 1, 1, tzinfo=UTC))
_ids_conform: IdGenerator = RandomIds()


def test_system_clock_is_aware_utc_now() -> None:
    """The wall clock answers in UTC with tzinfo set."""
    before = datetime.now(UTC)

    now = SystemClock().now()

    assert now.tzinfo is UTC
    assert before <= now <= datetime.now(UTC)


def test_manual_clock_moves_only_when_told() -> None:
    """It stands still until advanced or set, and reports UTC."""
    start = datetime(2030, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    clock = ManualClock(start)

    assert clock.now() == start
    assert clock.now().tzinfo is UTC
    assert clock.advance(90) == start + timedelta(seconds=90)
    clock.set(start - timedelta(days=1))
    assert clock.now() == start - timedelta(days=1)


def test_manual_clock_refuses_naive_times_and_going_backwards() -> None:
    """Naive datetimes and negative advances are programming errors."""
    with pytest.raises(ValueError, match="timezone-aware"):
        ManualClock(datetime(2030, 1, 1))
    clock = ManualClock(datetime(2030, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.set(datetime(2030, 1, 1))


def test_random_ids_are_canonical_uuid4_strings() -> None:
    """new_id gives distinct canonical version-4 UUIDs."""
    ids = {RandomIds().new_id() for _ in range(1000)}

    assert len(ids) == 1000
    assert all(str(uuid.UUID(i)) == i and uuid.UUID(i).version == 4 for i in ids)


def test_secret_hex_is_64_lower_hex_and_makes_a_client_secret() -> None:
    """secret_hex is 32 random bytes in hex, the input format_client_secret expects."""
    values = {RandomIds().secret_hex() for _ in range(100)}

    assert len(values) == 100
    assert all(re.fullmatch(r"[0-9a-f]{64}", v) for v in values)
    assert looks_like_client_secret(format_client_secret(values.pop()))
