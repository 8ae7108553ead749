"""Organization and membership use cases on the memory world: who may do what, what each
change writes, and that it is audited in the same commit."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from usecase_world import ALL_SCOPES, Tenant, World, random_email, random_slug

from agentidp.application.commands import (
    AddMember,
    BootstrapOrganization,
    CreateOrganization,
    CreateOrganizationAdmin,
    DeleteOrganization,
    GetOrganization,
    ListOrganizations,
    RegisterAgent,
    RemoveMember,
    UpdateOrganization,
)
from agentidp.application.errors import (
    InsufficientScope,
    NotPlatformAdmin,
    OperatorOnlyScope,
    OrganizationNotFound,
)
from agentidp.application.principal import Principal
from agentidp.domain.agent import AgentStatus
from agentidp.domain.audit import AuditAction
from agentidp.domain.organization import OrganizationDeleted, OrganizationStatus
from agentidp.domain.scopes import ADMIN_ORGS, ADMIN_PLATFORM, AGENTS_READ
from tests.builders import make_agent

A = AuditAction


@pytest.fixture
async def platform(world: World) -> Principal:
    """A platform administrator (bootstrapped with ``platform_admin``) as a caller."""
    result = await world.run.bootstrap_organization(
        BootstrapOrganization(
            slug=random_slug(), name="Platform", admin_email=random_email(), platform_admin=True
        )
    )
    return world.principal_of(result.admin)


def tenant_admin(tenant: Tenant) -> Principal:
    """The tenant's bootstrapped administrator as its token would present it."""
    return Principal(
        subject=tenant.admin.id,
        organization_id=tenant.organization_id,
        scopes=ALL_SCOPES,
        roles=frozenset({"admin"}),
    )


#: Callers, by how they relate to ``tenant``'s organization, and whether they may read it.
CALLERS: dict[str, tuple[Callable[[Tenant, Tenant, Principal], Principal], bool]] = {
    "platform administrator": (lambda own, other, platform: platform, True),
    "its tenant administrator": (lambda own, other, platform: tenant_admin(own), True),
    "another tenant's administrator": (lambda own, other, platform: tenant_admin(other), False),
    "admin:orgs without the admin role": (
        lambda own, other, platform: Principal(
            subject=own.admin.id, organization_id=own.organization_id, scopes=ALL_SCOPES
        ),
        False,
    ),
    "the admin role without admin:orgs": (
        lambda own, other, platform: Principal(
            subject=own.admin.id,
            organization_id=own.organization_id,
            scopes=frozenset({AGENTS_READ}),
            roles=frozenset({"admin"}),
        ),
        False,
    ),
}


@pytest.mark.parametrize("caller", CALLERS)
async def test_who_may_read_an_organization(
    world: World, tenant: Tenant, other_tenant: Tenant, platform: Principal, caller: str
) -> None:
    """Platform administrators and the organization's own tenant administrator read it;
    anyone else gets the same answer as for an organization that does not exist."""
    make, allowed = CALLERS[caller]
    principal = make(tenant, other_tenant, platform)
    command = GetOrganization(principal, tenant.organization_id)

    if allowed:
        assert (await world.run.get_organization(command)).id == tenant.organization_id
    else:
        with pytest.raises((OrganizationNotFound, InsufficientScope)):
            await world.run.get_organization(command)


async def test_create_is_audited_in_the_new_organization_naming_the_actor(
    world: World, platform: Principal
) -> None:
    """One commit: the organization and organization.created in its own log, with the
    platform administrator's organization."""
    commits = world.spy_on_commits()
    before = await world.chain_length()

    created = await world.run.create_organization(
        CreateOrganization(platform, name="Acme", slug=random_slug(), plan_tier="pro", max_agents=5)
    )

    [event] = [e.event for e in await world.events_since(before)]
    assert (event.action, event.organization_id, event.actor_id) == (
        A.ORGANIZATION_CREATED,
        created.id,
        platform.subject,
    )
    assert event.metadata["actorOrganizationId"] == platform.organization_id
    assert (event.metadata["planTier"], event.metadata["maxAgents"]) == ("pro", 5)
    assert commits.commits == [1]


async def test_a_tenant_admin_may_not_create(world: World, tenant: Tenant) -> None:
    """NotPlatformAdmin, and nothing is written."""
    state, before = world.state(), await world.chain_length()

    with pytest.raises(NotPlatformAdmin):
        await world.run.create_organization(
            CreateOrganization(tenant_admin(tenant), name="X", slug=random_slug())
        )

    assert (world.state(), await world.chain_length()) == (state, before)


async def test_an_update_records_what_changed_and_a_no_op_writes_nothing(
    world: World, tenant: Tenant, platform: Principal
) -> None:
    """organization.updated carries {field: {from, to}} of the changed fields only; repeating
    the current values commits nothing."""
    commits = world.spy_on_commits()
    before = await world.chain_length()
    organization_id = tenant.organization_id

    await world.run.update_organization(
        UpdateOrganization(platform, organization_id, {"plan_tier": "pro", "name": "Example Org"})
    )
    await world.run.update_organization(
        UpdateOrganization(platform, organization_id, {"plan_tier": "pro"})
    )

    [event] = [e.event for e in await world.events_since(before)]
    assert event.action is A.ORGANIZATION_UPDATED
    assert event.metadata["changes"] == {"planTier": {"from": "free", "to": "pro"}}
    assert commits.commits == [1]


