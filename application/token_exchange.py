"""RFC 8693 token exchange: one grant, several kinds of exchange, chosen from a table.

``grant_type=urn:ietf:params:oauth:grant-type:token-exchange`` carries a ``subject_token``
(and optionally an ``actor_token``). What it means depends on the token types:

- ``subject_token_type`` ``…:token-type:jwt`` without ``actor_token``: a GitHub Actions OIDC
  token, exchanged for the trusted agent's token (docs/oidc-github.md);
- any other combination: registered by its feature in ``entrypoints/container.py``
  (delegation: an actor token present, or one of our access tokens as the subject).

A new kind of exchange registers a handler under its :data:`ExchangeKey`; nothing here
changes. The dispatcher enforces what is common to all: ``requested_token_type`` (only access
tokens are issued) and ``audience`` / ``resource`` (only our own audience: RFC 8693
``invalid_target`` otherwise).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final, Protocol

from agentidp.domain.trust_policy import GITHUB

from .commands import LOCAL, ExchangeOidcToken, Origin
from .errors import InvalidTarget, UnsupportedTokenType
from .use_cases.oidc_exchange import ExchangeOidcTokenUseCase
from .use_cases.tokens import IssuedToken

GRANT_TYPE: Final = "urn:ietf:params:oauth:grant-type:token-exchange"
JWT: Final = "urn:ietf:params:oauth:token-type:jwt"
ACCESS_TOKEN: Final = "urn:ietf:params:oauth:token-type:access_token"

#: (subject_token_type, whether an actor_token is present) → handler.
ExchangeKey = tuple[str, bool]


@dataclass(frozen=True, slots=True)
class TokenExchangeRequest:
    """The parameters of an RFC 8693 §2.1 request, as received (tokens never logged).

    ``agent_id`` is our extension: which agent a workload token should act as, when several
    trust the same workload.
    """

    subject_token: str = field(repr=False)
    subject_token_type: str
    actor_token: str | None = field(default=None, repr=False)
    actor_token_type: str | None = None
    scope: str | None = None
    audiences: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    requested_token_type: str | None = None
    agent_id: str | None = None
    origin: Origin = LOCAL

    @property
    def key(self) -> ExchangeKey:
        """The handler table key of this request."""
        return (self.subject_token_type, self.actor_token is not None)


@dataclass(frozen=True, slots=True)
class ExchangedToken:
    """An RFC 8693 §2.2.1 response."""

    access_token: str = field(repr=False)
    expires_in: int
    scope: str
    issued_token_type: str = ACCESS_TOKEN
    token_type: str = "Bearer"


class ExchangeHandler(Protocol):
    """One kind of token exchange. Raises the application errors of its use case (mapped to
    RFC 6749 §5.2 errors by the entrypoint)."""

    async def __call__(self, request: TokenExchangeRequest) -> IssuedToken:
        """The access token the exchange issues."""
        ...


class TokenExchangeDispatcher:
    """Chooses the handler of a token exchange request and shapes its answer.

    Args:
        handlers: factories of handlers by :data:`ExchangeKey` (a factory per call, so each
            request gets a fresh use case).
        audience: this deployment's token audience, the only ``audience``/``resource``
            accepted.
    """

    def __init__(
        self, handlers: Mapping[ExchangeKey, Callable[[], ExchangeHandler]], audience: str
    ) -> None:
        self._handlers = dict(handlers)
        self._audience = audience

    @property
    def keys(self) -> frozenset[ExchangeKey]:
        """The exchanges served."""
        return frozenset(self._handlers)

    async def __call__(self, request: TokenExchangeRequest) -> ExchangedToken:
        """Raises: UnsupportedTokenType (invalid_request), InvalidTarget (invalid_target),
        and whatever the handler raises."""
        if request.requested_token_type not in (None, ACCESS_TOKEN):
            raise UnsupportedTokenType(requested_token_type=request.requested_token_type)
        if request.actor_token is not None and request.actor_token_type is None:
            # RFC 8693 §2.1: actor_token_type is REQUIRED when actor_token is present.
            raise UnsupportedTokenType("actor_token_type is required with actor_token.")
        targets = set(request.audiences) | set(request.resources)
        if targets - {self._audience}:
            raise InvalidTarget()
        factory = self._handlers.get(request.key)
        if factory is None:
            raise UnsupportedTokenType(subject_token_type=request.subject_token_type)
        issued = await factory()(request)
        return ExchangedToken(
            access_token=issued.access_token, expires_in=issued.expires_in, scope=issued.scope
        )


class GitHubOidcExchange:
    """The handler for a GitHub Actions OIDC token as ``subject_token`` (type ``jwt``, no
    actor): the same exchange as ``POST /oidc/token``."""

    def __init__(self, exchange: ExchangeOidcTokenUseCase) -> None:
        self._exchange = exchange

    async def __call__(self, request: TokenExchangeRequest) -> IssuedToken:
        return await self._exchange(
            ExchangeOidcToken(
                provider=GITHUB,
                token=request.subject_token,
                agent_id=request.agent_id,
                scope=request.scope,
                origin=request.origin,
            )
        )
