"""Reading OAuth 2.0 requests by hand: form bodies, client authentication, bearer tokens.

The token, introspection and revocation endpoints share this module so that each gives the
same answer for the same malformed request. It works on the raw ASGI scope and body (no
framework form parsing): the token endpoint is the hot path and allocates little here.

RFC rules enforced:

| rule | source | refusal |
| --- | --- | --- |
| body is ``application/x-www-form-urlencoded`` | RFC 6749 §3.2, §4.4.2 | 415 ``invalid_request`` |
| no parameter more than once | RFC 6749 §3.2 | 400 ``invalid_request`` |
| empty parameters count as omitted | RFC 6749 §3.2 | — |
| Basic credentials are form-urlencoded before base64 | RFC 6749 §2.3.1 | — |
| at most one client authentication method | RFC 6749 §2.3 | 400 ``invalid_request`` |
| token exchange: ``subject_token`` and its type present | RFC 8693 §2.1 | 400 ``invalid_request`` |
"""

from __future__ import annotations

import binascii
from base64 import b64decode
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote_plus

from agentidp.application.commands import Origin
from agentidp.application.token_exchange import GRANT_TYPE as TOKEN_EXCHANGE
from agentidp.application.token_exchange import TokenExchangeRequest

FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
CLIENT_CREDENTIALS = "client_credentials"
#: At most this many parameters; more is not a client credentials request but an attack.
MAX_FORM_FIELDS = 16
MAX_USER_AGENT = 512
REALM = 'realm="agentidp"'


class OAuthRequestError(Exception):
    """A request an OAuth endpoint refuses in RFC 6749 §5.2 form (``error``, description)."""

    def __init__(
        self,
        error: str,
        description: str,
        status: int = 400,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
        self.headers = headers


@dataclass(frozen=True, slots=True)
class RequestHeaders:
    """The few request headers the OAuth endpoints read, taken from the raw ASGI scope."""

    content_type: str | None = None
    authorization: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """A client id and secret and how they were presented."""

    client_id: str
    client_secret: str
    method: str  # "client_secret_basic" or "client_secret_post"


def read_headers(raw_headers: Iterable[tuple[bytes, bytes]]) -> RequestHeaders:
    """Pick Content-Type, Authorization and User-Agent out of ASGI headers in one pass.

    ASGI header names are lower-case bytes; values are decoded as latin-1 (RFC 9110 §5.5).
    """
    content_type = authorization = user_agent = None
    for name, value in raw_headers:
        if name == b"content-type":
            content_type = value.decode("latin-1")
        elif name == b"authorization":
            authorization = value.decode("latin-1")
        elif name == b"user-agent":
            user_agent = value[:MAX_USER_AGENT].decode("latin-1")
    return RequestHeaders(content_type, authorization, user_agent)


def origin_of(client: tuple[str, int] | list[object] | None, user_agent: str | None) -> Origin:
    """The audit origin of a request from the ASGI ``client`` pair and the User-Agent."""
    return Origin(ip_address=str(client[0]) if client else None, user_agent=user_agent)


def parse_form(content_type: str | None, body: bytes) -> dict[str, str]:
    """Decode a form-urlencoded body into single-valued parameters.

    Raises:
        OAuthRequestError: wrong media type (415), undecodable body, too many parameters or a
            repeated parameter (400 ``invalid_request``).
    """
    media_type = content_type.partition(";")[0].strip().lower() if content_type else ""
    if media_type != FORM_MEDIA_TYPE:
        raise OAuthRequestError(
            "invalid_request", f"The request body must be {FORM_MEDIA_TYPE}.", status=415
        )
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=False,  # RFC 6749 §3.2: a parameter without a value is omitted
            strict_parsing=False,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FORM_FIELDS,
        )
    except ValueError:  # UnicodeDecodeError is a ValueError, so is too many fields
        raise OAuthRequestError("invalid_request", "The request body is malformed.") from None
    form = dict(pairs)
    if len(form) != len(pairs):
        # RFC 6749 §3.2: "Request and response parameters MUST NOT be included more than once."
        raise OAuthRequestError("invalid_request", "A parameter is repeated.")
    return form


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """Client id and secret from ``Authorization: Basic``, or ``None`` for another scheme.

    RFC 6749 §2.3.1: both halves are form-urlencoded before base64, so they are decoded here.

    Raises:
        OAuthRequestError: the Basic credentials cannot be decoded (401 ``invalid_client``).
    """
    if not authorization:
        return None
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise invalid_client() from None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise invalid_client()
    return unquote_plus(client_id), unquote_plus(secret)


