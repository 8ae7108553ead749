"""Memory federation partner repository.

Reads come from the store's committed dicts; partners are frozen values, so they are shared
rather than copied. Writes are staged and replayed by
:class:`~.transaction.Transaction` at commit, with the SQL schema's rules (unique issuer,
optimistic revision).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from agentidp.domain.federation import FederationPartner, FederationPartnerId

from .staging import Staging

if TYPE_CHECKING:
    from .store import InMemoryStore


class InMemoryFederationPartnerRepository:
    """Implements ``FederationPartnerRepository``."""

    def __init__(self, store: InMemoryStore, staging: Staging) -> None:
        self._store = store
        self._staging = staging

    async def get(self, partner_id: FederationPartnerId) -> FederationPartner | None:
        return self._store.federation_partners.get(partner_id)

    async def get_by_issuer(self, issuer: str) -> FederationPartner | None:
        return next(
            (p for p in self._store.federation_partners.values() if p.issuer == issuer), None
        )

    async def list_all(self) -> Sequence[FederationPartner]:
        return sorted(self._store.federation_partners.values(), key=lambda p: (p.created_at, p.id))

    async def add(self, partner: FederationPartner) -> None:
        self._staging.write(lambda transaction: transaction.add_federation_partner(partner))

    async def update(self, partner: FederationPartner) -> None:
        self._staging.write(lambda transaction: transaction.update_federation_partner(partner))

    async def remove(self, partner: FederationPartner) -> None:
        self._staging.write(lambda transaction: transaction.remove_federation_partner(partner))
