"""SQLite federation partner repository: optimistic updates on ``revision``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from agentidp.adapters.relational.federation_rows import (
    FEDERATION_PARTNER_COLUMNS,
    FEDERATION_PARTNER_UPDATED,
    FederationPartnerRows,
)
from agentidp.application.errors import FederationPartnerConflict
from agentidp.domain.federation import FederationPartner, FederationPartnerId

from .errors import Constraints
from .reader import Reader
from .rows import ROWS
from .sql import insert_sql, optimistic_update_sql, select_list
from .staging import Staging

_ROWS: Final = FederationPartnerRows(ROWS.encoding)
_SELECT: Final = f"SELECT {select_list(FEDERATION_PARTNER_COLUMNS)} FROM federation_partners"  # noqa: S608
_GET: Final = f"{_SELECT} WHERE id = :id"
_GET_BY_ISSUER: Final = f"{_SELECT} WHERE issuer = :issuer"
_LIST_ALL: Final = f"{_SELECT} ORDER BY created_at, id"
_INSERT: Final = insert_sql("federation_partners", FEDERATION_PARTNER_COLUMNS)
_UPDATE: Final = optimistic_update_sql("federation_partners", FEDERATION_PARTNER_UPDATED)
_DELETE: Final = "DELETE FROM federation_partners WHERE id = :id AND revision = :revision"
# The only UNIQUE constraint besides the random id is the issuer's.
_CONSTRAINTS: Final = Constraints(duplicate=FederationPartnerConflict)


class SqliteFederationPartnerRepository:
    """Partners in ``federation_partners`` (implements ``FederationPartnerRepository``)."""

    def __init__(self, reader: Reader, staging: Staging) -> None:
        self._reader = reader
        self._staging = staging

    async def get(self, partner_id: FederationPartnerId) -> FederationPartner | None:
        row = self._reader.one(_GET, {"id": partner_id})
        return None if row is None else _ROWS.to_domain(row)

    async def get_by_issuer(self, issuer: str) -> FederationPartner | None:
        row = self._reader.one(_GET_BY_ISSUER, {"issuer": issuer})
        return None if row is None else _ROWS.to_domain(row)

    async def list_all(self) -> Sequence[FederationPartner]:
        return [_ROWS.to_domain(row) for row in self._reader.all(_LIST_ALL, {})]

    async def add(self, partner: FederationPartner) -> None:
        self._staging.write(_INSERT, _ROWS.params(partner), constraints=_CONSTRAINTS)

    async def update(self, partner: FederationPartner) -> None:
        self._staging.write(_UPDATE, _ROWS.update_params(partner), expected_rowcount=1)

    async def remove(self, partner: FederationPartner) -> None:
        self._staging.write(
            _DELETE, {"id": partner.id, "revision": partner.revision}, expected_rowcount=1
        )
