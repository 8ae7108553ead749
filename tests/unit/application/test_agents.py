"""Agent registry use cases: register, get, list, update (PATCH), suspend, reactivate,
decommission; asserted on what the memory store holds afterwards."""

from __future__ import annotations

import pytest
from usecase_world import START, random_email

from agentidp.application.commands import (
    ChangeAgentStatus,
    ChangeCredential,
    GetAgent,
    IssueToken,
    ListAgents,
    UpdateAgent,
)
from agentidp.application.errors import (
    AgentAlreadyExists,
    AgentNotFound,
    InvalidClient,
    InvalidRequest,
)
from agentidp.application.principal import Principal
from agentidp.domain.agent import AgentStatus
from agentidp.domain.audit import AuditAction, Outcome
from agentidp.domain.credential import CredentialStatus
from agentidp.domain.errors import (
    AgentAlreadyDecommissioned,
    AgentDecommissioned,
    ImmutableField,
    InvalidScope,
    InvalidTransition,
    InvalidValue,
    ScopeNotGranted,
)


def _actions(events):
    return [stored.event.action for stored in events]


# -- register ---------------------------------------------------------------------------------


async def test_register_without_scopes_stores_an_active_agent_with_the_default_scope(world, tenant):
    """An agent registered without scopes is stored active in the caller's organization with
    ``agents:read`` only, and one ``agent.created`` event names it."""
    before = await world.chain_length()

    agent = await world.register(tenant.principal, email="Reader@Agents.Example")

    stored = await world.agent(agent.id)
    assert stored is not None
    assert stored.organization_id == tenant.organization_id
    assert stored.status is AgentStatus.ACTIVE
    assert stored.scopes == frozenset({"agents:read"})
    assert stored.email == "reader@agents.example"
    assert stored.created_at == START
    [created] = await world.events_since(before)
    assert created.event.action is AuditAction.AGENT_CREATED
    assert created.event.agent_id == agent.id
    assert created.event.actor_id == tenant.admin.id
    assert created.event.organization_id == tenant.organization_id
    assert created.event.outcome is Outcome.SUCCESS


async def test_register_with_explicit_scopes_stores_exactly_those_scopes(world, tenant):
    """Scopes named at registration (all held by the caller) are stored as given."""

    agent = await world.register(tenant.principal, scopes=["tokens:read", "audit:read"])

    stored = await world.agent(agent.id)
    assert stored.scopes == frozenset({"tokens:read", "audit:read"})


async def test_register_granting_a_scope_the_caller_lacks_is_refused(world, tenant):
    """A caller cannot hand out a scope it does not hold itself: ScopeNotGranted, no agent,
    no event."""
    caller = Principal(subject=tenant.admin.id, organization_id=tenant.organization_id,
                       scopes=frozenset({"agents:read", "agents:write"}))
    state, before = world.state(), await world.chain_length()

    with pytest.raises(ScopeNotGranted):
        await world.register(caller, scopes=["agents:read", "admin:orgs"])

    assert world.state() == state
    assert await world.chain_length() == before


async def test_register_with_an_unknown_scope_is_refused(world, tenant):
    """An unknown scope name is an InvalidScope, whatever the caller holds."""
    state = world.state()

    with pytest.raises(InvalidScope):
        await world.register(tenant.principal, scopes=["agents:delete"])

    assert world.state() == state


async def test_register_with_an_invalid_field_is_refused_and_writes_nothing(world, tenant):
    """A field that breaks its rule (here a non-semver version) raises InvalidValue before
    anything is staged."""
    state, before = world.state(), await world.chain_length()

    with pytest.raises(InvalidValue):
        await world.register(tenant.principal, version="latest")

    assert world.state() == state
    assert await world.chain_length() == before


async def test_register_a_duplicate_email_is_refused_and_writes_nothing(world, tenant):
    """A second agent with the same email (in any letter case) raises AgentAlreadyExists and
    leaves neither an agent nor an audit event behind."""
    email = random_email()
    await world.register(tenant.principal, email=email)
    state, before = world.state(), await world.chain_length()

    with pytest.raises(AgentAlreadyExists):
        await world.register(tenant.principal, email=email.upper())

    assert world.state() == state
    assert await world.chain_length() == before


async def test_register_an_email_taken_in_another_organization_is_refused(
    world, tenant, other_tenant
):
    """Emails are unique across the deployment, not per organization."""
    email = random_email()
    await world.register(other_tenant.principal, email=email)
    state = world.state()

    with pytest.raises(AgentAlreadyExists):
        await world.register(tenant.principal, email=email)

    assert world.state() == state


