"""The federation partners port (trusted external IdPs, docs/federation.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from agentidp.domain.federation import FederationPartner, FederationPartnerId


class FederationPartnerRepository(Protocol):
    """Federation partners: deployment-wide rows, not tenant data (no organization filter).

    Writes are staged in the unit of work and applied by ``commit``. The stored ``status`` is
    returned as stored; ``FederationPartner.effective_status`` turns a passed ``expires_at``
    into ``expired``, which this port does not do.
    """

    async def get(self, partner_id: FederationPartnerId) -> FederationPartner | None:
        """The partner, or ``None`` when no partner has this id."""
        ...

    async def get_by_issuer(self, issuer: str) -> FederationPartner | None:
        """The partner whose ``issuer`` is exactly ``issuer`` (case-sensitive), or ``None``."""
        ...

    async def list_all(self) -> Sequence[FederationPartner]:
        """Every partner, oldest first (ties by id)."""
        ...

    async def add(self, partner: FederationPartner) -> None:
        """Stage a new partner. ``commit`` raises ``FederationPartnerConflict`` when another
        partner has the same issuer (``Conflict`` for a taken id)."""
        ...

    async def update(self, partner: FederationPartner) -> None:
        """Stage an update of every field but ``id``, ``issuer`` and ``created_at``.
        ``commit`` raises ``ConcurrentUpdate`` unless the stored revision is
        ``partner.revision`` (and bumps it)."""
        ...

    async def remove(self, partner: FederationPartner) -> None:
        """Stage the deletion of ``partner``. ``commit`` raises ``ConcurrentUpdate`` when it
        is gone or its revision moved on."""
        ...
