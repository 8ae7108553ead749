"""Contract of FederationPartnerRepository (through UnitOfWork) for every backend.

PostgreSQL's scratch database is not emptied of partners between tests, so every test uses
issuers of its own and looks only at the partners it created.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from agentidp.application.errors import ConcurrentUpdate, FederationPartnerConflict
from agentidp.application.ports.federation import FederationPartnerRepository
from agentidp.application.ports.unit_of_work import UnitOfWorkFactory
from agentidp.domain.federation import (
    FederationPartner,
    FederationPartnerId,
    FederationPartnerStatus,
)
from tests.builders import NOW, random_id


def make_partner(
    *, issuer: str | None = None, now: object = NOW, **changes: object
) -> FederationPartner:
    """A valid active partner with a unique issuer."""
    issuer = issuer or f"https://idp-{random_id()}.example"
    partner = FederationPartner.register(
        id=FederationPartnerId(random_id()),
        name="Acme Partner IdP",
        issuer=issuer,
        jwks_uri=f"{issuer}/.well-known/jwks.json",
        now=now,  # type: ignore[arg-type]
        allowed_organizations=["org-a", "org-b"],
        expires_at=NOW + timedelta(days=365),
    )
    return replace(partner, **changes)  # type: ignore[arg-type]


async def _add(uow_factory: UnitOfWorkFactory, *partners: FederationPartner) -> None:
    async with uow_factory() as uow:
        for partner in partners:
            await uow.federation_partners.add(partner)
        await uow.commit()


async def _get(
    uow_factory: UnitOfWorkFactory, partner: FederationPartner
) -> FederationPartner | None:
    async with uow_factory() as uow:
        return await uow.federation_partners.get(partner.id)


async def test_add_then_get_by_id_and_issuer(uow_factory: UnitOfWorkFactory) -> None:
    """A committed partner reads back equal (allowlist order, instants and expiry kept)."""
    partner = make_partner()

    await _add(uow_factory, partner)
    async with uow_factory() as uow:
        by_id = await uow.federation_partners.get(partner.id)
        by_issuer = await uow.federation_partners.get_by_issuer(partner.issuer)

    assert by_id == partner
    assert by_issuer == partner


async def test_unknown_partner_reads_as_none(uow_factory: UnitOfWorkFactory) -> None:
    """Unknown ids and issuers read as None; the issuer lookup is exact (case-sensitive)."""
    partner = make_partner(issuer=f"https://Case-{random_id()}.example")
    await _add(uow_factory, partner)

    async with uow_factory() as uow:
        assert await uow.federation_partners.get(FederationPartnerId(random_id())) is None
        assert await uow.federation_partners.get_by_issuer(partner.issuer.lower()) is None
        assert await uow.federation_partners.get_by_issuer(partner.issuer + "/") is None


async def test_list_all_is_oldest_first(uow_factory: UnitOfWorkFactory) -> None:
    """Partners are listed by created_at, then id."""
    newer = make_partner(created_at=NOW + timedelta(seconds=1))
    older = make_partner()
    await _add(uow_factory, newer, older)

    async with uow_factory() as uow:
        listed = [p for p in await uow.federation_partners.list_all() if p in (newer, older)]

    assert listed == [older, newer]


async def test_taken_issuer_is_a_conflict_and_nothing_applies(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """A second partner with the same issuer is refused at commit, with nothing of its unit
    of work applied."""
    first = make_partner()
    await _add(uow_factory, first)
    bystander, clash = make_partner(), make_partner(issuer=first.issuer)

    with pytest.raises(FederationPartnerConflict):
        await _add(uow_factory, bystander, clash)

    assert await _get(uow_factory, bystander) is None
    assert await _get(uow_factory, clash) is None


async def test_update_bumps_revision_and_keeps_issuer(uow_factory: UnitOfWorkFactory) -> None:
    """An update writes every changeable field, bumps the revision and never the issuer."""
    partner = make_partner()
    await _add(uow_factory, partner)
    changed = replace(
        partner.update(
            {
                "name": "Renamed",
                "jwks_uri": "https://keys.example/jwks.json",
                "allowed_organizations": [],
                "status": "suspended",
                "expires_at": None,
            },
            now=NOW + timedelta(minutes=1),
        ),
        issuer="https://sneaky.example",
    )

    async with uow_factory() as uow:
        await uow.federation_partners.update(changed)
        await uow.commit()

    stored = await _get(uow_factory, partner)
    assert stored == replace(changed, issuer=partner.issuer, revision=partner.revision + 1)
    assert stored is not None
    assert stored.status is FederationPartnerStatus.SUSPENDED


async def test_stale_update_and_remove_are_concurrent_updates(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """Updating or removing from a stale revision loses the race and changes nothing."""
    partner = make_partner()
    await _add(uow_factory, partner)
    async with uow_factory() as uow:
        await uow.federation_partners.update(partner.suspend(now=NOW))
        await uow.commit()

    for stage in ("update", "remove"):
        async with uow_factory() as uow:
            repository: FederationPartnerRepository = uow.federation_partners
            if stage == "update":
                await repository.update(partner.update({"name": "Stale"}, now=NOW))
            else:
                await repository.remove(partner)
            with pytest.raises(ConcurrentUpdate):
                await uow.commit()

    stored = await _get(uow_factory, partner)
    assert stored is not None
    assert stored.status is FederationPartnerStatus.SUSPENDED
    assert stored.name == partner.name


async def test_remove_deletes_and_frees_the_issuer(uow_factory: UnitOfWorkFactory) -> None:
    """A removed partner is gone; its issuer may be registered again."""
    partner = make_partner()
    await _add(uow_factory, partner)

    async with uow_factory() as uow:
        await uow.federation_partners.remove(partner)
        await uow.commit()

    assert await _get(uow_factory, partner) is None
    again = make_partner(issuer=partner.issuer)
    await _add(uow_factory, again)
    assert await _get(uow_factory, again) == again


async def test_rollback_discards_staged_partners(uow_factory: UnitOfWorkFactory) -> None:
    """Leaving a unit of work without commit applies nothing."""
    partner = make_partner()
    async with uow_factory() as uow:
        await uow.federation_partners.add(partner)

    assert await _get(uow_factory, partner) is None