async def test_register_default_scopes_never_exceed_the_callers_scopes(world, tenant):
    """A caller holding only ``agents:write`` cannot hand out ``agents:read`` by leaving the
    scopes out: the default is narrowed to what the caller holds (here: nothing)."""
    writer = Principal(subject=tenant.admin.id, organization_id=tenant.organization_id,
                       scopes=frozenset({"agents:write"}))

    agent = await world.register(writer)

    assert (await world.agent(agent.id)).scopes == frozenset()


async def test_the_local_operator_acts_with_every_scope_and_is_audited_as_operator(world, tenant):
    """The operator principal (CLI, embedding code) may register an agent with any scope and
    give it a credential, and the events name the actor ``operator``."""
    operator = Principal.operator(tenant.organization_id)
    before = await world.chain_length()

    agent = await world.register(operator, scopes=["admin:orgs", "audit:read"])
    await world.generate(operator, agent.id)

    assert (await world.agent(agent.id)).scopes == frozenset({"admin:orgs", "audit:read"})
    events = await world.events_since(before)
    assert _actions(events) == [AuditAction.AGENT_CREATED, AuditAction.CREDENTIAL_GENERATED]
    assert {e.event.actor_id for e in events} == {"operator"}


# -- get ----------------------------------------------------------------------------------------


async def test_get_returns_the_stored_agent(world, tenant):
    """Reading an agent of the caller's organization returns it as stored."""
    agent = await world.register(tenant.principal, owner="search-team")

    found = await world.run.get_agent(GetAgent(tenant.principal, agent.id))

    assert found == await world.agent(agent.id)
    assert found.owner == "search-team"


@pytest.mark.parametrize("agent_id", ["2b7e3f7c-0d1e-4a53-9a57-3f8fd2b8c0aa", "not-a-uuid", "",
                                      "2B7E3F7C-0D1E-4A53-9A57-3F8FD2B8C0AA"])
async def test_get_an_unknown_or_malformed_id_raises_agent_not_found(world, tenant, agent_id):
    """Unknown ids, non-UUIDs and non-canonical spellings are all AgentNotFound."""

    with pytest.raises(AgentNotFound):
        await world.run.get_agent(GetAgent(tenant.principal, agent_id))


# -- list ---------------------------------------------------------------------------------------


async def test_list_filters_by_status_owner_and_type_newest_first(world, tenant):
    """Filters only narrow the caller's organization, and results come newest first."""
    search = []
    for _ in range(3):
        world.clock.advance(1)
        search.append(await world.register(tenant.principal, owner="search", agent_type="router"))
    world.clock.advance(1)
    await world.register(tenant.principal, owner="billing", agent_type="router")
    await world.run.suspend_agent(ChangeAgentStatus(tenant.principal, search[0].id))
    use_case = world.run.list_agents

    by_owner = await use_case(ListAgents(tenant.principal, owner="search"))
    active_search = await use_case(ListAgents(tenant.principal, owner="search", status="active"))
    routers = await use_case(ListAgents(tenant.principal, agent_type="router"))
    suspended = await use_case(ListAgents(tenant.principal, status="suspended"))

    assert [a.id for a in by_owner.items] == [a.id for a in reversed(search)]
    assert by_owner.total == 3
    assert [a.id for a in active_search.items] == [search[2].id, search[1].id]
    assert routers.total == 4
    assert [a.id for a in suspended.items] == [search[0].id]


async def test_list_pages_through_the_matches(world, tenant):
    """Page and limit select a slice; ``total`` counts every match; a page past the end is empty."""
    registered = []
    for _ in range(5):
        world.clock.advance(1)
        registered.append(await world.register(tenant.principal, owner="paging"))
    newest_first = [a.id for a in reversed(registered)]
    use_case = world.run.list_agents

    pages = [await use_case(ListAgents(tenant.principal, owner="paging", page=n, limit=2))
             for n in (1, 2, 3, 4)]

    assert [[a.id for a in p.items] for p in pages] == [
        newest_first[0:2], newest_first[2:4], newest_first[4:5], []
    ]
    assert {p.total for p in pages} == {5}
    assert (pages[1].page, pages[1].limit) == (2, 2)


@pytest.mark.parametrize(("page", "limit"), [(0, 20), (-1, 20), (1, 0), (1, 101), (1, -5)])
async def test_list_refuses_out_of_range_paging(world, tenant, page, limit):
    """Page must be >= 1 and limit 1..100."""

    with pytest.raises(InvalidRequest):
        await world.run.list_agents(ListAgents(tenant.principal, page=page, limit=limit))


