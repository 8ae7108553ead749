"""Fixtures of the use-case tests: a fresh memory :class:`~usecase_world.World` per test, and
the world factory for hypothesis properties (which must not use function-scoped fixtures).

The helpers live in ``usecase_world.py`` (a uniquely named module, importable because pytest
puts this rootless test directory on ``sys.path``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from usecase_world import Tenant, World, WorldFactory, open_world


@pytest.fixture
async def world() -> AsyncIterator[World]:
    """A fresh memory world per test."""
    async with open_world() as fresh:
        yield fresh


@pytest.fixture(scope="session")
def world_factory() -> WorldFactory:
    """The world factory, for hypothesis tests (one fresh world per example)."""
    return open_world


@pytest.fixture
async def tenant(world: World) -> Tenant:
    """A bootstrapped organization in the test's world."""
    return await world.bootstrap()


@pytest.fixture
async def other_tenant(world: World) -> Tenant:
    """A second, unrelated organization in the same deployment."""
    return await world.bootstrap()
