"""Memory organization repository.

Reads come from the store's committed dicts; organizations are frozen values, so they are
shared rather than copied. Writes are staged and replayed by
:class:`~.transaction.Transaction` at commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from agentidp.application.ports.repositories import Page
from agentidp.domain.ids import OrganizationId
from agentidp.domain.organization import Organization, OrganizationStatus

from .staging import Staging

if TYPE_CHECKING:
    from .store import InMemoryStore


class InMemoryOrganizationRepository:
    """Implements ``OrganizationRepository`` with the same revision rule as SQL."""

    def __init__(self, store: InMemoryStore, staging: Staging) -> None:
        self._store = store
        self._staging = staging

    async def get(self, organization_id: OrganizationId) -> Organization | None:
        return self._store.organizations.get(organization_id)

    async def get_by_slug(self, slug: str) -> Organization | None:
        organization_id = self._store.organization_ids_by_slug.get(slug)
        return None if organization_id is None else self._store.organizations[organization_id]

    async def list_all(self) -> Sequence[Organization]:
        return sorted(self._store.organizations.values(), key=lambda o: (o.created_at, o.id))

    async def list(
        self, page: Page, status: OrganizationStatus | None = None
    ) -> tuple[Sequence[Organization], int]:
        matches = [
            organization
            for organization in self._store.organizations.values()
            if status is None or organization.status is status
        ]
        matches.sort(key=lambda o: (o.created_at, o.id), reverse=True)
        return matches[page.offset : page.offset + page.size], len(matches)

    async def add(self, organization: Organization) -> None:
        self._staging.write(lambda transaction: transaction.add_organization(organization))

    async def update(self, organization: Organization) -> None:
        self._staging.write(lambda transaction: transaction.update_organization(organization))
