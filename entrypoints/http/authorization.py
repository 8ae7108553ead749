"""The one app-wide authorization hook: every route that authenticates its caller is also
authorised by the policy decision point.

The hook sits inside the ``principal`` dependency (``dependencies.provide_principal``):
a handler cannot receive a :class:`Principal` that the policies have not allowed, and a new
route gets the check by asking for ``principal``, with nothing else to remember. A route
missing from the policy's route table is denied at run time (and fails
tests/unit/policy/test_policy_route_coverage.py).

The OAuth endpoints (token, introspection, revocation) stay outside: they authenticate the
*client* (secret or bearer) inside the handler and answer RFC 6749 errors, and what they
must check (the token in the form body belongs to the caller, or its organization) is about
the token presented, which a route-level policy cannot see. Their use cases enforce
``tokens:read`` and self-or-admin themselves.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from typing import Any

from litestar import Litestar, Request
from litestar.di import Provide
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from agentidp.application.commands import Origin
from agentidp.application.ports.policy import AccessRequest
from agentidp.application.principal import Principal
from agentidp.application.use_cases.authorization import AuthorizeAccess, AuthorizeAccessUseCase

#: The dependency that authenticates the caller; routes using it are authorised.
PRINCIPAL = "principal"

_PARAMETER = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


def camel(name: str) -> str:
    """``agent_id`` → ``agentId``: the policies name path parameters as the API docs do."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def policy_route(template: str) -> str:
    """A Litestar path template as the policies name it: ``/a/{agent_id:str}`` →
    ``/a/{agentId}``."""
    return _PARAMETER.sub(lambda match: "{" + camel(match.group(1)) + "}", template)


def access_request(request: Request[Any, Any, Any], principal: Principal) -> AccessRequest:
    """The PDP question for ``request``: method, route template, path parameters, caller."""
    template = request.scope.get("path_template") or request.url.path
    return AccessRequest(
        method=request.method,
        route=policy_route(template),
        principal=principal,
        path={camel(name): str(value) for name, value in request.path_params.items()},
    )


async def authorize(
    request: Request[Any, Any, Any],
    principal: Principal,
    authorize_access: AuthorizeAccessUseCase,
    origin: Origin,
) -> None:
    """Refuse the request unless the policies allow it.

    Raises:
        InsufficientScope, PolicyDenied: refused (403; audited as ``access.denied``).
        PolicyUnavailable: the policies cannot be evaluated (503; fail closed).
    """
    await authorize_access(AuthorizeAccess(access_request(request, principal), origin))


def authenticated_routes(app: Litestar) -> Iterator[tuple[str, str]]:
    """``(method, policy route)`` of every handler of ``app`` that depends on the caller
    (directly or through another dependency): exactly the requests the PDP decides on."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue  # websockets and mounted ASGI apps take no bearer principal
        for handler in route.route_handlers:
            if _uses_principal(handler):
                for method in sorted(handler.http_methods):
                    yield method, policy_route(route.path_format)


def _uses_principal(handler: HTTPRouteHandler) -> bool:
    dependencies = handler.resolve_dependencies()
    pending = list(handler.parsed_fn_signature.parameters)
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name == PRINCIPAL:
            return True
        provider = dependencies.get(name)
        if name in seen or not isinstance(provider, Provide):
            continue
        seen.add(name)
        pending.extend(inspect.signature(provider.dependency).parameters)
    return False
