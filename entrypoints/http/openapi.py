"""OpenAPI: the document's configuration, security schemes and documented error responses.

Litestar generates the document from the handlers (served at ``/schema/openapi.json``, with
Swagger UI at ``/schema/swagger``). Every handler lists the error statuses it can answer via
:func:`error_responses` / :func:`oauth_responses`, so the document has no undocumented status
codes. The OAuth endpoints read their form bodies by hand (hot path), so their request bodies
are described by the :class:`FormOperation` subclasses instead of a ``data`` parameter.

Rate limiting is app-wide (``rate_limits.py``: a middleware, not a handler option), so its
part of the document is added once, to the finished document, rather than by each handler:
every operation outside :data:`~.rate_limits.EXEMPT_PREFIXES` gets the shared 429 response
(``#/components/responses/RateLimitExceeded``, with ``Retry-After``) and its success responses
the ``X-RateLimit-*`` headers (``#/components/headers/...``). See :class:`_Document`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Final

from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import (
    Components,
    OpenAPI,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    PathItem,
    Reference,
    RequestBody,
    Schema,
    SecurityRequirement,
    SecurityScheme,
    Tag,
)

from .oauth_requests import FORM_MEDIA_TYPE
from .rate_limits import EXEMPT_PREFIXES
from .schemas import ErrorOut, OAuthErrorOut

BEARER: Final = "BearerAuth"
CLIENT_BASIC: Final = "ClientSecretBasic"
#: Security requirement of every endpoint that takes an access token.
BEARER_SECURITY: Final[list[SecurityRequirement]] = [{BEARER: []}]

_ERROR_DESCRIPTIONS: Final = {
    400: "Invalid request: `VALIDATION_ERROR` with `details: {field, reason}`, or "
    "`AGENT_NOT_ACTIVE` / `RETENTION_WINDOW_EXCEEDED`.",
    401: "`UNAUTHORIZED`: missing, invalid, expired or revoked bearer token.",
    403: "Refused by the policy decision point before the handler runs: "
    "`INSUFFICIENT_SCOPE` (the route's scope is missing, `admin:platform` on platform-only "
    'routes included; `WWW-Authenticate: Bearer error="insufficient_scope"`) or '
    "`AUTHORIZATION_ERROR` (an `{orgId}` of another organization, a membership role the "
    "route needs, no policy for the route); audited as `access.denied`. "
    "Refused by the operation: `AUTHORIZATION_ERROR` (another organization's resource), "
    "`INSUFFICIENT_SCOPE`, `FORBIDDEN`, `AGENT_DECOMMISSIONED` or `FREE_TIER_LIMIT_EXCEEDED` "
    "(the organization's plan allows no more).",
    404: "`AGENT_NOT_FOUND`, `CREDENTIAL_NOT_FOUND`, `AUDIT_EVENT_NOT_FOUND`, `ORG_NOT_FOUND`, "
    "`MEMBER_NOT_FOUND`, or `NOT_FOUND` (also: the route's feature is disabled).",
    409: "`AGENT_ALREADY_EXISTS`, `AGENT_ALREADY_DECOMMISSIONED`, `INVALID_STATUS_TRANSITION`, "
    "`CREDENTIAL_ALREADY_REVOKED`, `ORG_SLUG_CONFLICT`, `ALREADY_MEMBER`, "
    "`ORG_ALREADY_DELETED` or `CONCURRENT_UPDATE`.",
    413: "`PAYLOAD_TOO_LARGE`: the body exceeds the request size limit.",
    415: "`UNSUPPORTED_MEDIA_TYPE`: the body is not `application/json`.",
    500: "`INTERNAL_SERVER_ERROR` (generic message; details are logged, never returned).",
    503: "`SERVICE_UNAVAILABLE` with `Retry-After`: a backing store is unreachable, or the "
    "policy decision point cannot evaluate the request (fails closed: nothing ran); retry "
    "later.",
}
_OAUTH_DESCRIPTIONS: Final = {
    400: "`invalid_request`, `unsupported_grant_type`, `unauthorized_client` or "
    "`invalid_scope` (RFC 6749 §5.2).",
    401: "`invalid_client` (with `WWW-Authenticate: Basic`) or `invalid_token` (with "
    "`WWW-Authenticate: Bearer`).",
    403: "`insufficient_scope`, `unauthorized_client` or `access_denied` (a token without "
    "organization, or the organization's monthly token quota is used up).",
    413: "`invalid_request`: the body exceeds the request size limit.",
    415: "`invalid_request`: the body is not `application/x-www-form-urlencoded`.",
    500: "`server_error`.",
    503: "`temporarily_unavailable`: a backing store is unreachable; retry later.",
}
#: Statuses every authenticated JSON endpoint may answer.
AUTHENTICATED: Final = (400, 401, 403, 500, 503)
#: Extra statuses of endpoints that read a JSON body.
WITH_BODY: Final = (413, 415)


def error_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """Documented ``{code, message, details}`` responses for ``statuses``."""
    return {
        status: ResponseSpec(
            data_container=ErrorOut,
            description=_ERROR_DESCRIPTIONS[status],
            generate_examples=False,
        )
        for status in statuses
    }


def oauth_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """Documented RFC 6749 §5.2 ``{error, error_description}`` responses for ``statuses``."""
    return {
        status: ResponseSpec(
            data_container=OAuthErrorOut,
            description=_OAUTH_DESCRIPTIONS[status],
            generate_examples=False,
        )
        for status in statuses
    }


def _string(description: str, enum: list[str] | None = None) -> Schema:
    # RFC 6749 §3.2: an empty parameter counts as omitted, so a present one is non-empty.
    return Schema(type=OpenAPIType.STRING, description=description, enum=enum, min_length=1)


_CLIENT_FIELDS: Final[dict[str, Schema | Reference]] = {
    "client_id": _string("Client id (the agent id) for `client_secret_post`."),
    "client_secret": _string("Client secret for `client_secret_post` (never with Basic)."),
}


def _form_body(properties: dict[str, Schema | Reference], required: list[str]) -> RequestBody:
    # Unknown parameters are ignored, but a repeated one is refused (RFC 6749 §3.2): the
    # document lists the parameters there are, and no others.
    schema = Schema(
        type=OpenAPIType.OBJECT,
        properties=properties,
        required=required,
        additional_properties=False,
    )
    return RequestBody(content={FORM_MEDIA_TYPE: OpenAPIMediaType(schema=schema)}, required=True)


@dataclass
class TokenOperation(Operation):
    """``POST /api/v1/token``: documents the RFC 6749 §4.4.2 form body."""

    def __post_init__(self) -> None:
        self.request_body = _form_body(
            {
                "grant_type": _string("Must be `client_credentials`.", ["client_credentials"]),
                "scope": _string("Space-delimited scopes; defaults to every granted scope."),
                **_CLIENT_FIELDS,
            },
            ["grant_type"],
        )


@dataclass
class TokenActionOperation(Operation):
    """Introspection and revocation: documents the RFC 7662 / RFC 7009 form body."""

    def __post_init__(self) -> None:
        self.request_body = _form_body(
            {
                "token": _string("The access token."),
                "token_type_hint": _string("Optional; only `access_token` exists here."),
                **_CLIENT_FIELDS,
            },
            ["token"],
        )


@dataclass
class OptionalBodyOperation(Operation):
    """An operation whose JSON body may be left out (Litestar marks every body required)."""

    def __post_init__(self) -> None:
        if isinstance(self.request_body, RequestBody):
            self.request_body.required = False


def _integer_header(description: str) -> OpenAPIHeader:
    schema = Schema(type=OpenAPIType.INTEGER, minimum=0)
    return OpenAPIHeader(schema=schema, description=description)


#: ``X-RateLimit-*`` on every response of a rate-limited request (``rate_limits.py``).
RATE_LIMIT_HEADERS: Final = {
    "X-RateLimit-Limit": _integer_header(
        "Requests allowed per sliding minute by the tightest limit this request met (per IP "
        "address, or the client's plan tier)."
    ),
    "X-RateLimit-Remaining": _integer_header("Requests left in that window."),
    "X-RateLimit-Reset": _integer_header(
        "Unix time (seconds) at which the oldest counted request leaves that window."
    ),
}
RETRY_AFTER: Final = "Retry-After"
RATE_LIMITED: Final = "RateLimitExceeded"


def _header_ref(name: str) -> Reference:
    return Reference(ref=f"#/components/headers/{name}")


def _rate_limited_response() -> OpenAPIResponse:
    """The shared 429: the ``{code, message, details}`` envelope on every route, OAuth
    endpoints included (RFC 6749 has no throttling error)."""
    error_schema = Reference(ref=f"#/components/schemas/{ErrorOut.__name__}")
    return OpenAPIResponse(
        description="`RATE_LIMIT_EXCEEDED`: the per-IP or the per-client (plan tier) sliding "
        "window is full; retry after `Retry-After` seconds.",
        headers={name: _header_ref(name) for name in (RETRY_AFTER, *RATE_LIMIT_HEADERS)},
        content={"application/json": OpenAPIMediaType(schema=error_schema)},
    )


@dataclass
class _Document(OpenAPI):
    """The document, completed with the app-wide rate-limit responses when it is rendered
    (Litestar fills in ``paths`` after creating it, so nothing earlier sees the operations)."""

    def to_schema(self) -> dict[str, Any]:
        """The document as a dict, every rate-limited operation declaring 429 and
        ``X-RateLimit-*`` (idempotent: rendering twice declares the same things)."""
        for path, item in (self.paths or {}).items():
            if isinstance(item, PathItem) and not path.startswith(EXEMPT_PREFIXES):
                for operation in _operations(item):
                    _declare_rate_limits(operation)
        return super().to_schema()


def _operations(item: PathItem) -> list[Operation]:
    methods = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
    return [op for op in (getattr(item, method) for method in methods) if op is not None]


def _declare_rate_limits(operation: Operation) -> None:
    responses = operation.responses if operation.responses is not None else {}
    for status, response in responses.items():
        if status.startswith("2") and isinstance(response, OpenAPIResponse):
            response.headers = {
                **(response.headers or {}),
                **{name: _header_ref(name) for name in RATE_LIMIT_HEADERS},
            }
    responses["429"] = Reference(ref=f"#/components/responses/{RATE_LIMITED}")
    operation.responses = responses


@dataclass
class _Config(OpenAPIConfig):
    """Creates a :class:`_Document` instead of a plain ``OpenAPI``."""

    def to_openapi_schema(self) -> OpenAPI:
        """The configured document, as a :class:`_Document`."""
        base = super().to_openapi_schema()
        return _Document(**{f.name: getattr(base, f.name) for f in fields(base)})


def openapi_config(version: str) -> OpenAPIConfig:
    """The OpenAPI document: ``/schema/openapi.json`` plus Swagger UI at ``/schema/swagger``."""
    return _Config(
        title="AgentIdP",
        version=version,
        description="Identity provider for AI agents: registry, credentials, OAuth 2.0 "
        "client credentials tokens and a tamper-evident audit log.",
        path="/schema",
        render_plugins=[SwaggerRenderPlugin(path="/swagger")],
        components=Components(
            security_schemes={
                BEARER: SecurityScheme(
                    type="http",
                    scheme="bearer",
                    bearer_format="JWT",
                    description="Access token from `POST /api/v1/token`.",
                ),
                CLIENT_BASIC: SecurityScheme(
                    type="http",
                    scheme="basic",
                    description="OAuth client credentials (RFC 6749 §2.3.1): the agent id "
                    "and client secret, each form-urlencoded.",
                ),
            },
            headers={
                RETRY_AFTER: _integer_header("Seconds to wait before retrying."),
                **RATE_LIMIT_HEADERS,
            },
            responses={RATE_LIMITED: _rate_limited_response()},
        ),
        tags=[
            Tag(name="agents", description="Agent registry"),
            Tag(name="credentials", description="Client secrets of agents"),
            Tag(name="oauth", description="OAuth 2.0 token, introspection, revocation"),
            Tag(name="audit", description="Hash-chained audit log"),
            Tag(name="organizations", description="Tenants, members and their administrators"),
            Tag(name="tiers", description="Plan tier, limits and usage"),
            Tag(name="discovery", description="OIDC / RFC 8414 metadata and keys"),
            Tag(name="health", description="Liveness"),
        ],
    )
