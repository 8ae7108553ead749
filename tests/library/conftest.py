"""Library test fixtures: embedded deployments with cheap argon2 parameters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from agentidp import AgentIdP

#: argon2 at its cheapest: these tests exercise the API, not the hash's cost.
CHEAP: dict[str, Any] = {"argon2": {"time_cost": 1, "memory_cost_kib": 1024, "parallelism": 1}}


@pytest.fixture
def cheap() -> dict[str, Any]:
    """Settings overrides for the cheapest argon2 parameters."""
    return dict(CHEAP)


@pytest.fixture
async def idp() -> AsyncIterator[AgentIdP]:
    """An open in-memory deployment."""
    async with AgentIdP.in_memory(**CHEAP) as deployment:
        yield deployment
