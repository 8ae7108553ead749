"""Operator bootstrap: an organization (new or reused by slug) and an administrator agent."""

from __future__ import annotations

import re

import pytest
from usecase_world import ALL_SCOPES, START, random_email, random_slug

from agentidp.application.commands import BootstrapOrganization
from agentidp.application.errors import AgentAlreadyExists
from agentidp.domain.agent import AgentStatus
from agentidp.domain.audit import AuditAction
from agentidp.domain.credential import CredentialStatus
from agentidp.domain.errors import InvalidValue
from agentidp.domain.membership import MemberRole
from agentidp.domain.organization import OrganizationDeleted, OrganizationStatus
from agentidp.domain.scopes import ADMIN_PLATFORM


async def test_bootstrap_creates_the_organization_and_an_all_scopes_administrator(world):
    """A new slug creates an active organization, an active administrator holding every
    scope, and a working credential; three operator events record it in one commit."""
    commits = world.spy_on_commits()

    result = await world.run.bootstrap_organization(BootstrapOrganization(
        slug="acme", name="  Acme Corp  ", admin_email="Admin@Acme.Example"))

    async with world.uow() as uow:
        organization = await uow.organizations.get_by_slug("acme")
    assert organization == result.organization
    assert (organization.name, organization.status) == ("Acme Corp", OrganizationStatus.ACTIVE)
    assert result.organization_created is True
    admin = await world.agent(result.admin.id)
    assert admin.organization_id == organization.id
    assert admin.scopes == ALL_SCOPES
    assert admin.status is AgentStatus.ACTIVE
    assert admin.email == "admin@acme.example"
    [credential] = await world.credentials_of(admin.id)
    assert credential.id == result.credential.id
    assert credential.status is CredentialStatus.ACTIVE
    assert credential.expires_at is None
    assert re.fullmatch(r"sk_live_[0-9a-f]{64}", result.client_secret)
    assert result.client_secret not in credential.secret_hash
    chain = await world.chain()
    assert [e.event.action for e in chain] == [
        AuditAction.ORGANIZATION_CREATED, AuditAction.AGENT_CREATED,
        AuditAction.CREDENTIAL_GENERATED, AuditAction.ORGANIZATION_MEMBER_ADDED]
    assert {(e.event.actor_id, e.event.organization_id, e.event.occurred_at) for e in chain} == {
        ("operator", organization.id, START)}
    assert commits.commits == [4]
    async with world.uow() as uow:
        membership = await uow.memberships.get(organization.id, admin.id)
    assert membership == result.membership
    assert membership is not None
    assert membership.role is MemberRole.ADMIN
    issued = await world.issue(admin.id, result.client_secret)
    assert set(issued.scope.split(" ")) == ALL_SCOPES


async def test_a_second_bootstrap_of_the_same_slug_reuses_the_organization(world):
    """Bootstrapping a known slug adds a second administrator to the existing organization
    and records no ``organization.created``."""
    slug = random_slug()
    first = await world.bootstrap(slug=slug)
    before = await world.chain_length()

    second = await world.run.bootstrap_organization(BootstrapOrganization(
        slug=slug, name="Another Name", admin_email=random_email()))

    assert second.organization_created is False
    assert second.organization.id == first.organization_id
    assert second.organization.name == "Example Org"
    async with world.uow() as uow:
        assert [o.id for o in await uow.organizations.list_all()] == [first.organization_id]
    assert (await world.agent(second.admin.id)).organization_id == first.organization_id
    assert second.admin.id != first.admin.id
    assert [e.event.action for e in await world.events_since(before)] == [
        AuditAction.AGENT_CREATED, AuditAction.CREDENTIAL_GENERATED,
        AuditAction.ORGANIZATION_MEMBER_ADDED]


async def test_bootstrap_with_a_taken_admin_email_writes_nothing(world):
    """A duplicate administrator email fails the whole commit: not even the new organization
    is kept."""
    email = random_email()
    await world.bootstrap(email=email)
    state, before = world.state(), await world.chain_length()

    with pytest.raises(AgentAlreadyExists):
        await world.bootstrap(slug="fresh-org", email=email)

    assert world.state() == state
    assert await world.chain_length() == before
    async with world.uow() as uow:
        assert await uow.organizations.get_by_slug("fresh-org") is None


@pytest.mark.parametrize(("slug", "name", "email"), [
    ("Bad Slug", "Org", "admin@example.com"),
    ("-leading", "Org", "admin@example.com"),
    ("ok-slug", "   ", "admin@example.com"),
    ("ok-slug", "Org", "not-an-email"),
])
async def test_bootstrap_with_invalid_input_is_refused(world, slug, name, email):
    """Invalid slug, blank name or malformed email are InvalidValue and nothing is stored."""
    state = world.state()

    with pytest.raises(InvalidValue):
        await world.run.bootstrap_organization(
            BootstrapOrganization(slug=slug, name=name, admin_email=email))

    assert world.state() == state
    assert await world.chain_length() == 0


async def test_bootstrap_of_a_platform_admin_adds_admin_platform_to_every_other_scope(world):
    """``platform_admin`` grants the operator-only ``admin:platform`` on top of every scope an
    API caller may hold; tokens of that agent carry it."""
    result = await world.run.bootstrap_organization(BootstrapOrganization(
        slug=random_slug(), name="Platform", admin_email=random_email(), platform_admin=True))

    assert result.admin.scopes == ALL_SCOPES | {ADMIN_PLATFORM}
    issued = await world.issue(result.admin.id, result.client_secret)
    assert ADMIN_PLATFORM in issued.scope.split(" ")


async def test_an_ordinary_bootstrap_never_grants_admin_platform(world):
    """Without the flag the administrator holds no operator-only scope."""
    tenant = await world.bootstrap()

    assert ADMIN_PLATFORM not in tenant.admin.scopes


async def test_bootstrap_into_a_deleted_organization_is_refused_and_writes_nothing(world):
    """The slug of a soft-deleted organization stays taken, and the organization takes no new
    administrator (a deleted organization never changes again)."""
    tenant = await world.bootstrap()
    async with world.uow() as uow:
        organization = await uow.organizations.get(tenant.organization_id)
        await uow.organizations.update(organization.delete(now=START))
        await uow.commit()
    async with world.uow() as uow:
        slug = (await uow.organizations.get(tenant.organization_id)).slug
    state, before = world.state(), await world.chain_length()

    with pytest.raises(OrganizationDeleted):
        await world.bootstrap(slug=slug)

    assert world.state() == state
    assert await world.chain_length() == before
