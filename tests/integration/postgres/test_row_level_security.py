"""PostgreSQL row-level security: the second wall of tenant isolation (docs/adr/0011).

Everything here connects as an ordinary role (RLS does not apply to superusers), first at the
SQL level (what a transaction naming tenant B may see and do to tenant A's rows), then
through the store (units of work capture the tenant context; one group transaction applies
units of several tenants, each under its own setting).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import errors as pg_errors

from agentidp.adapters.postgres import PostgresStore
from agentidp.application.errors import InvalidRequest
from agentidp.application.ports import tenant_context
from agentidp.application.ports.repositories import AgentFilter, Page
from agentidp.application.ports.tenant_context import ALL_TENANTS
from agentidp.domain.agent import Agent
from agentidp.domain.organization import Organization
from tests.builders import make_agent, make_audit_event, make_credential, make_organization
from tests.integration.postgres.tenant_role import TenantRoleDatabase

#: The tables 0004 must protect (a later tenant table is caught by the catalog test below).
TENANT_TABLES = ("agents", "credentials", "audit_events", "organization_members")
_TENANT_COLUMN_TABLES = (
    "SELECT DISTINCT table_name FROM information_schema.columns "
    "WHERE table_schema = current_schema() AND column_name = 'organization_id'"
)


@pytest.fixture(scope="module")
def database() -> Iterator[TenantRoleDatabase]:
    """A database owned (and migrated) by a fresh NOSUPERUSER NOBYPASSRLS role."""
    database = TenantRoleDatabase("rls")
    database.create()
    try:
        asyncio.run(database.migrate())
        yield database
    finally:
        database.drop()


@pytest.fixture
async def store(database: TenantRoleDatabase) -> AsyncIterator[PostgresStore]:
    """A store connected as the ordinary role."""
    async with PostgresStore(database.url, pool_min=1, pool_max=4) as opened:
        yield opened


@dataclass(frozen=True)
class TenantRows:
    """One organization with an agent, a credential and an audit event."""

    organization: Organization
    agent: Agent


async def seed(store: PostgresStore) -> TenantRows:
    """Commit a tenant's rows as the operator (acting for every tenant)."""
    organization = make_organization()
    agent = make_agent(organization_id=organization.id)
    with tenant_context.scope(ALL_TENANTS):
        uow = store.unit_of_work()
    async with uow:
        await uow.organizations.add(organization)
        await uow.agents.add(agent)
        await uow.credentials.add(make_credential(agent=agent))
        await uow.audit.append(make_audit_event(organization_id=organization.id, agent_id=agent.id))
        await uow.commit()
    return TenantRows(organization, agent)


async def as_tenant(database: TenantRoleDatabase, tenant: str | None) -> psycopg.AsyncConnection:
    """A connection as the ordinary role, inside a transaction acting for ``tenant`` (``None``:
    the setting is never declared)."""
    connection = await psycopg.AsyncConnection.connect(database.url)
    if tenant is not None:
        await connection.execute(
            "SELECT set_config('agentidp.organization_id', %s, true)", [tenant]
        )
    return connection


async def visible(connection: psycopg.AsyncConnection, table: str, organization: str) -> int:
    column = "id" if table == "organizations" else "organization_id"
    cursor = await connection.execute(
        f"SELECT count(*) FROM {table} WHERE {column} = %s",  # noqa: S608 — constant names
        [organization],
    )
    row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def test_every_table_with_tenant_rows_forces_row_level_security(
    database: TenantRoleDatabase,
) -> None:
    """Every table holding an organization_id (and organizations itself) has RLS enabled AND
    forced, with a policy: a tenant table added later fails here until it gets one."""
    async with await psycopg.AsyncConnection.connect(database.url) as connection:
        tables = {
            row[0] for row in await (await connection.execute(_TENANT_COLUMN_TABLES)).fetchall()
        }
        cursor = await connection.execute(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
            "(SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) "
            "FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace "
            "AND c.relkind = 'r'"
        )
        flags = {row[0]: row[1:] for row in await cursor.fetchall()}

    assert set(TENANT_TABLES) <= tables
    for table in tables | {"organizations"}:
        assert flags[table] == (True, True, 1), table


