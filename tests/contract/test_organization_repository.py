"""Contract of OrganizationRepository (through UnitOfWork) for every backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agentidp.application.errors import OrganizationSlugTaken
from agentidp.application.ports.unit_of_work import UnitOfWorkFactory
from agentidp.domain.ids import OrganizationId
from tests.builders import NOW, make_organization, random_id

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
