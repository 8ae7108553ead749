"""Typed identifiers. Every id is a canonical lower-case UUID string chosen by the caller."""

from __future__ import annotations

import uuid
from typing import NewType

OrganizationId = NewType("OrganizationId", str)
AgentId = NewType("AgentId", str)
CredentialId = NewType("CredentialId", str)
TokenId = NewType("TokenId", str)
AuditEventId = NewType("AuditEventId", str)


def is_uuid(value: str) -> bool:
    """True when ``value`` is a UUID in canonical 8-4-4-4-12 lower-case hex form."""
    try:
        return str(uuid.UUID(value)) == value
    except (ValueError, AttributeError, TypeError):
        return False
