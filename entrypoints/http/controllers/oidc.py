"""GitHub Actions OIDC: ``POST /api/v1/oidc/token`` and ``/api/v1/oidc/trust-policies``.

The exchange is unauthenticated (the GitHub token is the credential; the per-IP rate limit
applies). The trust-policy routes need ``admin:orgs`` (create and delete also the ``admin``
role: policies/data.json) and act on the caller's organization only.
"""

from __future__ import annotations

from typing import Annotated, Final

from litestar import Controller, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter

from agentidp.application.commands import (
    CreateTrustPolicy,
    DeleteTrustPolicy,
    ExchangeOidcToken,
    GetTrustPolicy,
    ListTrustPolicies,
    Origin,
)
from agentidp.application.principal import Principal
from agentidp.application.use_cases.oidc_exchange import ExchangeOidcTokenUseCase
from agentidp.application.use_cases.trust_policies import (
    CreateTrustPolicyUseCase,
    DeleteTrustPolicyUseCase,
    GetTrustPolicyUseCase,
    ListTrustPoliciesUseCase,
)

from ..dependencies import require_json_body
from ..oidc_schemas import OidcTokenIn, OidcTokenOut, TrustPolicyIn, TrustPolicyOut
from ..openapi import AUTHENTICATED, BEARER_SECURITY, WITH_BODY, error_responses

PolicyIdPath = Annotated[
    str, PathParameter(description="The trust policy's id (UUID).", max_length=64)
]
AgentFilter = Annotated[
    str | None,
    QueryParameter(name="agentId", description="Only policies bound to this agent.", max_length=64),
]
#: RFC 6749 §5.1: token responses must not be cached.
NO_STORE: Final = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_ITEM: Final = "/trust-policies/{policy_id:str}"


class OidcController(Controller):
    """The GitHub Actions OIDC exchange and its trust policies."""

    path = "/api/v1/oidc"
    tags = ["oidc"]
    security = BEARER_SECURITY
    before_request = staticmethod(require_json_body)

    @post(
        "/token",
        status_code=200,
        summary="Exchange a GitHub Actions OIDC token for an access token",
        security=[],
        responses=error_responses(400, 401, 403, 413, 415, 503),
    )
    async def exchange(
        self,
        data: JSONBody[OidcTokenIn],
        origin: NamedDependency[Origin],
        exchange_oidc_token: NamedDependency[ExchangeOidcTokenUseCase],
    ) -> Response[OidcTokenOut]:
        """401 ``OIDC_TOKEN_INVALID`` / ``OIDC_TOKEN_EXPIRED``; 403 ``TRUST_POLICY_NOT_FOUND``,
        ``TRUST_POLICY_BRANCH_MISMATCH``, ``AGENT_SUSPENDED``. Every attempt is audited."""
        issued = await exchange_oidc_token(
            ExchangeOidcToken(
                provider=data.provider,
                token=data.token,
                agent_id=data.agent_id,
                scope=data.scope,
                origin=origin,
            )
        )
        body = OidcTokenOut(
            access_token=issued.access_token,
            token_type=issued.token_type,
            expires_in=issued.expires_in,
            scope=issued.scope,
        )
        return Response(body, status_code=200, headers=NO_STORE)

    @post(
        "/trust-policies",
        status_code=201,
        summary="Create a trust policy",
        responses=error_responses(*AUTHENTICATED, *WITH_BODY, 404, 409),
    )
    async def create_trust_policy(
        self,
        data: JSONBody[TrustPolicyIn],
        principal: NamedDependency[Principal],
        origin: NamedDependency[Origin],
        create_trust_policy: NamedDependency[CreateTrustPolicyUseCase],
    ) -> TrustPolicyOut:
        """Needs ``admin:orgs``; the agent must be one of the caller's organization (404
        ``AGENT_NOT_FOUND``); 409 ``TRUST_POLICY_CONFLICT`` for identical conditions."""
        policy = await create_trust_policy(
            CreateTrustPolicy(
                principal=principal,
                provider=data.provider,
                repository=data.repository,
                repository_owner_id=str(data.repository_owner_id),
                repository_id=str(data.repository_id),
                agent_id=data.agent_id,
                branch=data.branch,
                environment=data.environment,
                workflow=data.workflow,
                origin=origin,
            )
        )
        return TrustPolicyOut.from_domain(policy)

    @get(
        "/trust-policies",
        summary="List the organization's trust policies",
        responses=error_responses(*AUTHENTICATED),
    )
    async def list_trust_policies(
        self,
        principal: NamedDependency[Principal],
        list_trust_policies: NamedDependency[ListTrustPoliciesUseCase],
        agent_id: AgentFilter = None,
    ) -> list[TrustPolicyOut]:
        """Needs ``admin:orgs``. Oldest first."""
        policies = await list_trust_policies(ListTrustPolicies(principal, agent_id))
        return [TrustPolicyOut.from_domain(policy) for policy in policies]

    @get(_ITEM, summary="Read a trust policy", responses=error_responses(*AUTHENTICATED, 404))
    async def get_trust_policy(
        self,
        policy_id: PolicyIdPath,
        principal: NamedDependency[Principal],
        get_trust_policy: NamedDependency[GetTrustPolicyUseCase],
    ) -> TrustPolicyOut:
        """Needs ``admin:orgs``. 404 ``TRUST_POLICY_NOT_FOUND``."""
        return TrustPolicyOut.from_domain(
            await get_trust_policy(GetTrustPolicy(principal, policy_id))
        )

    @delete(
        _ITEM,
        status_code=204,
        summary="Delete a trust policy",
        responses=error_responses(*AUTHENTICATED, 404),
    )
    async def delete_trust_policy(
        self,
        policy_id: PolicyIdPath,
        principal: NamedDependency[Principal],
        origin: NamedDependency[Origin],
        delete_trust_policy: NamedDependency[DeleteTrustPolicyUseCase],
    ) -> None:
        """Needs ``admin:orgs``. The repository's tokens are refused from then on."""
        await delete_trust_policy(DeleteTrustPolicy(principal, policy_id, origin))
