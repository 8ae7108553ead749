"""Wire schemas of ``/api/v1/federation`` (federation.yaml of the seed): snake_case msgspec
Structs, as the spec names them, one ``from_domain`` per output type.

The schemas fix types and generous size bounds only; the field rules (HTTPS URLs, name
length, allowlist shape, aware and future expiry) are the domain's, with its messages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from msgspec import UNSET, Meta, Struct, UnsetType

from agentidp.application.use_cases.federation import FederatedIdentity
from agentidp.domain.federation import FederationPartner

from .schemas import Immutable

Url = Annotated[str, Meta(max_length=4096, examples=["https://idp.acme-partner.example"])]
Name = Annotated[str, Meta(max_length=1024, examples=["Acme Partner IdP"])]
OrganizationIds = Annotated[
    list[Annotated[str, Meta(max_length=1024)]],
    Meta(max_length=1000, examples=[["org-acme-001"]]),
]
#: A compact JWS, bounded well above any real token (the verifier refuses > 16 KiB itself).
Token = Annotated[str, Meta(max_length=65_536)]


class FederationPartnerIn(Struct, kw_only=True, forbid_unknown_fields=True):
    """``POST /federation/trust``: register a partner (``jwks_uri`` is probed first)."""

    name: Name
    issuer: Url
    jwks_uri: Url
    allowed_organizations: OrganizationIds = []
    expires_at: datetime | None = None


class FederationPartnerUpdateIn(Struct, kw_only=True, forbid_unknown_fields=True):
    """``PATCH /federation/partners/{id}``: at least one field. ``expires_at: null`` removes
    the expiry; ``issuer`` and ``id`` are immutable (400)."""

    name: Name | UnsetType = UNSET
    jwks_uri: Url | UnsetType = UNSET
    allowed_organizations: OrganizationIds | UnsetType = UNSET
    status: str | UnsetType = UNSET
    expires_at: datetime | UnsetType | None = UNSET
    issuer: Immutable = UNSET
    id: Immutable = UNSET

    def immutable_fields(self) -> list[str]:
        """Names of the immutable fields this request tries to set."""
        return [name for name in ("issuer", "id") if getattr(self, name) is not UNSET]

    def changes(self) -> dict[str, Any]:
        """The fields present in the request (their domain names are the same)."""
        present = {
            "name": self.name,
            "jwks_uri": self.jwks_uri,
            "allowed_organizations": self.allowed_organizations,
            "status": self.status,
            "expires_at": self.expires_at,
        }
        return {field: value for field, value in present.items() if value is not UNSET}


class FederationPartnerOut(Struct, kw_only=True):
    """A partner as the API shows it; ``status`` is ``expired`` once ``expires_at`` passed."""

    id: str
    name: str
    issuer: str
    jwks_uri: str
    allowed_organizations: list[str]
    status: str
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None

    @classmethod
    def from_domain(cls, partner: FederationPartner) -> FederationPartnerOut:
        """The wire form of ``partner`` (already taken :meth:`~FederationPartner.as_of`)."""
        return cls(
            id=partner.id,
            name=partner.name,
            issuer=partner.issuer,
            jwks_uri=partner.jwks_uri,
            allowed_organizations=list(partner.allowed_organizations),
            status=partner.status.value,
            created_at=partner.created_at,
            updated_at=partner.updated_at,
            expires_at=partner.expires_at,
        )


class FederationVerifyIn(Struct, kw_only=True, forbid_unknown_fields=True):
    """``POST /federation/verify``. ``token`` is required (checked by the handler so the
    answer carries the spec's message)."""

    token: Token | UnsetType | None = UNSET
    expected_issuer: Url | None = None


class FederationVerifyOut(Struct, kw_only=True, omit_defaults=True):
    """A successful verification (failures are 422 errors, docs/federation.md)."""

    valid: bool
    issuer: str
    subject: str
    claims: dict[str, Any]
    partner_id: str
    organization_id: str | None = None

    @classmethod
    def from_domain(cls, identity: FederatedIdentity) -> FederationVerifyOut:
        """The wire form of a verified identity."""
        return cls(
            valid=True,
            issuer=identity.issuer,
            subject=identity.subject,
            claims=dict(identity.claims),
            partner_id=identity.partner_id,
            organization_id=identity.organization_id,
        )
