"""SQLite rows ↔ domain objects: the column encodings of the shared row mappers
(:mod:`agentidp.adapters.relational.rows`).

Encodings: instants are fixed-width ISO 8601 text in UTC with microseconds, so text order is
time order and the round trip is exact; enums are their values; ``Agent.scopes`` is the sorted,
space-joined scope string; capabilities and metadata are JSON text.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Final

from agentidp.adapters.relational.rows import Encoding, RowMapper, check_aware
from agentidp.domain.scopes import format_scope


def encode_time(moment: datetime) -> str:
    """``moment`` as fixed-width UTC ISO 8601 text with microseconds.

    Raises:
        ValueError: ``moment`` is naive (its instant would be a guess).
    """
    return check_aware(moment).astimezone(UTC).isoformat(timespec="microseconds")


def encode_optional_time(moment: datetime | None) -> str | None:
    """:func:`encode_time`, passing ``None`` through."""
    return None if moment is None else encode_time(moment)


def decode_time(text: str) -> datetime:
    """A timezone-aware UTC datetime from :func:`encode_time` text."""
    return datetime.fromisoformat(text)


def decode_optional_time(text: str | None) -> datetime | None:
    """:func:`decode_time`, passing ``None`` through."""
    return None if text is None else datetime.fromisoformat(text)


def encode_json(value: Any) -> str:
    """Compact JSON text for a JSON column."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _decode_scopes(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: The row mappers of every table, with this backend's column encodings.
ROWS: Final = RowMapper(
    Encoding(
        encode_time=encode_time,
        decode_time=decode_time,
        encode_scopes=format_scope,
        decode_scopes=_decode_scopes,
        encode_json=encode_json,
        encode_audit_metadata=encode_json,
        decode_json=json.loads,
    )
)