async def test_role_is_subject_to_row_level_security(database: TenantRoleDatabase) -> None:
    """The premise of every other test: the IdP's role is no superuser and cannot bypass."""
    async with await psycopg.AsyncConnection.connect(database.url) as connection:
        cursor = await connection.execute(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
        assert await cursor.fetchone() == (False, False)


@pytest.mark.parametrize("tenant", ["other", "", None])
async def test_another_or_no_tenant_sees_none_of_a(
    store: PostgresStore, database: TenantRoleDatabase, tenant: str | None
) -> None:
    """A transaction naming tenant B, an empty setting, or none at all sees none of A's rows."""
    a = await seed(store)
    b = await seed(store)
    setting = b.organization.id if tenant == "other" else tenant
    connection = await as_tenant(database, setting)
    async with connection:
        for table in (*TENANT_TABLES[:3], "organizations"):
            assert await visible(connection, table, a.organization.id) == 0, table
        own = await visible(connection, "agents", b.organization.id)
    assert own == (1 if tenant == "other" else 0)


async def test_all_tenants_sees_every_tenant(
    store: PostgresStore, database: TenantRoleDatabase
) -> None:
    """'*' is the operator's view: both tenants' rows."""
    a, b = await seed(store), await seed(store)
    async with await as_tenant(database, ALL_TENANTS) as connection:
        for rows in (a, b):
            for table in (*TENANT_TABLES[:3], "organizations"):
                assert await visible(connection, table, rows.organization.id) == 1, table


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO audit_events (id, occurred_at, organization_id, action, outcome, metadata, "
        "previous_hash, hash) VALUES (gen_random_uuid()::text, now(), %(a)s, 'agent.created', "
        "'success', '{}', '', '')",
        "UPDATE agents SET organization_id = %(a)s WHERE organization_id = %(b)s",
        "UPDATE credentials SET organization_id = %(a)s WHERE organization_id = %(b)s",
    ],
)
async def test_tenant_b_cannot_write_rows_for_a(
    store: PostgresStore, database: TenantRoleDatabase, statement: str
) -> None:
    """Inserting a row for A, or moving B's row into A, violates the policy's WITH CHECK."""
    a, b = await seed(store), await seed(store)
    async with await as_tenant(database, b.organization.id) as connection:
        with pytest.raises(pg_errors.InsufficientPrivilege, match="row-level security"):
            await connection.execute(statement, {"a": a.organization.id, "b": b.organization.id})


async def test_tenant_b_updates_and_deletes_nothing_of_a(
    store: PostgresStore, database: TenantRoleDatabase
) -> None:
    """UPDATE and DELETE aimed at A's rows by id match nothing under B's setting."""
    a, b = await seed(store), await seed(store)
    async with await as_tenant(database, b.organization.id) as connection:
        updated = await connection.execute(
            "UPDATE agents SET owner = 'hijacked' WHERE id = %s", [a.agent.id]
        )
        deleted = await connection.execute(
            "DELETE FROM credentials WHERE agent_id = %s", [a.agent.id]
        )
        renamed = await connection.execute(
            "UPDATE organizations SET name = 'hijacked' WHERE id = %s", [a.organization.id]
        )
        assert (updated.rowcount, deleted.rowcount, renamed.rowcount) == (0, 0, 0)
        await connection.commit()
    with tenant_context.scope(a.organization.id):
        uow = store.unit_of_work()
    async with uow:
        agent = await uow.agents.get(a.agent.id)
    assert agent is not None
    assert agent.owner == a.agent.owner


async def test_units_of_work_read_only_their_tenant(store: PostgresStore) -> None:
    """A unit of work created in B's context cannot load A's credentials or organization; in
    A's it can. The one read that looks across tenants on purpose is an agent by id (so the
    application can answer another organization's agent with DECISIONS.md's 403)."""
    a, b = await seed(store), await seed(store)
    with tenant_context.scope(b.organization.id):
        as_b = store.unit_of_work()
    with tenant_context.scope(a.organization.id):
        as_a = store.unit_of_work()
    undeclared = store.unit_of_work()  # no scope at all: fails closed

    async with as_b:
        assert await as_b.credentials.list_by_agent(a.agent.id) == []
        assert len(await as_b.credentials.list_by_agent(b.agent.id)) == 1
        assert await as_b.organizations.get(a.organization.id) is None
        found = await as_b.agents.get(a.agent.id)
        assert found is not None
        assert found.organization_id == a.organization.id
    async with as_a:
        assert len(await as_a.credentials.list_by_agent(a.agent.id)) == 1
    async with undeclared:
        assert await undeclared.credentials.list_by_agent(a.agent.id) == []


