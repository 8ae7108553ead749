"""The policy result document → :class:`Decision`, for every engine alike.

Both engines receive the package document of ``agentidp.authz``: ``{"allow": bool,
"deny": [{reason, code, message, scopes?}, ...], ...}``. Anything that is not that shape is a
policy that cannot be trusted, so it raises :class:`PolicyUnavailable` (fail closed) instead
of guessing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from agentidp.application.errors import PolicyUnavailable
from agentidp.application.ports.policy import AUTHORIZATION_ERROR, Decision, Denial

#: The policy package every engine evaluates, and its data path (``data.agentidp.authz``).
PACKAGE_NAME: Final = "agentidp.authz"
PACKAGE_PATH: Final = PACKAGE_NAME.replace(".", "/")

ALLOWED: Final = Decision(allow=True)


def decision_from_document(document: Any) -> Decision:
    """Read ``allow`` and ``deny`` from the package document; ``None`` means undefined.

    ``allow`` must be exactly ``true`` to allow, and any ``deny`` reason overrides it (a
    policy that both allows and explains a refusal refuses). An undefined document or a
    missing ``allow`` is a refusal.

    Raises:
        PolicyUnavailable: the document is not an object, ``allow`` is not a boolean or a
            ``deny`` entry is malformed.
    """
    if document is None:
        return Decision.deny()
    if not isinstance(document, Mapping):
        raise PolicyUnavailable("The policy result is not an object.")
    allow = document.get("allow", False)
    if not isinstance(allow, bool):
        raise PolicyUnavailable("The policy's allow is not a boolean.")
    denials = _denials(document.get("deny", ()))
    if allow and not denials:
        return ALLOWED
    return Decision.deny(*denials)


def _denials(entries: Any) -> tuple[Denial, ...]:
    if not isinstance(entries, (list, tuple)):
        raise PolicyUnavailable("The policy's deny is not a set.")
    return tuple(_denial(entry) for entry in entries)


def _denial(entry: Any) -> Denial:
    if not isinstance(entry, Mapping):
        raise PolicyUnavailable("A policy deny reason is not an object.")
    reason = entry.get("reason", "denied")
    code = entry.get("code", AUTHORIZATION_ERROR)
    message = entry.get("message", "No policy allows this operation.")
    scopes = entry.get("scopes", ())
    if not all(isinstance(value, str) for value in (reason, code, message)) or not (
        isinstance(scopes, (list, tuple)) and all(isinstance(scope, str) for scope in scopes)
    ):
        raise PolicyUnavailable("A policy deny reason has malformed fields.")
    return Denial(reason=reason, code=code, message=message, scopes=tuple(scopes))
