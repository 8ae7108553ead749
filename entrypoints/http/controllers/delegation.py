"""A2A delegation: ``/api/v1/oauth2/token/delegate`` and ``/verify-delegation``
(delegation.yaml of the seed; feature ``A2A_ENABLED``).

Every route needs a bearer token and no particular scope: an agent delegates (a subset of)
the scopes its own token holds, any agent may verify, and only the delegator or an
administrator revokes (the use cases decide). Delegated *access tokens* come from the token
endpoint (RFC 8693 exchange, docs/delegation.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, delete, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter
from msgspec import Meta, Struct

from agentidp.application.commands import (
    CreateDelegation,
    Origin,
    RevokeDelegation,
    VerifyDelegation,
)
from agentidp.application.errors import InvalidRequest
from agentidp.application.principal import Principal
from agentidp.application.use_cases.delegation import (
    CreateDelegationUseCase,
    DelegationVerification,
    RevokeDelegationUseCase,
    VerifyDelegationUseCase,
    delegation_token,
)
from agentidp.domain.delegation import Delegation

from ..dependencies import require_json_body
from ..features import FEATURE
from ..openapi import AUTHENTICATED, BEARER_SECURITY, WITH_BODY, error_responses

Uuid = Annotated[str, Meta(max_length=64, examples=["b2c3d4e5-f6a7-4901-bcde-f12345678901"])]
ScopeName = Annotated[str, Meta(max_length=64, examples=["agents:read"])]
#: Out-of-range values get the spec's message from the domain; this bound only keeps the
#: number a plain integer.
TtlSeconds = Annotated[int, Meta(ge=-(2**31), le=2**31, examples=[3600])]
ChainIdPath = Annotated[
    str, PathParameter(description="The delegation chain's id (UUID).", max_length=64)
]


class _Camel(Struct, rename="camel", kw_only=True):
    """Base of the camelCase delegation schemas."""


class CreateDelegationIn(_Camel, forbid_unknown_fields=True):
    """Delegate ``scopes`` (a subset of the caller's token scopes, or of the parent link's)
    to ``delegateeAgentId`` for ``ttlSeconds`` (60 to 86400). ``parentChainId`` extends a
    link the caller holds (A → B → C); a caller using a delegated token extends its link."""

    delegatee_agent_id: Uuid
    scopes: Annotated[list[ScopeName], Meta(max_length=32)]
    ttl_seconds: TtlSeconds
    parent_chain_id: Uuid | None = None


class VerifyDelegationIn(_Camel):
    """The delegation token to check."""

    delegation_token: Annotated[str, Meta(max_length=256)] = ""


class DelegationChainOut(_Camel):
    """One delegation link (``DelegationChain`` of the spec, plus its place in a chain)."""

    id: str
    tenant_id: str
    delegator_agent_id: str
    delegatee_agent_id: str
    scopes: list[str]
    delegation_token: str
    ttl_seconds: int
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    created_at: datetime
    parent_chain_id: str | None
    depth: int
    status: str

    @classmethod
    def from_domain(cls, link: Delegation) -> DelegationChainOut:
        """The wire form of ``link``."""
        return cls(
            id=link.id,
            tenant_id=link.organization_id,
            delegator_agent_id=link.delegator_id,
            delegatee_agent_id=link.delegatee_id,
            scopes=sorted(link.scopes),
            delegation_token=delegation_token(link),
            ttl_seconds=link.ttl_seconds,
            issued_at=link.created_at,
            expires_at=link.expires_at,
            revoked_at=link.revoked_at,
            created_at=link.created_at,
            parent_chain_id=link.parent_id,
            depth=link.depth,
            status=link.status.value,
        )


class DelegationVerificationOut(_Camel):
    """``DelegationVerificationResult``; the chain's fields are ``null`` for an unknown
    token."""

    valid: bool
    chain_id: str
    delegator_agent_id: str | None
    delegatee_agent_id: str | None
    scopes: list[str]
    issued_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_result(cls, result: DelegationVerification) -> DelegationVerificationOut:
        """The wire form of a verification."""
        link = result.link
        return cls(
            valid=result.valid,
            chain_id=result.chain_id,
            delegator_agent_id=None if link is None else link.delegator_id,
            delegatee_agent_id=None if link is None else link.delegatee_id,
            scopes=[] if link is None else sorted(link.scopes),
            issued_at=None if link is None else link.created_at,
            expires_at=None if link is None else link.expires_at,
            revoked_at=result.revoked_at,
        )


class DelegationController(Controller):
    """Create, verify and revoke agent-to-agent delegation chains."""

    path = "/api/v1/oauth2/token"
    tags = ["delegation"]
    security = BEARER_SECURITY
    opt = {FEATURE: "a2a"}
    before_request = staticmethod(require_json_body)

    @post(
        "/delegate",
        status_code=201,
        summary="Delegate a subset of the caller's scopes to another agent",
        responses=error_responses(*AUTHENTICATED, *WITH_BODY, 404),
    )
    async def create_delegation(
        self,
        data: JSONBody[CreateDelegationIn],
        principal: NamedDependency[Principal],
        origin: NamedDependency[Origin],
        create_delegation: NamedDependency[CreateDelegationUseCase],
    ) -> DelegationChainOut:
        """400 ``SCOPE_EXCEEDS_DELEGATOR`` (details requested/available), ``VALIDATION_ERROR``
        (ttlSeconds, scopes, self-delegation), ``CROSS_TENANT_DELEGATION``,
        ``DELEGATION_DEPTH_EXCEEDED``, ``DELEGATION_INACTIVE``; 404 ``AGENT_NOT_FOUND``
        (delegatee) or ``DELEGATION_NOT_FOUND`` (parent)."""
        link = await create_delegation(
            CreateDelegation(
                principal=principal,
                delegatee_id=data.delegatee_agent_id,
                scopes=data.scopes,
                ttl_seconds=data.ttl_seconds,
                parent_id=data.parent_chain_id,
                origin=origin,
            )
        )
        return DelegationChainOut.from_domain(link)

    @post(
        "/verify-delegation",
        status_code=200,
        summary="Verify a delegation token (always 200 for a well-formed token)",
        responses=error_responses(*AUTHENTICATED, *WITH_BODY),
    )
    async def verify_delegation(
        self,
        data: JSONBody[VerifyDelegationIn],
        principal: NamedDependency[Principal],
        origin: NamedDependency[Origin],
        verify_delegation: NamedDependency[VerifyDelegationUseCase],
    ) -> DelegationVerificationOut:
        """``valid: false`` for an expired, revoked (itself or an ancestor), unknown or
        foreign chain. 400 ``VALIDATION_ERROR`` for a missing or malformed token."""
        if not data.delegation_token:
            raise InvalidRequest("The 'delegationToken' field is required.")
        result = await verify_delegation(
            VerifyDelegation(
                principal=principal, delegation_token=data.delegation_token, origin=origin
            )
        )
        return DelegationVerificationOut.from_result(result)

    @delete(
        "/delegate/{chain_id:str}",
        status_code=204,
        summary="Revoke a delegation chain (idempotent; ends every extension at once)",
        responses=error_responses(*AUTHENTICATED, 404),
    )
    async def revoke_delegation(
        self,
        chain_id: ChainIdPath,
        principal: NamedDependency[Principal],
        origin: NamedDependency[Origin],
        revoke_delegation: NamedDependency[RevokeDelegationUseCase],
    ) -> None:
        """Only the delegator or an administrator (``admin:orgs``); 404
        ``DELEGATION_NOT_FOUND``."""
        await revoke_delegation(
            RevokeDelegation(principal=principal, delegation_id=chain_id, origin=origin)
        )
