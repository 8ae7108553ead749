"""OpenAPI: the document's configuration, security schemes and documented error responses.

Litestar generates the document from the handlers (served at ``/schema/openapi.json``, with
Swagger UI at ``/schema/swagger``). Every handler lists the error statuses it can answer via
:func:`error_responses` / :func:`oauth_responses`, so the document has no undocumented status
codes. The OAuth endpoints read their form bodies by hand (hot path), so their request bodies
are described by the :class:`FormOperation` subclasses instead of a ``data`` parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import (
    Components,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    Reference,
    RequestBody,
    Schema,
    SecurityRequirement,
    SecurityScheme,
    Tag,
)

from .oauth_requests import FORM_MEDIA_TYPE
from .schemas import ErrorOut, OAuthErrorOut

BEARER: Final = "BearerAuth"
CLIENT_BASIC: Final = "ClientSecretBasic"
#: Security requirement of every endpoint that takes an access token.
BEARER_SECURITY: Final[list[SecurityRequirement]] = [{BEARER: []}]

_ERROR_DESCRIPTIONS: Final = {
    400: "Invalid request: `VALIDATION_ERROR` with `details: {field, reason}`, or "
    "`AGENT_NOT_ACTIVE` / `RETENTION_WINDOW_EXCEEDED`.",
    401: "`UNAUTHORIZED`: missing, invalid, expired or revoked bearer token.",
    403: "`AUTHORIZATION_ERROR` (another organization's resource, or no organization in the "
    "token), `INSUFFICIENT_SCOPE`, `FORBIDDEN` or `AGENT_DECOMMISSIONED`.",
    404: "`AGENT_NOT_FOUND`, `CREDENTIAL_NOT_FOUND`, `AUDIT_EVENT_NOT_FOUND` or `NOT_FOUND`.",
    409: "`AGENT_ALREADY_EXISTS`, `AGENT_ALREADY_DECOMMISSIONED`, `INVALID_STATUS_TRANSITION`, "
    "`CREDENTIAL_ALREADY_REVOKED` or `CONCURRENT_UPDATE`.",
    413: "`PAYLOAD_TOO_LARGE`: the body exceeds the request size limit.",
    415: "`UNSUPPORTED_MEDIA_TYPE`: the body is not `application/json`.",
    500: "`INTERNAL_SERVER_ERROR` (generic message; details are logged, never returned).",
    503: "`SERVICE_UNAVAILABLE`: a backing store is unreachable; retry later.",
}
_OAUTH_DESCRIPTIONS: Final = {
    400: "`invalid_request`, `unsupported_grant_type`, `unauthorized_client` or "
    "`invalid_scope` (RFC 6749 §5.2).",
    401: "`invalid_client` (with `WWW-Authenticate: Basic`) or `invalid_token` (with "
    "`WWW-Authenticate: Bearer`).",
    403: "`insufficient_scope`, `unauthorized_client` or `access_denied`.",
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


def openapi_config(version: str) -> OpenAPIConfig:
    """The OpenAPI document: ``/schema/openapi.json`` plus Swagger UI at ``/schema/swagger``."""
    return OpenAPIConfig(
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
            }
        ),
        tags=[
            Tag(name="agents", description="Agent registry"),
            Tag(name="credentials", description="Client secrets of agents"),
            Tag(name="oauth", description="OAuth 2.0 token, introspection, revocation"),
            Tag(name="audit", description="Hash-chained audit log"),
            Tag(name="discovery", description="OIDC / RFC 8414 metadata and keys"),
            Tag(name="health", description="Liveness"),
        ],
    )
