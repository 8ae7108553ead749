"""Agent credentials: ``/api/v1/agents/{agentId}/credentials``.

A client secret appears in exactly two responses: the one that generated it and the one that
rotated it. Listings carry metadata only; neither the secret nor its hash is ever returned.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody, PathParameter

from agentidp.application.commands import (
    ChangeCredential,
    GenerateCredential,
    ListCredentials,
    Origin,
)
from agentidp.application.principal import Principal
from agentidp.application.use_cases.credentials import (
    GenerateCredentialUseCase,
    ListCredentialsUseCase,
    RevokeCredentialUseCase,
    RotateCredentialUseCase,
)
from agentidp.domain.credential import CredentialStatus

from ..dependencies import require_json_body
from ..openapi import (
    AUTHENTICATED,
    BEARER_SECURITY,
    WITH_BODY,
    OptionalBodyOperation,
    error_responses,
)
from ..schemas import CredentialIn, CredentialOut, CredentialSecretOut
from .agents import AgentIdPath

CredentialIdPath = Annotated[
    str, PathParameter(description="The credential's id (UUID).", max_length=64)
]
_ITEM = "/{credential_id:str}"


class CredentialController(Controller):
    """Generate, list, rotate and revoke an agent's client secrets."""

    path = "/api/v1/agents/{agent_id:str}/credentials"
    tags = ["credentials"]
    security = BEARER_SECURITY
    before_request = staticmethod(require_json_body)

    @post(
        "/",
        status_code=201,
        summary="Generate a client secret (shown once)",
        operation_class=OptionalBodyOperation,
        responses=error_responses(*AUTHENTICATED, *WITH_BODY, 404),
    )
    async def generate_credential(
        self,
        agent_id: AgentIdPath,
        principal: NamedDependency[Principal],
        origin: NamedDependency[Origin],
        generate_credential: NamedDependency[GenerateCredentialUseCase],
        data: JSONBody[CredentialIn | None] = None,
    ) -> CredentialSecretOut:
        """Needs ``agents:write``; the agent itself or an ``admin:orgs`` caller; the agent
        must be active."""
        issued = await generate_credential(
            GenerateCredential(principal, agent_id, data.expires_at if data else None, origin)
        )
        return CredentialSecretOut.from_issued(issued)

    @get(
        "/",
        summary="List an agent's credentials (never secrets)",
        responses=error_responses(*AUTHENTICATED, 404),
    )
    async def list_credentials(
        self,
        agent_id: AgentIdPath,
        principal: NamedDependency[Principal],
        list_credentials: NamedDependency[ListCredentialsUseCase],
        status: FromQuery[CredentialStatus | None] = None,
    ) -> list[CredentialOut]:
        """Needs ``agents:read``. Newest first."""
        credentials = await list_credentials(
            ListCredentials(principal, agent_id, status.value if status else None)
        )
        return [CredentialOut.from_domain(credential) for credential in credentials]

    @post(
        _ITEM + "/rotate",
        status_code=200,
        summary="Rotate a credential's secret (the old one stops working at once)",
        operation_class=OptionalBodyOperation,
        responses=error_responses(*AUTHENTICATED, *WITH_BODY, 404, 409),
    )
    async def rotate_credential(
        self,
        agent_id: AgentIdPath,
        credential_id: CredentialIdPath,
        principal: NamedDependency[Principal],
        origin: NamedDependency[Origin],
        rotate_credential: NamedDependency[RotateCredentialUseCase],
        data: JSONBody[CredentialIn | None] = None,
    ) -> CredentialSecretOut:
        """Needs ``agents:write``; the agent itself or an ``admin:orgs`` caller."""
        expires_at = data.expires_at if data else None
        issued = await rotate_credential(
            ChangeCredential(principal, agent_id, credential_id, expires_at, origin)
        )
        return CredentialSecretOut.from_issued(issued)

    @delete(
        _ITEM,
        status_code=200,
        summary="Revoke a credential",
        responses=error_responses(*AUTHENTICATED, 404, 409),
    )
    async def revoke_credential(
        self,
        agent_id: AgentIdPath,
        credential_id: CredentialIdPath,
        principal: NamedDependency[Principal],
        origin: NamedDependency[Origin],
        revoke_credential: NamedDependency[RevokeCredentialUseCase],
    ) -> CredentialOut:
        """Needs ``agents:write``; the agent itself or an ``admin:orgs`` caller."""
        return await _revoke(revoke_credential, principal, agent_id, credential_id, origin)

    @post(
        _ITEM + "/revoke",
        status_code=200,
        summary="Revoke a credential (POST alias of DELETE)",
        responses=error_responses(*AUTHENTICATED, 404, 409),
    )
    async def revoke_credential_post(
        self,
        agent_id: AgentIdPath,
        credential_id: CredentialIdPath,
        principal: NamedDependency[Principal],
        origin: NamedDependency[Origin],
        revoke_credential: NamedDependency[RevokeCredentialUseCase],
    ) -> CredentialOut:
        """Same as ``DELETE``, for clients that cannot send DELETE."""
        return await _revoke(revoke_credential, principal, agent_id, credential_id, origin)


async def _revoke(
    use_case: NamedDependency[RevokeCredentialUseCase],
    principal: NamedDependency[Principal],
    agent_id: str,
    credential_id: str,
    origin: NamedDependency[Origin],
) -> CredentialOut:
    credential = await use_case(ChangeCredential(principal, agent_id, credential_id, None, origin))
    return CredentialOut.from_domain(credential)
