"""Fixtures of the contract suites: each test runs once per backend."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from agentidp.application.ports.unit_of_work import UnitOfWorkFactory
from tests.integration.postgres.database import drop_shared_database

from .backends import BACKENDS, Backend, open_backend
from .support import FakeClock


@pytest.fixture(scope="session", autouse=True)
def _drop_postgres_scratch_database() -> Iterator[None]:
    """At the end of the session, drop the PostgreSQL database this process created (if any)."""
    yield
    drop_shared_database()


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """An empty, opened backend."""
    async with open_backend(request.param, tmp_path) as opened:
        yield opened


@pytest.fixture
def uow_factory(backend: Backend) -> UnitOfWorkFactory:
    """Fresh units of work of the backend under test."""
    return backend.uow_factory


@pytest.fixture
def unix_clock() -> FakeClock:
    """A clock that tests move by hand."""
    return FakeClock()