async def test_delete_suspends_every_active_agent_in_one_commit(
    world: World, tenant: Tenant, platform: Principal
) -> None:
    """More agents than one read batch: all active ones are suspended (each audited), others
    keep their status, and it all lands in one commit with organization.deleted."""
    active = [make_agent(organization_id=tenant.organization_id) for _ in range(130)]
    decommissioned = make_agent(
        organization_id=tenant.organization_id, status=AgentStatus.DECOMMISSIONED
    )
    async with world.uow() as uow:
        for agent in [*active, decommissioned]:
            await uow.agents.add(agent)
        await uow.commit()
    commits = world.spy_on_commits()
    before = await world.chain_length()

    await world.run.delete_organization(DeleteOrganization(platform, tenant.organization_id))

    events = [e.event for e in await world.events_since(before)]
    suspended = {e.agent_id for e in events if e.action is A.AGENT_SUSPENDED}
    assert suspended == {a.id for a in active} | {tenant.admin.id}
    assert events[-1].action is A.ORGANIZATION_DELETED
    assert events[-1].metadata["suspendedAgents"] == 131
    assert commits.commits == [132]
    assert (await world.agent(decommissioned.id)).status is AgentStatus.DECOMMISSIONED
    assert {(await world.agent(a.id)).status for a in active} == {AgentStatus.SUSPENDED}
    async with world.uow() as uow:
        stored = await uow.organizations.get(tenant.organization_id)
    assert stored is not None
    assert stored.status is OrganizationStatus.DELETED


async def test_a_deleted_organization_refuses_every_change(
    world: World, tenant: Tenant, platform: Principal
) -> None:
    """Update, delete, members and new administrators: OrganizationDeleted, nothing written;
    reading it still works."""
    await world.run.delete_organization(DeleteOrganization(platform, tenant.organization_id))
    state, before = world.state(), await world.chain_length()
    org = tenant.organization_id

    for provider, command in [
        ("update_organization", UpdateOrganization(platform, org, {"status": "active"})),
        ("delete_organization", DeleteOrganization(platform, org)),
        ("add_member", AddMember(platform, org, tenant.admin.id, "member")),
        ("remove_member", RemoveMember(platform, org, tenant.admin.id)),
        ("create_organization_admin", CreateOrganizationAdmin(platform, org, random_email())),
    ]:
        with pytest.raises(OrganizationDeleted):
            await getattr(world.run, provider)(command)

    assert (world.state(), await world.chain_length()) == (state, before)
    assert (await world.run.get_organization(GetOrganization(platform, org))).is_deleted


async def test_listing_for_a_tenant_admin_is_its_own_organization(
    world: World, tenant: Tenant, other_tenant: Tenant, platform: Principal
) -> None:
    """Platform: everything; tenant administrator: only its own; a status filter narrows."""
    everything = await world.run.list_organizations(ListOrganizations(platform))
    own = await world.run.list_organizations(ListOrganizations(tenant_admin(tenant)))
    own_suspended = await world.run.list_organizations(
        ListOrganizations(tenant_admin(tenant), status="suspended")
    )

    assert everything.total == 3
    assert [o.id for o in own.items] == [tenant.organization_id]
    assert (list(own_suspended.items), own_suspended.total) == ([], 0)


async def test_bearer_authentication_reads_the_membership_role(
    world: World, tenant: Tenant
) -> None:
    """The administrator's principal carries role admin; an agent without membership none;
    after being added as a member, ``member``."""
    worker, secret = await world.client(tenant)
    admin_token = (await world.issue(tenant.admin.id, tenant.client_secret)).access_token
    worker_token = (await world.issue(worker.id, secret)).access_token

    admin = await world.run.authenticate_bearer(admin_token)
    before = await world.run.authenticate_bearer(worker_token)
    await world.run.add_member(
        AddMember(tenant_admin(tenant), tenant.organization_id, worker.id, "member")
    )
    after = await world.run.authenticate_bearer(worker_token)

    assert (admin.roles, before.roles, after.roles) == (
        frozenset({"admin"}),
        frozenset(),
        frozenset({"member"}),
    )


async def test_no_api_caller_grants_an_operator_only_scope(
    world: World, platform: Principal
) -> None:
    """Even a platform administrator, who holds admin:platform, cannot hand it out."""
    state = world.state()

    with pytest.raises(OperatorOnlyScope):
        await world.run.register_agent(
            RegisterAgent(
                principal=platform,
                email=random_email(),
                agent_type="classifier",
                version="1.0.0",
                capabilities=[],
                owner="x",
                deployment_env="production",
                scopes=[ADMIN_PLATFORM, ADMIN_ORGS],
            )
        )

    assert world.state() == state


async def test_the_first_administrator_is_an_audited_admin_member(
    world: World, platform: Principal
) -> None:
    """agent.created, credential.generated and organization.member_added, in one commit."""
    created = await world.run.create_organization(
        CreateOrganization(platform, name="New", slug=random_slug())
    )
    commits = world.spy_on_commits()
    before = await world.chain_length()

    result = await world.run.create_organization_admin(
        CreateOrganizationAdmin(platform, created.id, random_email())
    )

    events = [e.event for e in await world.events_since(before)]
    assert [e.action for e in events] == [
        A.AGENT_CREATED,
        A.CREDENTIAL_GENERATED,
        A.ORGANIZATION_MEMBER_ADDED,
    ]
    assert {(e.organization_id, e.actor_id, e.agent_id) for e in events} == {
        (created.id, platform.subject, result.admin.id)
    }
    assert commits.commits == [3]
    assert ADMIN_PLATFORM not in result.admin.scopes
    assert result.membership is not None
    assert result.membership.role.value == "admin"
