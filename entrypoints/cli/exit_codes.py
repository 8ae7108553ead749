"""Application and domain errors → process exit codes, and the one line printed for them.

This is the CLI's half of STYLE §7 ("translate errors once at each edge"): commands let errors
propagate, and :func:`exit_code_for` / :func:`describe` turn them into an exit status and a
``code: message`` line on stderr. The table is ordered from specific to general; the first
matching class wins. ``docs/cli.md`` lists the same codes.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final

from agentidp.application import errors as app
from agentidp.domain import errors as domain
from agentidp.domain.organization import OrganizationDeleted
from agentidp.entrypoints.settings import ConfigurationError


class ExitCode(IntEnum):
    """What the process tells its caller. Stable: scripts depend on these numbers."""

    OK = 0
    #: A check ran and failed (``audit verify`` found a broken chain); not an error.
    CHECK_FAILED = 1
    #: Bad command line or bad configuration: nothing was attempted (click also uses 2).
    USAGE = 2
    NOT_FOUND = 3
    #: The request conflicts with the current state (duplicate, lifecycle state, lost race).
    CONFLICT = 4
    #: Client or token authentication failed.
    UNAUTHENTICATED = 5
    #: Authenticated, but not allowed (scope, tenant, ownership, inactive agent).
    FORBIDDEN = 6
    #: A value broke a validation rule.
    INVALID = 7
    #: A backing store is unreachable, or a rate limit was hit; retrying later may succeed.
    UNAVAILABLE = 8
    #: A bug: an exception nobody translated (rerun with ``--debug`` for the traceback).
    INTERNAL = 70


#: Ordered specific → general. The codes follow the HTTP status each error gets in
#: ``entrypoints/http/problems.py`` (404 → NOT_FOUND, 409 → CONFLICT, 401 → UNAUTHENTICATED,
#: 403 → FORBIDDEN, 400 → INVALID, 503 and 429 → UNAVAILABLE), so both front ends classify alike.
_TABLE: Final[tuple[tuple[type[BaseException], ExitCode], ...]] = (
    (ConfigurationError, ExitCode.USAGE),
    # A key file with loose permissions or bad content is for the operator to fix.
    (app.KeyMaterialError, ExitCode.USAGE),
    (app.MigrationError, ExitCode.UNAVAILABLE),
    (app.NotFound, ExitCode.NOT_FOUND),
    (app.Conflict, ExitCode.CONFLICT),
    (app.InvalidClient, ExitCode.UNAUTHENTICATED),
    (app.Unauthenticated, ExitCode.UNAUTHENTICATED),
    (app.OidcTokenInvalid, ExitCode.UNAUTHENTICATED),  # 401 at POST /oidc/token
    (app.AgentNotPermitted, ExitCode.FORBIDDEN),
    (app.Forbidden, ExitCode.FORBIDDEN),
    (app.RetentionWindowExceeded, ExitCode.INVALID),
    (app.InvalidRequest, ExitCode.INVALID),
    (app.BackendUnavailable, ExitCode.UNAVAILABLE),
    (app.RateLimitExceeded, ExitCode.UNAVAILABLE),  # 429: retry after the window
    (domain.ScopeNotGranted, ExitCode.FORBIDDEN),
    (domain.AgentDecommissioned, ExitCode.FORBIDDEN),
    (domain.AgentAlreadyDecommissioned, ExitCode.CONFLICT),
    (domain.InvalidTransition, ExitCode.CONFLICT),
    (domain.CredentialAlreadyRevoked, ExitCode.CONFLICT),
    (OrganizationDeleted, ExitCode.CONFLICT),
    (domain.DomainError, ExitCode.INVALID),
    (app.ApplicationError, ExitCode.INVALID),
)

#: Codes for the exceptions that carry none of their own.
CONFIGURATION_ERROR: Final = "CONFIGURATION_ERROR"
INTERNAL_ERROR: Final = "INTERNAL_ERROR"


def exit_code_for(exc: BaseException) -> ExitCode:
    """The exit code for ``exc``; anything not in the table is an internal error."""
    for cls, code in _TABLE:
        if isinstance(exc, cls):
            return code
    return ExitCode.INTERNAL


def describe(exc: BaseException) -> str:
    """The ``code: message`` line for ``exc``.

    SECURITY: an untranslated exception prints a generic line, never ``str(exc)``: its text
    may quote a secret, a SQL statement or a path; ``--debug`` is the explicit opt-in.
    """
    if isinstance(exc, ConfigurationError):
        return f"{CONFIGURATION_ERROR}: {exc}"
    if isinstance(exc, app.ApplicationError):
        return f"{exc.code}: {exc.message}{_details(exc.message, exc.details)}"
    if isinstance(exc, domain.DomainError):
        return f"{exc.code}: {exc.message}"
    return f"{INTERNAL_ERROR}: an unexpected error occurred (rerun with --debug for details)."


def _details(message: str, details: dict[str, object]) -> str:
    """`` (key: value, ...)`` so an operator sees which id or field was refused; values the
    message already quotes are left out."""
    shown = [f"{key}: {value}" for key, value in details.items() if str(value) not in message]
    return f" ({', '.join(shown)})" if shown else ""
