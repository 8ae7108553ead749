"""Errors → HTTP: the one table that gives every refusal its status code.

Every endpoint except the OAuth ones answers errors as ``{"code", "message", "details"}``
(``application/json``). ``code`` is the error's own stable code unless the table overrides
it; ``details`` carries the error's data (``{field, reason}`` for validation errors). The
lookup walks the exception's MRO, so a specific class always wins over its base.

| error (specific → general)                | status | code                             |
| ----------------------------------------- | ------ | -------------------------------- |
| InvalidValue, ImmutableField              | 400    | VALIDATION_ERROR                 |
| InvalidScope                              | 400    | VALIDATION_ERROR (field scopes)  |
| ScopeNotGranted                           | 403    | INSUFFICIENT_SCOPE               |
| AgentNotActive                            | 400    | AGENT_NOT_ACTIVE                 |
| AgentDecommissioned                       | 403    | AGENT_DECOMMISSIONED             |
| AgentAlreadyDecommissioned                | 409    | AGENT_ALREADY_DECOMMISSIONED     |
| InvalidTransition                         | 409    | INVALID_STATUS_TRANSITION        |
| CredentialAlreadyRevoked                  | 409    | CREDENTIAL_ALREADY_REVOKED       |
| OrganizationDeleted                       | 409    | ORG_ALREADY_DELETED              |
| DomainError (other)                       | 400    | its code                         |
| AgentNotFound                             | 404    | AGENT_NOT_FOUND                  |
| CredentialNotFound                        | 404    | CREDENTIAL_NOT_FOUND             |
| AuditEventNotFound                        | 404    | AUDIT_EVENT_NOT_FOUND            |
| MemberNotFound                            | 404    | MEMBER_NOT_FOUND                 |
| NotFound (other)                          | 404    | its code                         |
| AgentAlreadyExists                        | 409    | AGENT_ALREADY_EXISTS             |
| OrganizationSlugTaken, AlreadyMember      | 409    | ORG_SLUG_CONFLICT, ALREADY_MEMBER|
| ConcurrentUpdate                          | 409    | CONCURRENT_UPDATE                |
| Conflict (other)                          | 409    | its code                         |
| Unauthenticated                           | 401    | UNAUTHORIZED (+ WWW-Authenticate)|
| InvalidClient                             | 401    | invalid_client                   |
| TenantMismatch                            | 403    | AUTHORIZATION_ERROR              |
| InsufficientScope                         | 403    | INSUFFICIENT_SCOPE (+ challenge) |
| NotResourceOwner, Forbidden               | 403    | FORBIDDEN                        |
| NotPlatformAdmin                          | 403    | FORBIDDEN                        |
| OperatorOnlyScope                         | 403    | INSUFFICIENT_SCOPE (no challenge)|
| AgentNotPermitted                         | 403    | unauthorized_client              |
| TierLimitExceeded (Forbidden)             | 403    | FREE_TIER_LIMIT_EXCEEDED         |
| RateLimitExceeded                         | 429    | RATE_LIMIT_EXCEEDED, Retry-After |
| RetentionWindowExceeded                   | 400    | RETENTION_WINDOW_EXCEEDED        |
| InvalidRequest                            | 400    | VALIDATION_ERROR                 |
| BackendUnavailable, PolicyUnavailable     | 503    | SERVICE_UNAVAILABLE, Retry-After |
| JwksUnreachable, FederatedTokenRejected   | 422    | its code (federation)            |
| MigrationError, KeyMaterialError          | 503    | MIGRATION_FAILED, KEY_STORE_ERROR|

Every 503 carries its class's generic message; the detail goes to the log.
| ApplicationError (other)                  | 400    | its code                         |
| framework: validation, malformed JSON     | 400    | VALIDATION_ERROR ``{field, reason}`` |
| RecursionError (JSON nested too deeply)   | 400    | VALIDATION_ERROR                 |
| framework: no route                       | 404    | NOT_FOUND                        |
| framework: method not allowed             | 405    | METHOD_NOT_ALLOWED (+ Allow)     |
| framework: body over the limit            | 413    | PAYLOAD_TOO_LARGE                |
| wrong Content-Type                        | 415    | UNSUPPORTED_MEDIA_TYPE           |
| anything else                             | 500    | INTERNAL_SERVER_ERROR            |

A 500 carries a generic message only; the traceback goes to the server log. 401s carry
``WWW-Authenticate: Bearer`` (RFC 6750 §3; ``error="invalid_token"`` when a token was
presented) and scope refusals ``error="insufficient_scope"``.

Choices: an invalid lifecycle transition (suspending a suspended agent) is 409, not 400: the
request is well-formed but conflicts with the agent's current state. Granting scopes the
caller does not hold is 403 ``INSUFFICIENT_SCOPE``: it is a permission problem.

The OAuth endpoints (token, introspection, revocation) answer in RFC 6749 §5.2 form instead;
:data:`OAUTH_ERRORS` is their table and :func:`oauth_error_response` renders it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Final

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from agentidp.application import errors as app
from agentidp.domain import errors as domain
from agentidp.domain.organization import OrganizationDeleted

from .oauth_requests import REALM, OAuthRequestError, invalid_client
from .schemas import ErrorOut, OAuthErrorOut

logger = logging.getLogger("agentidp.http")

INTERNAL_MESSAGE: Final = "An unexpected error occurred. Please try again later."
RETRY_AFTER_SECONDS: Final = "5"


@dataclass(frozen=True, slots=True)
class Problem:
    """How one error class is shown: its status and, optionally, a code replacing its own."""

    status: int
    code: str | None = None


#: Error class → problem. Looked up along the exception's MRO (specific first).
PROBLEMS: Final[dict[type[Exception], Problem]] = {
    # Domain rules
    domain.InvalidValue: Problem(400, "VALIDATION_ERROR"),
    domain.ImmutableField: Problem(400, "VALIDATION_ERROR"),
    domain.InvalidScope: Problem(400, "VALIDATION_ERROR"),
    domain.ScopeNotGranted: Problem(403, "INSUFFICIENT_SCOPE"),
    domain.AgentNotActive: Problem(400),
    domain.AgentDecommissioned: Problem(403),
    domain.AgentAlreadyDecommissioned: Problem(409),
    domain.InvalidTransition: Problem(409),
    domain.CredentialAlreadyRevoked: Problem(409),
    OrganizationDeleted: Problem(409),
    domain.DomainError: Problem(400),
    # Application refusals
    app.AgentNotFound: Problem(404),
    app.CredentialNotFound: Problem(404),
    app.AuditEventNotFound: Problem(404),
    app.NotFound: Problem(404),
    app.AgentAlreadyExists: Problem(409),
    app.ConcurrentUpdate: Problem(409),
    app.Conflict: Problem(409),
    app.Unauthenticated: Problem(401),
    app.InvalidClient: Problem(401),
    # A GitHub OIDC token refused at POST /oidc/token (docs/oidc-github.md).
    app.OidcTokenInvalid: Problem(401),
    app.TenantMismatch: Problem(403),
    app.InsufficientScope: Problem(403),
    app.NotResourceOwner: Problem(403),
    app.AgentNotPermitted: Problem(403),
    app.Forbidden: Problem(403),
    app.RateLimitExceeded: Problem(429),
    app.RetentionWindowExceeded: Problem(400),
    app.InvalidRequest: Problem(400),
    app.BackendUnavailable: Problem(503),
    # Federation (docs/federation.md): well-formed requests the partner rules refuse.
    app.JwksUnreachable: Problem(422),
    app.FederatedTokenRejected: Problem(422),
    # Start-up failures; should one surface in a request, the server is not ready to serve.
    app.MigrationError: Problem(503),
    app.KeyMaterialError: Problem(503),
    app.ApplicationError: Problem(400),
}

#: Framework (Litestar) HTTP errors by status → (code, message).
HTTP_PROBLEMS: Final[dict[int, tuple[str, str]]] = {
    400: ("VALIDATION_ERROR", "The request is invalid."),
    401: ("UNAUTHORIZED", app.Unauthenticated.default_message),
    403: ("FORBIDDEN", app.Forbidden.default_message),
    404: ("NOT_FOUND", "The requested resource was not found."),
    405: ("METHOD_NOT_ALLOWED", "The method is not allowed on this resource."),
    413: ("PAYLOAD_TOO_LARGE", "The request body is too large."),
    415: ("UNSUPPORTED_MEDIA_TYPE", "The request body's media type is not supported."),
    429: ("RATE_LIMIT_EXCEEDED", "Too many requests."),
    503: ("SERVICE_UNAVAILABLE", app.BackendUnavailable.default_message),
}

#: OAuth endpoints: error class → (status, RFC 6749 §5.2 / RFC 6750 §3.1 error code).
OAUTH_ERRORS: Final[dict[type[Exception], tuple[int, str]]] = {
    domain.InvalidScope: (400, "invalid_scope"),
    domain.ScopeNotGranted: (400, "invalid_scope"),
    domain.DomainError: (400, "invalid_request"),
    app.InvalidClient: (401, "invalid_client"),
    app.AgentNotPermitted: (400, "unauthorized_client"),
    app.Unauthenticated: (401, "invalid_token"),
    app.InsufficientScope: (403, "insufficient_scope"),
    app.NotResourceOwner: (403, "unauthorized_client"),
    app.TenantMismatch: (403, "access_denied"),
    # The organization's plan allows no more tokens this month (docs/limits.md).
    app.TierLimitExceeded: (403, "access_denied"),
    # RFC 8693 §2.2.2: an audience or resource we do not serve.
    app.InvalidTarget: (400, "invalid_target"),
    app.InvalidRequest: (400, "invalid_request"),
    app.BackendUnavailable: (503, "temporarily_unavailable"),
    app.ApplicationError: (400, "invalid_request"),
}

_ENCODER = msgspec.json.Encoder()
# A missing or (for bodies that forbid them) unknown body field is named only in msgspec's message.
_MISSING_FIELD = re.compile(r"(?:missing required|unknown) field `([^`]+)`")


def lookup(table: dict[type[Exception], Any], exc: BaseException) -> Any:
    """The entry of the most specific class of ``exc`` in ``table``, or ``None``."""
    for cls in type(exc).__mro__:
        entry = table.get(cls)
        if entry is not None:
            return entry
    return None


def error_response(
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[bytes]:
    """An ``{code, message, details}`` JSON response."""
    body = _ENCODER.encode(ErrorOut(code=code, message=message, details=details or {}))
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def handle_refusal(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """Litestar exception handler for ``ApplicationError`` and ``DomainError``."""
    problem: Problem = lookup(PROBLEMS, exc) or Problem(400)
    code = str(problem.code or getattr(exc, "code", "VALIDATION_ERROR"))
    details = _jsonable(getattr(exc, "details", {}))
    if isinstance(exc, domain.InvalidScope):
        details = {"field": "scopes", "reason": exc.message, **details}
    return error_response(
        problem.status, code, public_message(exc), details, _challenge(request, exc)
    )


#: Refusals that mean "a dependency of the IdP is not working" (every one a 503).
_UNAVAILABLE: Final = (app.BackendUnavailable, app.MigrationError, app.KeyMaterialError)


def public_message(exc: Exception) -> str:
    """What a caller is told about ``exc``.

    SECURITY: which dependency failed, and how (a malformed policy answer, Redis down), is for
    operators: an unavailable backend is logged with its detail and answered with its class's
    generic message.
    """
    message: str = getattr(exc, "message", str(exc))
    if isinstance(exc, _UNAVAILABLE):
        logger.warning("%s: %s", type(exc).__name__, message)
        return type(exc).default_message
    return message


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    """Litestar exception handler for framework errors (validation, routing, body limits)."""
    status = exc.status_code
    if status >= 500 and status != 503:
        return handle_unexpected(request, exc)
    code, message = HTTP_PROBLEMS.get(status, (f"HTTP_{status}", exc.detail))
    details: dict[str, Any] = {}
    if status == 400:
        details = _validation_details(exc)
    headers = None
    allow = next((v for k, v in (exc.headers or {}).items() if k.lower() == "allow"), None)
    if status == 405 and allow:
        headers = {"Allow": allow}
    if status == 401:
        headers = {"WWW-Authenticate": f"Bearer {REALM}"}
    return error_response(status, code, message, details, headers)


def handle_too_deep(request: Request[Any, Any, Any], exc: RecursionError) -> Response[bytes]:
    """A JSON body nested deeper than the decoder allows is bad input, not a server error."""
    return error_response(
        400,
        "VALIDATION_ERROR",
        "The request is invalid.",
        {"field": "body", "reason": "The JSON body is nested too deeply."},
    )


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """Last resort: 500 with a generic message; the traceback goes to the log only.

    The request body is never logged (it may hold client secrets or tokens).
    """
    logger.error(
        "Unhandled %s on %s %s",
        type(exc).__name__,
        request.method,
        request.url.path,
        exc_info=exc,
    )
    return error_response(500, "INTERNAL_SERVER_ERROR", INTERNAL_MESSAGE)


def oauth_error_response(exc: Exception) -> Response[bytes]:
    """The RFC 6749 §5.2 response for ``exc`` raised while serving an OAuth endpoint.

    Errors outside :data:`OAUTH_ERRORS` are logged and answered as 500 ``server_error``.
    """
    if isinstance(exc, app.InvalidClient):
        exc = invalid_client()  # one body for every client authentication failure
    if isinstance(exc, app.RateLimitExceeded):
        # RFC 6749 has no throttling error: the spec's envelope, as on every other route.
        return error_response(
            429, exc.code, exc.message, headers={"Retry-After": str(exc.retry_after)}
        )
    if isinstance(exc, OAuthRequestError):
        return oauth_response(exc.status, exc.error, exc.description, exc.headers)
    if isinstance(exc, HTTPException) and exc.status_code < 500:
        return oauth_response(
            exc.status_code,
            "invalid_request",
            HTTP_PROBLEMS.get(exc.status_code, ("", "The request is invalid."))[1],
        )
    entry = lookup(OAUTH_ERRORS, exc)
    if entry is None:
        logger.error("Unhandled %s on an OAuth endpoint", type(exc).__name__, exc_info=exc)
        return oauth_response(500, "server_error", INTERNAL_MESSAGE)
    status, error = entry
    headers = None
    if status == 401:
        headers = {"WWW-Authenticate": f'Bearer {REALM}, error="{error}"'}
    elif status == 503:
        headers = {"Retry-After": RETRY_AFTER_SECONDS}
    return oauth_response(status, error, public_message(exc), headers)


def oauth_response(
    status: int, error: str, description: str, headers: Any = None
) -> Response[bytes]:
    """An RFC 6749 §5.2 JSON error response (never cached)."""
    body = _ENCODER.encode(OAuthErrorOut(error=error, error_description=description))
    merged = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    if headers:
        merged.update(headers)
    return Response(body, status_code=status, media_type="application/json", headers=merged)


def _challenge(request: Request[Any, Any, Any], exc: Exception) -> dict[str, str] | None:
    """RFC 6750 §3 ``WWW-Authenticate`` for 401s and scope 403s, Retry-After for 503s."""
    if isinstance(exc, app.Unauthenticated):
        presented = "authorization" in request.headers
        # RFC 6750 §3.1: no error code when the request carried no credentials at all.
        suffix = ', error="invalid_token"' if presented else ""
        return {"WWW-Authenticate": f"Bearer {REALM}{suffix}"}
    if isinstance(exc, app.InsufficientScope):
        scope = exc.details.get("required", "")
        return {"WWW-Authenticate": f'Bearer {REALM}, error="insufficient_scope", scope="{scope}"'}
    if isinstance(exc, app.BackendUnavailable):
        return {"Retry-After": RETRY_AFTER_SECONDS}
    if isinstance(exc, app.RateLimitExceeded):
        return {"Retry-After": str(exc.retry_after)}
    return None


def _validation_details(exc: HTTPException) -> dict[str, Any]:
    """``{field, reason}`` from a framework 400 (the first problem; all of them in ``errors``)."""
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list) and exc.extra:
        errors = [
            {
                "field": _field_name(item.get("key"), str(item.get("message", ""))),
                "reason": str(item.get("message", "")),
            }
            for item in exc.extra
            if isinstance(item, dict)
        ]
        if errors:
            first: dict[str, Any] = dict(errors[0])
            if len(errors) > 1:
                first["errors"] = errors
            return first
    return {"field": "body", "reason": exc.detail}


def _field_name(key: object, message: str) -> str:
    """The wire name of the field a framework validation error is about.

    Litestar names the request body ``data`` (the API calls it ``body``) and parameters by
    their Python names (the wire uses camelCase); a missing body field is only named in
    msgspec's message.
    """
    missing = _MISSING_FIELD.search(message)
    if missing:
        return missing.group(1)
    if not key or key == "data":
        return "body"
    return _camel(str(key).removeprefix("data."))


def _jsonable(details: object) -> dict[str, Any]:
    """Error details as JSON-safe values with camelCase keys (sets become sorted lists)."""
    if not isinstance(details, dict):
        return {}
    camel = {_camel(str(key)): value for key, value in details.items()}
    return msgspec.to_builtins(camel, enc_hook=str, order="sorted")  # type: ignore[no-any-return]


def _camel(name: str) -> str:
    """``agent_id`` → ``agentId``: detail keys follow the wire's naming."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
