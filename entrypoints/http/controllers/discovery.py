"""Discovery: RFC 8414 / OIDC metadata, the JWKS, and ``/agent-info`` (UserInfo analogue).

Every URL in the metadata is derived from the configured public URL (``AGENTIDP_PUBLIC_URL``),
never from the request's Host header, which a client controls.
"""

from __future__ import annotations

from typing import Final

import msgspec
from litestar import Response, get
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import ResponseSpec

from agentidp.application.principal import Principal
from agentidp.application.token_exchange import GRANT_TYPE as TOKEN_EXCHANGE_GRANT
from agentidp.domain.scopes import KNOWN_SCOPES, format_scope

from ...container import Container
from ...settings import Settings
from ..openapi import BEARER_SECURITY, error_responses
from ..schemas import AgentInfoOut, DiscoveryOut, JwksOut

#: Keys and metadata change rarely; clients may cache them for an hour.
PUBLIC_CACHE: Final = {"Cache-Control": "public, max-age=3600"}
CLAIMS_SUPPORTED: Final = [
    "iss",
    "sub",
    "aud",
    "client_id",
    "scope",
    "organization_id",
    "jti",
    "iat",
    "exp",
    "agent_type",
    "deployment_env",
]
CLIENT_AUTH_METHODS: Final = ["client_secret_basic", "client_secret_post"]


def discovery_document(settings: Settings) -> DiscoveryOut:
    """The authorization server metadata for ``settings`` (RFC 8414 §2)."""
    issuer = settings.issuer
    return DiscoveryOut(
        issuer=issuer,
        token_endpoint=f"{issuer}/api/v1/token",
        jwks_uri=f"{issuer}/.well-known/jwks.json",
        introspection_endpoint=f"{issuer}/api/v1/token/introspect",
        revocation_endpoint=f"{issuer}/api/v1/token/revoke",
        userinfo_endpoint=f"{issuer}/agent-info",
        # RFC 8693 token exchange: GitHub Actions OIDC tokens (and delegation) as subjects.
        grant_types_supported=["client_credentials", TOKEN_EXCHANGE_GRANT],
        token_endpoint_auth_methods_supported=list(CLIENT_AUTH_METHODS),
        introspection_endpoint_auth_methods_supported=list(CLIENT_AUTH_METHODS),
        revocation_endpoint_auth_methods_supported=list(CLIENT_AUTH_METHODS),
        response_types_supported=["token"],
        subject_types_supported=["public"],
        id_token_signing_alg_values_supported=[settings.signing_algorithm],
        scopes_supported=list(KNOWN_SCOPES),
        claims_supported=list(CLAIMS_SUPPORTED),
    )


def discovery_handlers(container: Container) -> list[HTTPRouteHandler]:
    """Metadata, JWKS and agent-info handlers bound to ``container``."""
    metadata = msgspec.json.encode(discovery_document(container.settings()))
    metadata_spec = {
        200: ResponseSpec(DiscoveryOut, description="Server metadata.", generate_examples=False),
        **error_responses(500),
    }

    @get(
        ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"],
        tags=["discovery"],
        summary="Authorization server metadata (RFC 8414, OIDC Discovery)",
        responses=metadata_spec,
    )
    async def server_metadata() -> Response[bytes]:
        """Where the endpoints are and what they support."""
        return Response(metadata, media_type="application/json", headers=PUBLIC_CACHE)

    @get(
        "/.well-known/jwks.json",
        tags=["discovery"],
        summary="Public signing keys (RFC 7517)",
        responses={
            200: ResponseSpec(JwksOut, description="JWK Set.", generate_examples=False),
            **error_responses(500),
        },
    )
    async def jwks() -> Response[bytes]:
        """Every public key that may still verify our tokens."""
        signer = container.signer()
        body = msgspec.json.encode(signer.jwks())
        return Response(body, media_type="application/json", headers=PUBLIC_CACHE)

    @get(
        "/agent-info",
        tags=["discovery"],
        summary="The calling agent (OIDC UserInfo analogue)",
        security=BEARER_SECURITY,
        responses=error_responses(401, 403, 404, 500, 503),
    )
    async def agent_info(principal: NamedDependency[Principal]) -> AgentInfoOut:
        """Claims about the agent holding the bearer token."""
        return await describe_agent(container, principal)

    return [server_metadata, jwks, agent_info]


async def describe_agent(container: Container, principal: Principal) -> AgentInfoOut:
    """The caller's registry record as UserInfo-style claims.

    Raises:
        AgentNotFound: the agent no longer exists (or is in another organization).
    """
    describe_caller = container.describe_caller()
    agent = await describe_caller(principal)
    return AgentInfoOut(
        sub=agent.id,
        agent_type=agent.agent_type.value,
        deployment_env=agent.deployment_env.value,
        organization_id=agent.organization_id,
        scope=format_scope(principal.scopes),
    )
