"""Litestar dependency injection: each use-case provider of the container as a ``Provide``,
the authenticated caller (:class:`Principal`) and the request's audit origin.

This is the one place that maps container providers to handler parameters (STYLE §8): a
handler asks for ``register_agent: RegisterAgentUseCase`` and gets a fresh use case.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.exceptions import HTTPException

from agentidp.application.commands import Origin
from agentidp.application.errors import Unauthenticated
from agentidp.application.ports import tenant_context
from agentidp.application.ports.tenant_context import ALL_TENANTS
from agentidp.application.principal import Principal
from agentidp.application.use_cases.authorization import AuthorizeAccessUseCase
from agentidp.application.use_cases.tokens import AuthenticateBearerUseCase

from ..container import Container
from .authorization import authorize
from .oauth_requests import MAX_USER_AGENT, bearer_token

#: Container providers exposed to handlers under the same name.
USE_CASES = (
    "register_agent",
    "get_agent",
    "list_agents",
    "update_agent",
    "suspend_agent",
    "reactivate_agent",
    "decommission_agent",
    "generate_credential",
    "list_credentials",
    "rotate_credential",
    "revoke_credential",
    "authenticate_bearer",
    "authorize_access",
    "query_audit",
    "get_audit_event",
    "verify_audit_chain",
    "get_tier_status",
    "create_organization",
    "list_organizations",
    "get_organization",
    "update_organization",
    "delete_organization",
    "create_organization_admin",
    "add_member",
    "list_members",
    "remove_member",
    "register_federation_partner",
    "list_federation_partners",
    "get_federation_partner",
    "update_federation_partner",
    "delete_federation_partner",
    "verify_federated_token",
    "create_delegation",
    "verify_delegation",
    "revoke_delegation",
    "exchange_delegated_token",
    "exchange_oidc_token",
    "create_trust_policy",
    "list_trust_policies",
    "get_trust_policy",
    "delete_trust_policy",
)


def build_dependencies(container: Container) -> dict[str, Provide]:
    """Every dependency a handler may ask for, bound to ``container``."""
    dependencies = {
        name: Provide(_factory(getattr(container, name)), sync_to_thread=False)
        for name in USE_CASES
    }
    dependencies["principal"] = Provide(provide_principal)
    dependencies["origin"] = Provide(provide_origin, sync_to_thread=False)
    return dependencies


def _factory(provider: Callable[[], Any]) -> Callable[[], Any]:
    """A plain function Litestar can inspect, calling a dependency-injector provider."""

    def provide() -> Any:
        return provider()

    return provide


async def provide_principal(
    request: Request[Any, Any, Any],
    authenticate_bearer: NamedDependency[AuthenticateBearerUseCase],
    authorize_access: NamedDependency[AuthorizeAccessUseCase],
    origin: NamedDependency[Origin],
) -> Principal:
    """The caller behind ``Authorization: Bearer <access token>`` (RFC 6750 §2.1).

    Raises:
        Unauthenticated: no bearer token, or the token is invalid, expired or revoked (401).
        TenantMismatch: the token carries no organization (403).
        InsufficientScope, PolicyDenied: the policies refuse this route to the caller (403).
        PolicyUnavailable: the policies cannot be evaluated (503, fail closed).
    """
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise Unauthenticated()
    principal = await authenticate_bearer(token)
    # SECURITY: from here on the request's units of work act for the caller's organization
    # only (row-level security in PostgreSQL, docs/adr/0011); platform administrators act
    # across tenants by definition.
    tenant_context.act_as(
        ALL_TENANTS if principal.is_platform_admin else principal.organization_id
    )
    # SECURITY: no handler receives a principal the policies have not allowed for this
    # route (authorization.py); refusals are audited, an unusable PDP fails closed.
    await authorize(request, principal, authorize_access, origin)
    return principal


def provide_origin(request: Request[Any, Any, Any]) -> Origin:
    """Where the request came from, for the audit trail."""
    user_agent = request.headers.get("user-agent")
    return Origin(
        ip_address=request.client.host if request.client else None,
        user_agent=user_agent[:MAX_USER_AGENT] if user_agent else None,
    )


async def require_json_body(request: Request[Any, Any, Any]) -> None:
    """``before_request`` guard: a request that carries a body must say it is JSON.

    Raises:
        HTTPException: 415 when a body comes with another (or no) media type.
    """
    headers = request.headers
    has_body = headers.get("content-length", "0") not in ("0", "") or "transfer-encoding" in headers
    if not has_body:
        return
    media_type = headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json" and not (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        raise HTTPException(status_code=415)
