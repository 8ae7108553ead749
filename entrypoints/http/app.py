"""The Litestar application: ``create_app(container)`` and the ``app_from_env`` factory.

Run it with ``uvicorn --factory agentidp.entrypoints.http.app:app_from_env``. The container's
resources (the store) are opened in the app lifespan and closed on shutdown; nothing
connects at import time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

from litestar import Litestar, get
from litestar.exceptions import HTTPException
from litestar.response import Redirect

from agentidp.application.errors import ApplicationError
from agentidp.domain.errors import DomainError
from agentidp.entrypoints.container import start as start_container
from agentidp.entrypoints.container import stop as stop_container

from ..container import Container, build_container
from ..settings import Settings
from .controllers.agents import AgentController
from .controllers.audit import AuditController
from .controllers.credentials import CredentialController
from .controllers.delegation import DelegationController
from .controllers.discovery import discovery_handlers
from .controllers.federation import FederationController
from .controllers.health import health_handlers, package_version
from .controllers.oauth import oauth_handlers
from .controllers.oidc import OidcController
from .controllers.organizations import OrganizationController
from .controllers.tiers import TierController
from .dependencies import build_dependencies
from .features import feature_guard
from .openapi import openapi_config
from .problems import (
    handle_http_exception,
    handle_refusal,
    handle_too_deep,
    handle_unexpected,
)
from .rate_limits import rate_limit_middleware
from .runtime import tune_garbage_collector
from .tenant_scope import tenant_scope_middleware

#: Largest request body accepted anywhere (the OAuth endpoints allow less): 413 beyond.
MAX_BODY_BYTES: Final = 64 * 1024


def create_app(container: Container) -> Litestar:
    """The HTTP API over ``container``; its lifespan opens and closes the container's resources."""
    settings: Settings = container.settings()

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await start_container(container)
        tune_garbage_collector()
        try:
            yield
        finally:
            await stop_container(container)

    return Litestar(
        route_handlers=[
            AgentController,
            OrganizationController,
            CredentialController,
            AuditController,
            TierController,
            DelegationController,
            OidcController,
            FederationController,
            *oauth_handlers(container),
            *discovery_handlers(container),
            *health_handlers(container),
            *([api_docs] if settings.docs_enabled else []),
        ],
        dependencies=build_dependencies(container),
        exception_handlers={
            ApplicationError: handle_refusal,
            DomainError: handle_refusal,
            HTTPException: handle_http_exception,
            RecursionError: handle_too_deep,
            Exception: handle_unexpected,
        },
        openapi_config=openapi_config(package_version()) if settings.docs_enabled else None,
        request_max_body_size=MAX_BODY_BYTES,
        middleware=[
            tenant_scope_middleware,  # before anything touches the store
            rate_limit_middleware(container),  # per-IP limit, X-RateLimit-* headers
        ],
        # Routes of disabled features are 404 (http/features.py).
        guards=[feature_guard(settings.features)],
        lifespan=[lifespan],
        debug=False,
    )


def app_from_env() -> Litestar:
    """Factory for uvicorn: settings from ``AGENTIDP_*`` variables, then :func:`create_app`."""
    return create_app(build_container(Settings.from_env()))


@get("/api-docs", include_in_schema=False)
async def api_docs() -> Redirect:
    """The interactive API documentation (Swagger UI)."""
    return Redirect(path="/schema/swagger")
