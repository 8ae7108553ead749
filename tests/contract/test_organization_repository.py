"""Contract of OrganizationRepository (through UnitOfWork) for every backend."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from agentidp.application.errors import ConcurrentUpdate, OrganizationSlugTaken
from agentidp.application.ports.repositories import Page
from agentidp.application.ports.unit_of_work import UnitOfWorkFactory
from agentidp.domain.ids import OrganizationId
from agentidp.domain.organization import OrganizationStatus
from agentidp.domain.tiers import PlanTier
from tests.builders import NOW, make_agent, make_organization, random_id

from .support import save


async def test_add_then_get_by_id_and_slug(uow_factory: UnitOfWorkFactory) -> None:
    """A committed organization reads back equal by id and by slug."""
    organization = make_organization()

    await save(uow_factory, organization)
    async with uow_factory() as uow:
        by_id = await uow.organizations.get(organization.id)
        by_slug = await uow.organizations.get_by_slug(organization.slug)

    assert by_id == organization
    assert by_slug == organization


async def test_unknown_organization_reads_as_none(uow_factory: UnitOfWorkFactory) -> None:
    """Unknown ids and slugs read as None."""
    async with uow_factory() as uow:
        assert await uow.organizations.get(OrganizationId(random_id())) is None
        assert await uow.organizations.get_by_slug("no-such-org") is None


async def test_list_all_is_oldest_first(uow_factory: UnitOfWorkFactory) -> None:
    """Every organization is listed by created_at, then id."""
    newer = make_organization(now=NOW + timedelta(seconds=1))
    older = make_organization(now=NOW)

    await save(uow_factory, newer, older)
    async with uow_factory() as uow:
        listed = await uow.organizations.list_all()

    assert list(listed) == [older, newer]


async def test_taken_slug_raises_at_commit(uow_factory: UnitOfWorkFactory) -> None:
    """A second organization with the same slug is refused and nothing of its unit of work
    is applied."""
    await save(uow_factory, make_organization(slug="acme"))
    bystander, clash = make_organization(), make_organization(slug="acme")

    async with uow_factory() as uow:
        await uow.organizations.add(bystander)
        await uow.organizations.add(clash)
        with pytest.raises(OrganizationSlugTaken):
            await uow.commit()

    async with uow_factory() as reader:
        assert await reader.organizations.get(bystander.id) is None
        assert await reader.organizations.get(clash.id) is None


async def test_list_pages_newest_first_with_the_total(uow_factory: UnitOfWorkFactory) -> None:
    """Pages follow created_at DESC, then id DESC; total counts every match."""
    created = [make_organization(now=NOW + timedelta(seconds=n % 3)) for n in range(7)]
    await save(uow_factory, *created)
    newest_first = sorted(created, key=lambda o: (o.created_at, o.id), reverse=True)

    async with uow_factory() as uow:
        pages = [await uow.organizations.list(Page(number, 3)) for number in (1, 2, 3, 4)]

    assert [list(items) for items, _ in pages] == [
        newest_first[0:3],
        newest_first[3:6],
        newest_first[6:7],
        [],
    ]
    assert {total for _, total in pages} == {len(created)}


async def test_list_filters_by_status(uow_factory: UnitOfWorkFactory) -> None:
    """A status filter only narrows; an empty match is an empty page with total 0."""
    active = make_organization()
    suspended = make_organization().update({"status": "suspended"}, now=NOW)
    await save(uow_factory, active, suspended)

    async with uow_factory() as uow:
        only_suspended = await uow.organizations.list(Page(), OrganizationStatus.SUSPENDED)
        only_deleted = await uow.organizations.list(Page(), OrganizationStatus.DELETED)

    assert (list(only_suspended[0]), only_suspended[1]) == ([suspended], 1)
    assert (list(only_deleted[0]), only_deleted[1]) == ([], 0)


async def test_update_round_trips_every_field_and_bumps_the_revision(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """Name, tier, limit overrides, status and updated_at are stored; the revision moves on."""
    organization = make_organization()
    await save(uow_factory, organization)
    later = NOW + timedelta(minutes=5)
    changed = organization.update(
        {
            "name": "Renamed",
            "plan_tier": "enterprise",
            "max_agents": 7,
            "max_tokens_per_month": 70_000,
            "status": "suspended",
        },
        now=later,
    )

    async with uow_factory() as uow:
        await uow.organizations.update(changed)
        await uow.commit()
    async with uow_factory() as uow:
        stored = await uow.organizations.get(organization.id)

    assert stored == replace(changed, revision=organization.revision + 1)
    assert stored is not None
    assert stored.plan_tier is PlanTier.ENTERPRISE
    assert stored.updated_at == later


async def test_a_stale_update_is_a_concurrent_update(uow_factory: UnitOfWorkFactory) -> None:
    """Two updates from the same read: the second one raises and changes nothing."""
    organization = make_organization()
    await save(uow_factory, organization)
    first = organization.update({"name": "First"}, now=NOW)
    second = organization.update({"name": "Second"}, now=NOW)

    async with uow_factory() as uow:
        await uow.organizations.update(first)
        await uow.commit()
    async with uow_factory() as uow:
        await uow.organizations.update(second)
        with pytest.raises(ConcurrentUpdate):
            await uow.commit()
    async with uow_factory() as uow:
        stored = await uow.organizations.get(organization.id)

    assert stored is not None
    assert stored.name == "First"


async def test_a_deleted_organization_keeps_its_record(uow_factory: UnitOfWorkFactory) -> None:
    """Soft delete is an update: the record stays, readable by id and slug, and the client
    directory reports the organization as not active (its agents get no tokens)."""
    organization = make_organization()
    agent = make_agent(organization_id=organization.id)
    await save(uow_factory, organization, agent)

    async with uow_factory() as uow:
        await uow.organizations.update(organization.delete(now=NOW))
        await uow.commit()
    async with uow_factory() as uow:
        by_slug = await uow.organizations.get_by_slug(organization.slug)
        client = await uow.clients.find(agent.id)

    assert by_slug is not None
    assert by_slug.status is OrganizationStatus.DELETED
    assert client is not None
    assert client.organization_active is False
