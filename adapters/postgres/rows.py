"""PostgreSQL rows ↔ domain objects: the column encodings of the shared row mappers
(:mod:`agentidp.adapters.relational.rows`) and the casts its JSON parameters need.

Encodings: instants are ``timestamptz`` (psycopg returns them in the session time zone;
``to_domain`` converts them to ``datetime.UTC``); enums are their values; ``Agent.scopes`` is
a sorted ``text[]``; capabilities and metadata are JSON text encoded when staged, so a caller
changing the object afterwards cannot change what is committed (psycopg decodes them on read).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Final

from agentidp.adapters.relational.rows import Encoding, RowMapper, check_aware

AGENT_CASTS: Final = {"capabilities": "jsonb", "metadata": "jsonb"}
AUDIT_CASTS: Final = {"metadata": "json"}


def aware(moment: datetime) -> datetime:
    """``moment`` unchanged, checked to be timezone-aware.

    Raises:
        ValueError: ``moment`` is naive (psycopg would send it as a ``timestamp`` read in the
            session time zone, so the stored instant would be a guess).
    """
    return check_aware(moment)


def optional_aware(moment: datetime | None) -> datetime | None:
    """:func:`aware`, passing ``None`` through."""
    return None if moment is None else aware(moment)


def utc(moment: datetime) -> datetime:
    """A ``timestamptz`` read from the database as a ``datetime.UTC`` datetime."""
    return moment.astimezone(UTC)


def optional_utc(moment: datetime | None) -> datetime | None:
    """:func:`utc`, passing ``None`` through."""
    return None if moment is None else moment.astimezone(UTC)


def encode_json(value: Any) -> str:
    """Compact JSON text for a ``jsonb`` parameter."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def encode_verbatim_json(value: Any) -> str:
    """JSON text for the ``json`` audit metadata column.

    ASCII-only: every non-ASCII character, a lone surrogate and U+0000 included, travels as a
    ``\\uXXXX`` escape that the ``json`` type stores as written and ``json.loads`` reads back
    as the same string, so the stored metadata hashes exactly as it did when it was linked.
    """
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def _sorted_array(scopes: frozenset[str]) -> list[str]:
    return sorted(scopes)


def _decoded(value: Any) -> Any:
    return value


#: The row mappers of every table, with this backend's column encodings.
ROWS: Final = RowMapper(
    Encoding(
        encode_time=aware,
        decode_time=utc,
        encode_scopes=_sorted_array,
        decode_scopes=frozenset,
        encode_json=encode_json,
        encode_audit_metadata=encode_verbatim_json,
        decode_json=_decoded,
    )
)
