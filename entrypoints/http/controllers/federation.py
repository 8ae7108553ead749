"""Federation: ``/api/v1/federation`` (federation.yaml of the seed, docs/federation.md).

Partner management needs ``admin:orgs`` and ``admin:platform`` (partners are
deployment-wide, docs/adr/0013-federation-partners.md); ``POST /federation/verify`` needs any
authenticated caller with ``agents:read``. Verification answers 200 only for a valid token;
every refusal is a 422 with the spec's code (DECISIONS.md).
"""

from __future__ import annotations

from typing import Annotated, Final

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, PathParameter
from msgspec import UNSET

from agentidp.application.commands import (
    DeleteFederationPartner,
    GetFederationPartner,
    ListFederationPartners,
    Origin,
    RegisterFederationPartner,
    UpdateFederationPartner,
    VerifyFederatedToken,
)
from agentidp.application.errors import InvalidRequest
from agentidp.application.principal import Principal
from agentidp.application.use_cases.federation import (
    DeleteFederationPartnerUseCase,
    GetFederationPartnerUseCase,
    ListFederationPartnersUseCase,
    RegisterFederationPartnerUseCase,
    UpdateFederationPartnerUseCase,
    VerifyFederatedTokenUseCase,
)

from ..dependencies import require_json_body
from ..federation_schemas import (
    FederationPartnerIn,
    FederationPartnerOut,
    FederationPartnerUpdateIn,
    FederationVerifyIn,
    FederationVerifyOut,
)
from ..openapi import AUTHENTICATED, BEARER_SECURITY, WITH_BODY, error_responses
from ..schemas import ErrorOut

PartnerIdPath = Annotated[
    str, PathParameter(description="The federation partner's id (UUID).", max_length=64)
]
_ITEM: Final = "/partners/{partner_id:str}"
TOKEN_REQUIRED: Final = "The 'token' field is required."


def _unprocessable(description: str) -> dict[int, ResponseSpec]:
    return {422: ResponseSpec(data_container=ErrorOut, description=description)}


_REGISTRATION_422: Final = _unprocessable(
    "`JWKS_UNREACHABLE`: the `jwks_uri` could not be fetched or serves no keys."
)
_VERIFY_422: Final = _unprocessable(
    "The token is not accepted: `UNKNOWN_FEDERATION_ISSUER`, `FEDERATION_PARTNER_SUSPENDED`, "
    "`FEDERATION_PARTNER_EXPIRED`, `FEDERATION_ORG_NOT_ALLOWED`, `FEDERATION_TOKEN_EXPIRED`, "
    "`FEDERATION_TOKEN_INVALID` or `JWKS_UNREACHABLE` (the partner's keys cannot be fetched)."
)


