"""OAuth 2.0 endpoints: token (RFC 6749 §4.4), introspection (RFC 7662), revocation (RFC 7009).

The token endpoint is the hot path (every issuance is audited and committed before the
answer), so these handlers are deliberately lean: they read the raw body and headers
themselves (:mod:`..oauth_requests`), call the use case and answer pre-encoded JSON. No
framework form parsing, no dependency-injection chain, no exception-handler round trip:
errors are rendered here in RFC 6749 §5.2 form by :func:`..problems.oauth_error_response`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import msgspec
from litestar import Request, Response, post
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import SecurityRequirement

from agentidp.application.commands import (
    AuthenticateClient,
    IntrospectToken,
    IssueToken,
    Origin,
    RevokeToken,
)
from agentidp.application.principal import Principal
from agentidp.application.token_exchange import GRANT_TYPE as TOKEN_EXCHANGE
from agentidp.application.token_exchange import TokenExchangeRequest

from ...container import Container
from ..oauth_requests import (
    OAuthRequestError,
    RequestHeaders,
    bearer_token,
    client_credentials,
    client_credentials_grant,
    invalid_client,
    origin_of,
    parse_form,
    read_headers,
    token_exchange_request,
)
from ..oidc_schemas import TokenExchangeOut
from ..openapi import BEARER, CLIENT_BASIC, TokenActionOperation, TokenOperation, oauth_responses
from ..problems import oauth_error_response
from ..schemas import IntrospectionOut, TokenOut

#: OAuth requests are small; anything bigger is refused before it is read (413).
MAX_OAUTH_BODY: Final = 8 * 1024
#: RFC 6749 §5.1: token responses "MUST" carry these (and so do our errors).
NO_STORE: Final = {"Cache-Control": "no-store", "Pragma": "no-cache"}
JSON: Final = "application/json"
#: Callers authenticate with client credentials (Basic or body) or with a bearer token.
_CALLER_SECURITY: Final[list[SecurityRequirement]] = [{CLIENT_BASIC: []}, {BEARER: []}, {}]

_encode = msgspec.json.Encoder().encode


def oauth_handlers(container: Container) -> list[HTTPRouteHandler]:
    """The three OAuth route handlers, bound to ``container``."""
    issue_token = container.issue_token
    authenticate_bearer = container.authenticate_bearer
    introspect_token = container.introspect_token
    revoke_token = container.revoke_token
    token_exchange = container.token_exchange

    async def authenticate_caller(
        headers: RequestHeaders, form: Mapping[str, str], origin: Origin, purpose: str
    ) -> Principal:
        """Introspection and revocation callers: a bearer token or client credentials."""
        token = bearer_token(headers.authorization)
        if token is not None:
            if "client_secret" in form:
                raise OAuthRequestError("invalid_request", "Use exactly one authentication method.")
            authenticate = authenticate_bearer()
            principal: Principal = await authenticate(token)
            return principal
        credentials = client_credentials(headers.authorization, form)
        if credentials is None:
            raise invalid_client()
        authenticate_client = container.authenticate_client()
        return await authenticate_client(
            AuthenticateClient(credentials.client_id, credentials.client_secret, purpose, origin)
        )

    @post(
        "/api/v1/token",
        status_code=200,
        tags=["oauth"],
        summary="Client credentials grant (RFC 6749 §4.4) and token exchange (RFC 8693)",
        operation_class=TokenOperation,
        security=[{CLIENT_BASIC: []}, {}],
        request_max_body_size=MAX_OAUTH_BODY,
        responses={
            200: _documented(TokenOut, "Access token (RFC 6749 §5.1)."),
            **oauth_responses(400, 401, 403, 413, 415, 500, 503),
        },
    )
    async def token(request: Request[Any, Any, Any]) -> Response[bytes]:
        """Issue an access token to an agent authenticating with its client secret, or in
        exchange for a subject token (RFC 8693; e.g. a GitHub Actions OIDC token)."""
        try:
            asgi_scope = request.scope
            headers = read_headers(asgi_scope["headers"])
            form = parse_form(headers.content_type, await request.body())
            if form.get("grant_type") == TOKEN_EXCHANGE:
                origin = origin_of(asgi_scope.get("client"), headers.user_agent)
                return await exchange(token_exchange_request(form, origin))
            credentials = client_credentials_grant(headers.authorization, form)
            use_case = issue_token()
            issued = await use_case(
                IssueToken(
                    client_id=credentials.client_id,
                    client_secret=credentials.client_secret,
                    scope=form.get("scope"),
                    origin=origin_of(asgi_scope.get("client"), headers.user_agent),
                )
            )
        except Exception as exc:  # noqa: BLE001 — rendered (and logged if unexpected) in §5.2 form
            return oauth_error_response(exc)
        body = _encode(
            TokenOut(
                access_token=issued.access_token,
                token_type=issued.token_type,
                expires_in=issued.expires_in,
                scope=issued.scope,
            )
        )
        return Response(body, status_code=200, media_type=JSON, headers=NO_STORE)

    async def exchange(exchange_request: TokenExchangeRequest) -> Response[bytes]:
        """RFC 8693 §2.2.1: the handler registered for this kind of exchange issues the token
        (application/token_exchange.py); errors propagate to the caller's §5.2 rendering."""
        dispatch = token_exchange()
        exchanged = await dispatch(exchange_request)
        body = _encode(
            TokenExchangeOut(
                access_token=exchanged.access_token,
                issued_token_type=exchanged.issued_token_type,
                token_type=exchanged.token_type,
                expires_in=exchanged.expires_in,
                scope=exchanged.scope,
            )
        )
        return Response(body, status_code=200, media_type=JSON, headers=NO_STORE)

    @post(
        "/api/v1/token/introspect",
        status_code=200,
        tags=["oauth"],
        summary="Token introspection (RFC 7662)",
        operation_class=TokenActionOperation,
        security=_CALLER_SECURITY,
        request_max_body_size=MAX_OAUTH_BODY,
        responses={
            200: _documented(IntrospectionOut, "`{active: false}` or the token's claims."),
            **oauth_responses(400, 401, 403, 413, 415, 500, 503),
        },
    )
    async def introspect(request: Request[Any, Any, Any]) -> Response[bytes]:
        """Describe a token of the caller's organization; anything else is inactive."""
        try:
            headers, form, origin = await _read(request)
            token = _required_token(form)
            principal = await authenticate_caller(headers, form, origin, "introspection")
            use_case = introspect_token()
            result = await use_case(IntrospectToken(principal, token, origin))
        except Exception as exc:  # noqa: BLE001 — rendered (and logged if unexpected) in §5.2 form
            return oauth_error_response(exc)
        return Response(_encode(result), status_code=200, media_type=JSON, headers=NO_STORE)

    @post(
        "/api/v1/token/revoke",
        status_code=200,
        tags=["oauth"],
        summary="Token revocation (RFC 7009)",
        operation_class=TokenActionOperation,
        security=_CALLER_SECURITY,
        request_max_body_size=MAX_OAUTH_BODY,
        responses={
            200: _documented(None, "Revoked, or nothing to revoke (RFC 7009 §2.2)."),
            **oauth_responses(400, 401, 403, 413, 415, 500, 503),
        },
    )
    async def revoke(request: Request[Any, Any, Any]) -> Response[bytes]:
        """Revoke one of the caller's tokens (any of its organization's with ``admin:orgs``)."""
        try:
            headers, form, origin = await _read(request)
            token = _required_token(form)
            principal = await authenticate_caller(headers, form, origin, "revocation")
            use_case = revoke_token()
            await use_case(RevokeToken(principal, token, origin))
        except Exception as exc:  # noqa: BLE001 — rendered (and logged if unexpected) in §5.2 form
            return oauth_error_response(exc)
        return Response(b"", status_code=200, media_type="text/plain", headers=NO_STORE)

    return [token, introspect, revoke]


async def _read(request: Request[Any, Any, Any]) -> tuple[RequestHeaders, dict[str, str], Origin]:
    """Headers, form and audit origin of an introspection or revocation request."""
    headers = read_headers(request.scope["headers"])
    form = parse_form(headers.content_type, await request.body())
    return headers, form, origin_of(request.scope.get("client"), headers.user_agent)


def _required_token(form: Mapping[str, str]) -> str:
    token = form.get("token")
    if token is None:
        raise OAuthRequestError("invalid_request", "token is required.")
    return token


def _documented(schema: type[msgspec.Struct] | None, description: str) -> ResponseSpec:
    """A success response spec (the handlers return raw bytes, so it is declared here)."""
    return ResponseSpec(data_container=schema, description=description, generate_examples=False)