async def test_a_unit_of_work_of_b_cannot_commit_a_row_of_a(store: PostgresStore) -> None:
    """The writer applies B's tenant before B's statements: an agent row for A is refused, and
    units of A committing in the same group are unaffected."""
    a, b = await seed(store), await seed(store)
    stray = make_agent(organization_id=a.organization.id)

    async def commit_as(tenant: str, agent: Agent) -> None:
        with tenant_context.scope(tenant):
            uow = store.unit_of_work()
        async with uow:
            await uow.agents.add(agent)
            await uow.commit()

    legit = [make_agent(organization_id=a.organization.id) for _ in range(5)]
    outcomes = await asyncio.gather(
        commit_as(b.organization.id, stray),
        *(commit_as(a.organization.id, agent) for agent in legit),
        return_exceptions=True,
    )

    assert isinstance(outcomes[0], pg_errors.InsufficientPrivilege)
    assert outcomes[1:] == [None] * len(legit)
    with tenant_context.scope(ALL_TENANTS):
        uow = store.unit_of_work()
    async with uow:
        assert await uow.agents.get(stray.id) is None
        for agent in legit:
            assert await uow.agents.get(agent.id) is not None


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(owners=st.lists(st.integers(min_value=0, max_value=2), min_size=1, max_size=8))
async def test_each_tenant_lists_exactly_its_own_agents(
    store: PostgresStore, owners: list[int]
) -> None:
    """Whatever the mix of tenants committing together, a scope lists its own agents only."""
    organizations = [make_organization() for _ in range(3)]
    with tenant_context.scope(ALL_TENANTS):
        setup = store.unit_of_work()
    async with setup:
        for organization in organizations:
            await setup.organizations.add(organization)
        await setup.commit()
    agents = [make_agent(organization_id=organizations[owner].id) for owner in owners]

    async def register(agent: Agent) -> None:
        with tenant_context.scope(agent.organization_id):
            uow = store.unit_of_work()
        async with uow:
            await uow.agents.add(agent)
            await uow.commit()

    await asyncio.gather(*(register(agent) for agent in agents))

    # The first wall forgotten on purpose: every scope asks for every organization's agents.
    for viewer in organizations:
        with tenant_context.scope(viewer.id):
            uow = store.unit_of_work()
        async with uow:
            for asked in organizations:
                found, total = await uow.agents.list(AgentFilter(asked.id), Page(size=50))
                expected = {a.id for a in agents if a.organization_id == asked.id}
                assert {agent.id for agent in found} == (expected if asked is viewer else set())
                assert total == (len(expected) if asked is viewer else 0)


async def test_one_connection_serving_tenants_in_turn_never_mixes_them(
    database: TenantRoleDatabase,
) -> None:
    """Reads remember their connection's session tenant to skip set_config: with a single
    pooled connection alternating A, B, a failed read of B, then A and B again, each read
    sees exactly its own tenant."""
    async with PostgresStore(database.url, pool_min=1, pool_max=1) as store:
        a, b = await seed(store), await seed(store)

        async def sees(tenant: str, agent: Agent) -> bool:
            with tenant_context.scope(tenant):
                uow = store.unit_of_work()
            async with uow:
                return bool(await uow.credentials.list_by_agent(agent.id))

        with tenant_context.scope(b.organization.id):
            failing = store.unit_of_work()

        seen = [await sees(a.organization.id, a.agent), await sees(b.organization.id, a.agent)]
        with pytest.raises(InvalidRequest):  # PostgreSQL refuses the negative LIMIT
            await failing.agents.list(AgentFilter(b.organization.id), Page(number=0, size=-1))
        seen += [await sees(a.organization.id, a.agent), await sees(b.organization.id, a.agent)]
        seen += [await sees(b.organization.id, b.agent), await sees(a.organization.id, b.agent)]

    assert seen == [True, False, True, False, True, False]