class FederationController(Controller):
    """Register, list, read, update and delete trusted partner IdPs; verify their tokens."""

    path = "/api/v1/federation"
    tags = ["federation"]
    security = BEARER_SECURITY
    before_request = staticmethod(require_json_body)

    @post(
        "/trust",
        status_code=201,
        summary="Register a trusted federation partner (platform administrators)",
        responses={**error_responses(*AUTHENTICATED, *WITH_BODY, 409), **_REGISTRATION_422},
    )
    async def register_partner(
        self,
        data: JSONBody[FederationPartnerIn],
        principal: NamedDependency[Principal],
        origin: NamedDependency[Origin],
        register_federation_partner: NamedDependency[RegisterFederationPartnerUseCase],
    ) -> FederationPartnerOut:
        """Needs ``admin:orgs`` and ``admin:platform``. 409 ``FEDERATION_PARTNER_CONFLICT``
        for a registered issuer; 422 ``JWKS_UNREACHABLE`` when ``jwks_uri`` cannot be
        fetched."""
        partner = await register_federation_partner(
            RegisterFederationPartner(
                principal=principal,
                name=data.name,
                issuer=data.issuer,
                jwks_uri=data.jwks_uri,
                allowed_organizations=data.allowed_organizations,
                expires_at=data.expires_at,
                origin=origin,
            )
        )
        return FederationPartnerOut.from_domain(partner)

    @get(
        "/partners",
        summary="List federation partners, oldest first",
        responses=error_responses(*AUTHENTICATED),
    )
    async def list_partners(
        self,
        principal: NamedDependency[Principal],
        list_federation_partners: NamedDependency[ListFederationPartnersUseCase],
    ) -> list[FederationPartnerOut]:
        """Needs ``admin:orgs`` and ``admin:platform``. Partners past ``expires_at`` show as
        ``expired``."""
        partners = await list_federation_partners(ListFederationPartners(principal))
        return [FederationPartnerOut.from_domain(partner) for partner in partners]

    @get(
        _ITEM,
        summary="Read a federation partner",
        responses=error_responses(*AUTHENTICATED, 404),
    )
    async def get_partner(
        self,
        partner_id: PartnerIdPath,
        principal: NamedDependency[Principal],
        get_federation_partner: NamedDependency[GetFederationPartnerUseCase],
    ) -> FederationPartnerOut:
        """Needs ``admin:orgs`` and ``admin:platform``. 404 ``FEDERATION_PARTNER_NOT_FOUND``."""
        partner = await get_federation_partner(GetFederationPartner(principal, partner_id))
        return FederationPartnerOut.from_domain(partner)

    @patch(
        _ITEM,
        summary="Update a federation partner",
        responses={**error_responses(*AUTHENTICATED, *WITH_BODY, 404, 409), **_REGISTRATION_422},
    )
    async def update_partner(
        self,
        partner_id: PartnerIdPath,
        data: JSONBody[FederationPartnerUpdateIn],
        principal: NamedDependency[Principal],
        origin: NamedDependency[Origin],
        update_federation_partner: NamedDependency[UpdateFederationPartnerUseCase],
    ) -> FederationPartnerOut:
        """Needs ``admin:orgs`` and ``admin:platform``. A new ``jwks_uri`` is probed (422
        ``JWKS_UNREACHABLE``) and the cached key set dropped; ``issuer`` is immutable
        (400)."""
        immutable = data.immutable_fields()
        if immutable:
            raise InvalidRequest(
                f"{immutable[0]} is immutable.", field=immutable[0], reason="immutable"
            )
        partner = await update_federation_partner(
            UpdateFederationPartner(principal, partner_id, data.changes(), origin)
        )
        return FederationPartnerOut.from_domain(partner)

    @delete(
        _ITEM,
        status_code=204,
        summary="Remove a federation partner (its tokens are refused at once)",
        responses=error_responses(*AUTHENTICATED, 404, 409),
    )
    async def delete_partner(
        self,
        partner_id: PartnerIdPath,
        principal: NamedDependency[Principal],
        origin: NamedDependency[Origin],
        delete_federation_partner: NamedDependency[DeleteFederationPartnerUseCase],
    ) -> None:
        """Needs ``admin:orgs`` and ``admin:platform``. 404 ``FEDERATION_PARTNER_NOT_FOUND``."""
        await delete_federation_partner(DeleteFederationPartner(principal, partner_id, origin))

    @post(
        "/verify",
        status_code=200,
        summary="Verify a token minted by a federation partner",
        responses={**error_responses(*AUTHENTICATED, *WITH_BODY), **_VERIFY_422},
    )
    async def verify_token(
        self,
        data: JSONBody[FederationVerifyIn],
        principal: NamedDependency[Principal],
        verify_federated_token: NamedDependency[VerifyFederatedTokenUseCase],
    ) -> FederationVerifyOut:
        """Needs ``agents:read``. 200 ``{valid: true, issuer, subject, organization_id?,
        claims}`` only for a valid token; 400 without ``token``; 422 otherwise."""
        if data.token is UNSET or not data.token:
            raise InvalidRequest(TOKEN_REQUIRED, field="token", reason="required")
        identity = await verify_federated_token(
            VerifyFederatedToken(principal, data.token, data.expected_issuer)
        )
        return FederationVerifyOut.from_domain(identity)