async def test_list_accepts_the_paging_bounds(world, tenant):
    """Limit 1 and limit 100 are both inside the bounds."""
    use_case = world.run.list_agents

    smallest = await use_case(ListAgents(tenant.principal, limit=1))
    largest = await use_case(ListAgents(tenant.principal, limit=100))

    assert len(smallest.items) == 1
    assert largest.total == 1  # the administrator


async def test_list_refuses_an_unknown_status_filter(world, tenant):
    """A status filter outside active/suspended/decommissioned is an InvalidRequest."""

    with pytest.raises(InvalidRequest):
        await world.run.list_agents(ListAgents(tenant.principal, status="revoked"))


# -- update -------------------------------------------------------------------------------------


async def test_update_changes_mutable_fields_and_records_them(world, tenant):
    """A PATCH of mutable fields is stored with a new ``updated_at`` and revision, and one
    ``agent.updated`` event lists the changed fields."""
    agent = await world.register(tenant.principal)
    world.clock.advance(60)
    before = await world.chain_length()

    updated = await world.run.update_agent(UpdateAgent(
        tenant.principal, agent.id, {"version": "2.0.0", "owner": "ml-team",
                                     "scopes": ["tokens:read"]}))

    stored = await world.agent(agent.id)
    assert (stored.version, stored.owner) == ("2.0.0", "ml-team")
    assert stored.scopes == frozenset({"tokens:read"})
    assert stored.updated_at == START.replace(minute=1)
    assert stored.created_at == START
    assert stored.revision == agent.revision + 1
    assert updated.version == "2.0.0"
    [event] = await world.events_since(before)
    assert event.event.action is AuditAction.AGENT_UPDATED
    assert event.event.metadata == {"fields": ["owner", "scopes", "version"]}


@pytest.mark.parametrize("field", ["email", "id", "organization_id", "created_at"])
async def test_update_of_an_immutable_field_is_refused_and_writes_nothing(world, tenant, field):
    """Immutable fields raise ImmutableField and the agent stays as it was."""
    agent = await world.register(tenant.principal)
    state, before = world.state(), await world.chain_length()

    with pytest.raises(ImmutableField):
        await world.run.update_agent(
            UpdateAgent(tenant.principal, agent.id, {field: "x", "owner": "new-owner"}))

    assert world.state() == state
    assert await world.chain_length() == before


async def test_update_of_an_unknown_field_is_refused(world, tenant):
    """A field the agent does not have is an InvalidValue."""
    agent = await world.register(tenant.principal)
    state = world.state()

    with pytest.raises(InvalidValue):
        await world.run.update_agent(
            UpdateAgent(tenant.principal, agent.id, {"colour": "blue"}))

    assert world.state() == state


async def test_update_granting_a_scope_the_caller_lacks_is_refused(world, tenant):
    """A PATCH cannot give an agent a scope the caller does not hold."""
    agent = await world.register(tenant.principal)
    caller = Principal(subject=tenant.admin.id, organization_id=tenant.organization_id,
                       scopes=frozenset({"agents:read", "agents:write"}))
    state = world.state()

    with pytest.raises(ScopeNotGranted):
        await world.run.update_agent(
            UpdateAgent(caller, agent.id, {"scopes": ["admin:orgs"]}))

    assert world.state() == state


async def test_update_with_an_empty_scope_list_clears_the_scopes(world, tenant):
    """PATCH ``scopes: []`` leaves the agent with no scopes, never with the caller's."""
    agent = await world.register(tenant.principal, scopes=["agents:read"])

    await world.run.update_agent(UpdateAgent(tenant.principal, agent.id, {"scopes": []}))

    stored = await world.agent(agent.id)
    assert stored.scopes == frozenset()


async def test_update_status_suspended_then_active_runs_the_lifecycle(world, tenant):
    """PATCH ``status`` runs suspend and reactivate, each recorded as its own event (no
    ``agent.updated`` when nothing else changes)."""
    agent = await world.register(tenant.principal)
    use_case = world.run.update_agent
    before = await world.chain_length()

    await use_case(UpdateAgent(tenant.principal, agent.id, {"status": "suspended"}))
    suspended = await world.agent(agent.id)
    await use_case(UpdateAgent(tenant.principal, agent.id, {"status": "active"}))

    assert suspended.status is AgentStatus.SUSPENDED
    assert (await world.agent(agent.id)).status is AgentStatus.ACTIVE
    assert _actions(await world.events_since(before)) == [
        AuditAction.AGENT_SUSPENDED, AuditAction.AGENT_REACTIVATED
    ]


