"""OAuth 2.0 scopes (RFC 6749 §3.3): parsing, the known scope table, subset rules."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from .errors import InvalidScope, InvalidValue, ScopeNotGranted

AGENTS_READ: Final = "agents:read"
AGENTS_WRITE: Final = "agents:write"
TOKENS_READ: Final = "tokens:read"
AUDIT_READ: Final = "audit:read"
ADMIN_ORGS: Final = "admin:orgs"
ADMIN_PLATFORM: Final = "admin:platform"

#: Every scope this deployment understands, with what it grants. A token can only carry these.
KNOWN_SCOPES: Final[dict[str, str]] = {
    AGENTS_READ: "Read agents and their credential metadata in the caller's organization.",
    AGENTS_WRITE: "Register, change, suspend and decommission agents; manage credentials.",
    TOKENS_READ: "Introspect access tokens issued in the caller's organization.",
    AUDIT_READ: "Query and verify the caller organization's audit log.",
    ADMIN_ORGS: "Administer the organization: manage any agent's credentials and tokens.",
    ADMIN_PLATFORM: "Administer the deployment: create, change and delete any organization.",
}

#: Scopes only the local operator can grant (``agentidp bootstrap --platform-admin``): no
#: token, whatever it holds, can hand them to an agent through the API.
OPERATOR_ONLY_SCOPES: Final = frozenset({ADMIN_PLATFORM})

# RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
_SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")


def parse_scope(raw: str) -> frozenset[str]:
    """Parse a space-delimited scope string into a set of known scopes.

    Raises:
        InvalidScope: a token is malformed or not in :data:`KNOWN_SCOPES`.
    """
    return validate_scopes(raw.split(" ") if raw else ())


def validate_scopes(scopes: Iterable[str]) -> frozenset[str]:
    """Check each scope's syntax and that it is known; empty strings are skipped.

    Raises:
        InvalidScope: a scope is malformed or unknown.
    """
    result = set()
    for scope in scopes:
        if scope == "":
            continue
        if not _SCOPE_TOKEN.fullmatch(scope) or scope not in KNOWN_SCOPES:
            raise InvalidScope(scope)
        result.add(scope)
    return frozenset(result)


def scope_collection(value: object) -> frozenset[str]:
    """Validate a *collection* of scope names (a JSON list, a set), as opposed to the
    space-delimited string of :func:`parse_scope`.

    Raises:
        InvalidValue: ``value`` is a string or not a collection of strings.
        InvalidScope: a scope is malformed or unknown.
    """
    if isinstance(value, str) or not isinstance(value, (list, tuple, set, frozenset)):
        raise InvalidValue("scopes", "must be a list of scope names")
    if not all(isinstance(item, str) and item for item in value):
        raise InvalidValue("scopes", "each scope must be a non-empty string")
    return validate_scopes(value)


def format_scope(scopes: Iterable[str]) -> str:
    """Render scopes as the canonical space-delimited string (sorted, so it is stable)."""
    return " ".join(sorted(scopes))


def grantable(requested: frozenset[str], granted: frozenset[str]) -> frozenset[str]:
    """Return ``requested`` if the granter holds all of it; an empty request grants nothing.

    Raises:
        ScopeNotGranted: a requested scope is not held by the granter.
    """
    if not requested <= granted:
        raise ScopeNotGranted(requested, granted)
    return requested


def narrow(requested: frozenset[str], granted: frozenset[str]) -> frozenset[str]:
    """Return ``requested`` if it is a subset of ``granted``; scopes only ever narrow.

    An empty request means "everything granted" (RFC 6749 §3.3 lets the server pick a default).

    Raises:
        ScopeNotGranted: a requested scope is not granted.
    """
    return grantable(requested, granted) if requested else granted
