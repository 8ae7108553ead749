"""PostgreSQL organization repository."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from agentidp.adapters.relational.rows import ORGANIZATION_COLUMNS
from agentidp.domain.ids import OrganizationId
from agentidp.domain.organization import Organization

from .reader import Reader
from .rows import ROWS
from .sql import insert_sql, select_list
from .staging import Staging

_SELECT: Final = f"SELECT {select_list(ORGANIZATION_COLUMNS)} FROM organizations"  # noqa: S608
_GET: Final = f"{_SELECT} WHERE id = %(id)s"
_GET_BY_SLUG: Final = f"{_SELECT} WHERE slug = %(slug)s"
_LIST_ALL: Final = f"{_SELECT} ORDER BY created_at, id"
# A taken slug violates organizations_slug_key: OrganizationSlugTaken (errors.py).
_INSERT: Final = insert_sql("organizations", ORGANIZATION_COLUMNS)


class PostgresOrganizationRepository:
    """Organizations in the ``organizations`` table (implements ``OrganizationRepository``)."""

    def __init__(self, reader: Reader, staging: Staging) -> None:
        self._reader = reader
        self._staging = staging

    async def get(self, organization_id: OrganizationId) -> Organization | None:
        row = await self._reader.one(_GET, {"id": organization_id})
        return None if row is None else ROWS.organization_to_domain(row)

    async def get_by_slug(self, slug: str) -> Organization | None:
        row = await self._reader.one(_GET_BY_SLUG, {"slug": slug})
        return None if row is None else ROWS.organization_to_domain(row)

    async def list_all(self) -> Sequence[Organization]:
        return [ROWS.organization_to_domain(row) for row in await self._reader.all(_LIST_ALL, {})]

    async def add(self, organization: Organization) -> None:
        self._staging.write(_INSERT, ROWS.organization_params(organization))
