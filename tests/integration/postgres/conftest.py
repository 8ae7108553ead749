"""Fixtures of the PostgreSQL-only tests: this process's scratch database, emptied per test,
stores on it (two stores are two pools, as two server processes would have), and throwaway
empty databases for the migration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from agentidp.adapters.postgres import PostgresStore
from agentidp.domain.organization import Organization
from tests.builders import make_organization
from tests.integration.postgres.database import (
    ScratchDatabase,
    drop_shared_database,
    fresh_database,
    shared_database,
)


@pytest.fixture(scope="session", autouse=True)
def _drop_postgres_scratch_database() -> Iterator[None]:
    """At the end of the session, drop the PostgreSQL database this process created (if any)."""
    yield
    drop_shared_database()


@pytest.fixture
async def database_url() -> str:
    """The URL of this process's migrated scratch database, emptied for the test."""
    return await fresh_database()


@pytest.fixture
def scratch(database_url: str) -> ScratchDatabase:
    """The scratch database behind :func:`database_url` (to disturb it on purpose)."""
    database = shared_database()
    assert database is not None
    return database


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[PostgresStore]:
    """An open store on the emptied scratch database."""
    async with PostgresStore(database_url, pool_min=1, pool_max=4, connect_timeout=2) as opened:
        yield opened


@pytest.fixture
async def other_store(database_url: str) -> AsyncIterator[PostgresStore]:
    """A second store (its own pool and writer) on the same database: another process."""
    async with PostgresStore(database_url, pool_min=1, pool_max=4, connect_timeout=2) as opened:
        yield opened


@pytest.fixture
async def organization(store: PostgresStore) -> Organization:
    """A committed organization."""
    organization = make_organization()
    async with store.unit_of_work() as uow:
        await uow.organizations.add(organization)
        await uow.commit()
    return organization


@pytest.fixture
def empty_database() -> Iterator[ScratchDatabase]:
    """A brand-new database without any schema, dropped after the test."""
    database = ScratchDatabase("empty")
    database.create()
    yield database
    database.drop()
