"""Federation partner rows ↔ domain objects, for every relational backend.

Kept apart from :mod:`.rows` (one module per aggregate); it uses the same per-backend
:class:`~.rows.Encoding`. ``allowed_organizations`` is a JSON array (``TEXT`` in SQLite,
``jsonb`` in PostgreSQL, which the driver decodes on read).
"""

from __future__ import annotations

from typing import Final

from agentidp.domain.federation import (
    FederationPartner,
    FederationPartnerId,
    FederationPartnerStatus,
)

from .rows import Encoding, Params, Row

FEDERATION_PARTNER_COLUMNS: Final = (
    "id",
    "name",
    "issuer",
    "jwks_uri",
    "allowed_organizations",
    "status",
    "created_at",
    "updated_at",
    "expires_at",
    "revision",
)
#: Columns an UPDATE writes: the id, issuer and creation instant never change.
FEDERATION_PARTNER_UPDATED: Final = tuple(
    column for column in FEDERATION_PARTNER_COLUMNS if column not in {"issuer", "created_at"}
)


class FederationPartnerRows:
    """Maps ``federation_partners`` rows for one backend's :class:`Encoding`."""

    __slots__ = ("_encoding",)

    def __init__(self, encoding: Encoding) -> None:
        self._encoding = encoding

    def params(self, partner: FederationPartner) -> Params:
        """Named parameters of a partner row."""
        encoding = self._encoding
        return {
            "id": partner.id,
            "name": partner.name,
            "issuer": partner.issuer,
            "jwks_uri": partner.jwks_uri,
            "allowed_organizations": encoding.encode_json(list(partner.allowed_organizations)),
            "status": partner.status.value,
            "created_at": encoding.encode_time(partner.created_at),
            "updated_at": encoding.encode_time(partner.updated_at),
            "expires_at": encoding.encode_optional_time(partner.expires_at),
            "revision": partner.revision,
        }

    def update_params(self, partner: FederationPartner) -> Params:
        """:meth:`params` without the columns an UPDATE never writes."""
        params = self.params(partner)
        del params["issuer"], params["created_at"]
        return params

    def to_domain(self, row: Row) -> FederationPartner:
        """A :class:`FederationPartner` from a row in column order."""
        id_, name, issuer, jwks_uri, allowed, status, created_at, updated_at = row[:8]
        expires_at, revision = row[8:]
        encoding = self._encoding
        return FederationPartner(
            id=FederationPartnerId(id_),
            name=name,
            issuer=issuer,
            jwks_uri=jwks_uri,
            allowed_organizations=tuple(encoding.decode_json(allowed)),
            status=FederationPartnerStatus(status),
            created_at=encoding.decode_time(created_at),
            updated_at=encoding.decode_time(updated_at),
            expires_at=encoding.decode_optional_time(expires_at),
            revision=revision,
        )
