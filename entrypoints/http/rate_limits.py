"""Rate limits on the wire: the per-IP sliding window, and ``X-RateLimit-*`` headers for
every limit a request met (docs/limits.md).

Two limits apply to a request:

| limit      | key                            | per minute            | counted                   |
| ---------- | ------------------------------ | --------------------- | ------------------------- |
| per IP     | the ASGI client address        | ``AGENTIDP_RATE_``... | here, before the handler  |
|            |                                | ``LIMIT_PER_IP_PER_`` |                           |
|            |                                | ``MINUTE`` (0: off)   |                           |
| per client | the authenticated agent (OAuth | the tier's requests   | in the use case, right    |
|            | ``client_id``, token ``sub``)  | per minute            | after authentication      |

The per-client limit is counted only once the client has proved who it is, so nobody can
spend another client's budget by sending its id; unauthenticated floods meet the per-IP
limit. Every response of a limited request carries ``X-RateLimit-Limit``,
``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` (Unix seconds) of the tightest limit it
met; a refused one is 429 ``RATE_LIMIT_EXCEEDED`` with ``Retry-After``, in the
``{code, message}`` envelope on every route, OAuth endpoints included (RFC 6749 defines no
error code for throttling; RFC 6585 §4 defines 429).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

import msgspec
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from agentidp.application.errors import RateLimitExceeded
from agentidp.application.ports.rate_limits import RateDecision, RateLimiter
from agentidp.application.usage_limits import RATE_WINDOW_SECONDS, collect_rate_decisions

from ..container import Container
from .schemas import ErrorOut

#: Probes of orchestrators and load balancers are never throttled.
EXEMPT_PREFIXES: Final = ("/health",)

_ENCODER = msgspec.json.Encoder()


def rate_limit_headers(decision: RateDecision) -> dict[str, str]:
    """The ``X-RateLimit-*`` headers of ``decision`` (plus ``Retry-After`` if refused)."""
    headers = {
        "X-RateLimit-Limit": str(decision.limit),
        "X-RateLimit-Remaining": str(decision.remaining),
        "X-RateLimit-Reset": str(decision.reset_at_epoch_s),
    }
    if not decision.allowed:
        headers["Retry-After"] = str(decision.retry_after_s)
    return headers


def rate_limited_body() -> bytes:
    """The 429 body: the spec's ``RATE_LIMIT_EXCEEDED`` envelope."""
    return _ENCODER.encode(
        ErrorOut(code=RateLimitExceeded.code, message=RateLimitExceeded.default_message, details={})
    )


def tightest(decisions: Sequence[RateDecision]) -> RateDecision:
    """The decision to show: a refusal if any, else the one with the fewest requests left."""
    return min(decisions, key=lambda d: (d.allowed, d.remaining))


def _encoded(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode(), value.encode()) for name, value in headers.items()]


def rate_limit_middleware(container: Container) -> Callable[[ASGIApp], ASGIApp]:
    """The ASGI middleware factory of ``container``'s limiter and per-IP setting."""
    settings = container.settings()
    per_ip = settings.rate_limit_per_ip_per_minute

    def factory(app: ASGIApp) -> ASGIApp:
        return _RateLimitMiddleware(app, container.rate_limiter(), per_ip)

    return factory


class _RateLimitMiddleware:
    """Counts the per-IP limit, collects every decision of the request, and writes the
    headers of the tightest one into the response (error responses included)."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter, per_ip: int) -> None:
        self._app = app
        self._limiter = limiter
        self._per_ip = per_ip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self._app(scope, receive, send)
            return
        decisions = collect_rate_decisions()
        if self._per_ip and not scope["path"].startswith(EXEMPT_PREFIXES):
            client = scope.get("client")
            address = str(client[0]) if client else "unknown"
            decision = await self._limiter.hit(f"ip:{address}", self._per_ip, RATE_WINDOW_SECONDS)
            decisions.append(decision)
            if not decision.allowed:
                await _refuse(send, decision)
                return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and decisions:
                extra = _encoded(rate_limit_headers(tightest(decisions)))
                replaced = {name for name, _ in extra}
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() not in replaced
                ]
                message = {**message, "headers": [*headers, *extra]}
            await send(message)

        await self._app(scope, receive, send_with_headers)


async def _refuse(send: Send, decision: RateDecision) -> None:
    body = rate_limited_body()
    headers = _encoded(rate_limit_headers(decision))
    headers += [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