async def test_update_fields_and_status_together_records_both(world, tenant):
    """A PATCH with fields and a status change stores both and records both events."""
    agent = await world.register(tenant.principal)
    before = await world.chain_length()

    await world.run.update_agent(
        UpdateAgent(tenant.principal, agent.id, {"owner": "ops", "status": "suspended"}))

    stored = await world.agent(agent.id)
    assert (stored.owner, stored.status) == ("ops", AgentStatus.SUSPENDED)
    assert _actions(await world.events_since(before)) == [
        AuditAction.AGENT_UPDATED, AuditAction.AGENT_SUSPENDED
    ]


async def test_update_status_decommissioned_revokes_the_credentials(world, tenant):
    """PATCH ``status: decommissioned`` is a full decommission: credentials revoked too."""
    agent, secret = await world.client(tenant)

    await world.run.update_agent(
        UpdateAgent(tenant.principal, agent.id, {"status": "decommissioned"}))

    assert (await world.agent(agent.id)).status is AgentStatus.DECOMMISSIONED
    assert {c.status for c in await world.credentials_of(agent.id)} == {CredentialStatus.REVOKED}
    with pytest.raises(InvalidClient):
        await world.run.issue_token(IssueToken(agent.id, secret))


async def test_update_to_an_unknown_status_is_refused_and_writes_nothing(world, tenant):
    """A status outside the lifecycle is an InvalidRequest and nothing is stored."""
    agent = await world.register(tenant.principal)
    state, before = world.state(), await world.chain_length()

    with pytest.raises(InvalidRequest):
        await world.run.update_agent(
            UpdateAgent(tenant.principal, agent.id, {"status": "archived", "owner": "x"}))

    assert world.state() == state
    assert await world.chain_length() == before


async def test_update_to_the_current_status_records_nothing(world, tenant):
    """PATCH ``status`` equal to the current one is not a transition: no event, same status."""
    agent = await world.register(tenant.principal)
    before = await world.chain_length()

    await world.run.update_agent(
        UpdateAgent(tenant.principal, agent.id, {"status": "active"}))

    assert (await world.agent(agent.id)).status is AgentStatus.ACTIVE
    assert await world.chain_length() == before


async def test_update_to_the_current_status_writes_nothing(world, tenant):
    """A PATCH that changes nothing stores nothing: the agent keeps its revision."""
    agent = await world.register(tenant.principal)
    state = world.state()

    await world.run.update_agent(
        UpdateAgent(tenant.principal, agent.id, {"status": "active"}))

    assert world.state() == state


@pytest.mark.parametrize("changes", [
    {"metadata": "text"}, {"metadata": 5}, {"metadata": [["a", 1]]},
    {"scopes": None}, {"scopes": 5}, {"scopes": "agents:read"},
])
async def test_update_with_a_malformed_value_is_a_validation_error(world, tenant, changes):
    """JSON values of the wrong type (a string for metadata, null for scopes) are refused as
    InvalidValue, never crashes, and nothing is written."""
    agent = await world.register(tenant.principal)
    state, before = world.state(), await world.chain_length()

    with pytest.raises(InvalidValue):
        await world.run.update_agent(UpdateAgent(tenant.principal, agent.id, changes))

    assert world.state() == state
    assert await world.chain_length() == before


@pytest.mark.parametrize("changes", [{"owner": "x"}, {"status": "active"}, {"status": "suspended"},
                                     {}])
async def test_update_of_a_decommissioned_agent_raises_agent_decommissioned(world, tenant, changes):
    """A decommissioned agent accepts no change, not even a status PATCH."""
    agent = await world.register(tenant.principal)
    await world.run.decommission_agent(ChangeAgentStatus(tenant.principal, agent.id))
    state, before = world.state(), await world.chain_length()

    with pytest.raises(AgentDecommissioned):
        await world.run.update_agent(UpdateAgent(tenant.principal, agent.id, changes))

    assert world.state() == state
    assert await world.chain_length() == before


# -- suspend / reactivate / decommission --------------------------------------------------------


