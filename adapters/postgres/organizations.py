"""PostgreSQL organization repository: optimistic updates on ``revision``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from agentidp.adapters.relational.filters import organization_filters, organization_query_params
from agentidp.adapters.relational.rows import ORGANIZATION_COLUMNS
from agentidp.application.ports.repositories import Page
from agentidp.domain.ids import OrganizationId
from agentidp.domain.organization import Organization, OrganizationStatus

from .reader import Reader
from .rows import ROWS
from .sql import insert_sql, optimistic_update_sql, page_sql, param, select_list, where
from .staging import Staging

_SELECT: Final = f"SELECT {select_list(ORGANIZATION_COLUMNS)} FROM organizations"  # noqa: S608
_GET: Final = f"{_SELECT} WHERE id = %(id)s"
_GET_BY_SLUG: Final = f"{_SELECT} WHERE slug = %(slug)s"
_LIST_ALL: Final = f"{_SELECT} ORDER BY created_at, id"
# A taken slug violates organizations_slug_key: OrganizationSlugTaken (errors.py).
_INSERT: Final = insert_sql("organizations", ORGANIZATION_COLUMNS)
# NOTE: the slug is immutable, so the UPDATE never writes it (nor the id or revision).
_UPDATE: Final = optimistic_update_sql(
    "organizations", tuple(column for column in ORGANIZATION_COLUMNS if column != "slug")
)
_FILTERS: Final = organization_filters(param)
_NEWEST_FIRST: Final = "created_at DESC, id DESC"


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

    async def list(
        self, page: Page, status: OrganizationStatus | None = None
    ) -> tuple[Sequence[Organization], int]:
        params = organization_query_params(status, page)
        sql = page_sql(
            "organizations", ORGANIZATION_COLUMNS, where(_FILTERS, params), _NEWEST_FIRST
        )
        rows, total = await self._reader.page(sql, params)
        return [ROWS.organization_to_domain(row) for row in rows], total

    async def add(self, organization: Organization) -> None:
        self._staging.write(_INSERT, ROWS.organization_params(organization))

    async def update(self, organization: Organization) -> None:
        params = ROWS.organization_params(organization)
        del params["slug"]
        self._staging.write(_UPDATE, params, expected_rowcount=1)
