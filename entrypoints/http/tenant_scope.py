"""The per-request tenant scope (see :mod:`agentidp.application.ports.tenant_context`).

Every HTTP request runs inside its own scope, which starts out acting for every tenant: until
the caller is known, the work is the system's (the token endpoint looks a client up by id
across organizations; bearer authentication reads the token's agent and its revocation).
:func:`~.dependencies.provide_principal` narrows the scope to the caller's organization as
soon as the bearer token is authenticated, before any handler runs, so every unit of work of
an authenticated route acts for that organization alone. The scope ends with the request.
"""

from __future__ import annotations

from litestar.types import ASGIApp, Receive, Scope, Send

from agentidp.application.ports import tenant_context
from agentidp.application.ports.tenant_context import ALL_TENANTS


def tenant_scope_middleware(app: ASGIApp) -> ASGIApp:
    """ASGI middleware opening a fresh tenant scope around each request."""

    async def in_scope(scope: Scope, receive: Receive, send: Send) -> None:
        with tenant_context.scope(ALL_TENANTS):
            await app(scope, receive, send)

    return in_scope