async def test_suspend_then_reactivate_round_trips_the_status(world, tenant):
    """suspend: active → suspended; reactivate: suspended → active; each stored and recorded."""
    agent = await world.register(tenant.principal)
    world.clock.advance(5)
    before = await world.chain_length()

    suspended = await world.run.suspend_agent(ChangeAgentStatus(tenant.principal, agent.id))
    stored_suspended = await world.agent(agent.id)
    await world.run.reactivate_agent(ChangeAgentStatus(tenant.principal, agent.id))

    assert suspended.status is AgentStatus.SUSPENDED
    assert stored_suspended.status is AgentStatus.SUSPENDED
    assert stored_suspended.updated_at == START.replace(second=5)
    assert (await world.agent(agent.id)).status is AgentStatus.ACTIVE
    assert _actions(await world.events_since(before)) == [
        AuditAction.AGENT_SUSPENDED, AuditAction.AGENT_REACTIVATED
    ]


@pytest.mark.parametrize(("start", "use_case", "error"), [
    ("suspended", "suspend_agent", InvalidTransition),
    ("active", "reactivate_agent", InvalidTransition),
    ("decommissioned", "suspend_agent", AgentDecommissioned),
    ("decommissioned", "reactivate_agent", AgentDecommissioned),
    ("decommissioned", "decommission_agent", AgentAlreadyDecommissioned),
])
async def test_forbidden_transitions_are_refused_and_write_nothing(world, tenant, start, use_case,
                                                                   error):
    """Transitions the lifecycle forbids raise and leave the agent and the chain untouched."""
    agent = await world.register(tenant.principal)
    if start == "suspended":
        await world.run.suspend_agent(ChangeAgentStatus(tenant.principal, agent.id))
    if start == "decommissioned":
        await world.run.decommission_agent(ChangeAgentStatus(tenant.principal, agent.id))
    state, before = world.state(), await world.chain_length()

    with pytest.raises(error):
        await getattr(world.run, use_case)(ChangeAgentStatus(tenant.principal, agent.id))

    assert world.state() == state
    assert await world.chain_length() == before


async def test_decommission_a_suspended_agent_is_allowed(world, tenant):
    """Decommission works from suspended as well as from active."""
    agent = await world.register(tenant.principal)
    await world.run.suspend_agent(ChangeAgentStatus(tenant.principal, agent.id))

    await world.run.decommission_agent(ChangeAgentStatus(tenant.principal, agent.id))

    assert (await world.agent(agent.id)).status is AgentStatus.DECOMMISSIONED


async def test_decommission_revokes_every_active_credential_in_the_same_commit(world, tenant):
    """Decommission keeps the record, revokes each active credential and records one
    ``credential.revoked`` per credential plus ``agent.decommissioned``, all in one commit."""
    agent, first_secret = await world.client(tenant)
    second = await world.generate(tenant.principal, agent.id)
    third = await world.generate(tenant.principal, agent.id)
    await world.run.revoke_credential(
        ChangeCredential(tenant.principal, agent.id, third.credential.id))
    world.clock.advance(30)
    commits = world.spy_on_commits()
    before = await world.chain_length()

    await world.run.decommission_agent(ChangeAgentStatus(tenant.principal, agent.id))

    stored = await world.agent(agent.id)
    assert stored is not None
    assert stored.status is AgentStatus.DECOMMISSIONED
    credentials = {c.id: c for c in await world.credentials_of(agent.id)}
    assert {c.status for c in credentials.values()} == {CredentialStatus.REVOKED}
    assert credentials[second.credential.id].revoked_at == START.replace(second=30)
    assert credentials[third.credential.id].revoked_at == START  # untouched: already revoked
    events = await world.events_since(before)
    assert _actions(events) == [AuditAction.CREDENTIAL_REVOKED, AuditAction.CREDENTIAL_REVOKED,
                                AuditAction.AGENT_DECOMMISSIONED]
    assert {e.event.metadata["credentialId"] for e in events[:2]} == set(credentials) - {
        third.credential.id}
    assert {e.event.metadata["reason"] for e in events[:2]} == {"agent_decommissioned"}
    assert commits.commits == [3]
    for secret in (first_secret, second.client_secret):
        with pytest.raises(InvalidClient):
            await world.issue(agent.id, secret)


async def test_decommission_of_an_agent_without_credentials_records_one_event(world, tenant):
    """With nothing to revoke, decommission records just ``agent.decommissioned``."""
    agent = await world.register(tenant.principal)
    before = await world.chain_length()

    await world.run.decommission_agent(ChangeAgentStatus(tenant.principal, agent.id))

    assert _actions(await world.events_since(before)) == [AuditAction.AGENT_DECOMMISSIONED]