def client_credentials(
    authorization: str | None, form: Mapping[str, str]
) -> ClientCredentials | None:
    """The client's credentials from HTTP Basic or the body, or ``None`` if it sent none.

    Raises:
        OAuthRequestError: both methods were used, or the body's ``client_id`` contradicts the
            Basic one (400 ``invalid_request``); undecodable Basic credentials (401).
    """
    basic = basic_credentials(authorization)
    if basic is not None:
        body_id = form.get("client_id")
        # RFC 6749 §2.3: "The client MUST NOT use more than one authentication method".
        if "client_secret" in form or (body_id is not None and body_id != basic[0]):
            raise OAuthRequestError(
                "invalid_request", "Use exactly one client authentication method."
            )
        return ClientCredentials(basic[0], basic[1], "client_secret_basic")
    client_id = form.get("client_id")
    secret = form.get("client_secret")
    if client_id is None or secret is None:
        return None
    return ClientCredentials(client_id, secret, "client_secret_post")


def client_credentials_grant(
    authorization: str | None, form: Mapping[str, str]
) -> ClientCredentials:
    """Validate an RFC 6749 §4.4.2 request and return the client's credentials.

    Checked in the seed's order: ``grant_type`` first, then client authentication.

    Raises:
        OAuthRequestError: ``grant_type`` missing (``invalid_request``) or not
            ``client_credentials`` (``unsupported_grant_type``); no or contradictory client
            authentication (``invalid_client`` / ``invalid_request``).
    """
    grant_type = form.get("grant_type")
    if grant_type is None:
        raise OAuthRequestError("invalid_request", "grant_type is required.")
    if grant_type != CLIENT_CREDENTIALS:
        raise OAuthRequestError(
            "unsupported_grant_type", f"Supported grants: {CLIENT_CREDENTIALS}, {TOKEN_EXCHANGE}."
        )
    credentials = client_credentials(authorization, form)
    if credentials is None:
        raise invalid_client()
    return credentials


def token_exchange_request(form: Mapping[str, str], origin: Origin) -> TokenExchangeRequest:
    """Validate an RFC 8693 §2.1 request (``grant_type`` already checked).

    The client is not authenticated here: the subject token is the credential (a GitHub
    OIDC token), or the handler authenticates what it needs (delegation).

    Raises:
        OAuthRequestError: ``subject_token`` or ``subject_token_type`` missing
            (``invalid_request``).
    """
    subject_token = form.get("subject_token")
    subject_token_type = form.get("subject_token_type")
    if subject_token is None or subject_token_type is None:
        raise OAuthRequestError(
            "invalid_request", "subject_token and subject_token_type are required."
        )
    audience, resource = form.get("audience"), form.get("resource")
    return TokenExchangeRequest(
        subject_token=subject_token,
        subject_token_type=subject_token_type,
        actor_token=form.get("actor_token"),
        actor_token_type=form.get("actor_token_type"),
        scope=form.get("scope"),
        audiences=() if audience is None else (audience,),
        resources=() if resource is None else (resource,),
        requested_token_type=form.get("requested_token_type"),
        agent_id=form.get("agent_id"),
        origin=origin,
    )


def bearer_token(authorization: str | None) -> str | None:
    """The token of ``Authorization: Bearer <token>`` (RFC 6750 §2.1), or ``None``."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    token = token.strip()
    return token or None


def invalid_client() -> OAuthRequestError:
    """RFC 6749 §5.2 ``invalid_client``: 401 with a Basic challenge. One message for every
    cause, so a caller cannot tell an unknown client from a wrong secret."""
    return OAuthRequestError(
        "invalid_client",
        "Client authentication failed.",
        status=401,
        headers={"WWW-Authenticate": f"Basic {REALM}"},
    )
