"""AGENTIDP_DELEGATION_MAX_DEPTH: default, parsing and its bounds."""

from __future__ import annotations

import pytest

from agentidp.domain.delegation import DEFAULT_MAX_DEPTH
from agentidp.entrypoints.container import build_container
from agentidp.entrypoints.settings import ConfigurationError, Settings


def test_default_is_the_domains() -> None:
    assert Settings.from_env({}).delegation_max_depth == DEFAULT_MAX_DEPTH == 3


@pytest.mark.parametrize("depth", [1, 2, 10])
def test_parsed_and_wired(depth: int) -> None:
    settings = Settings.from_env(
        {"AGENTIDP_DELEGATION_MAX_DEPTH": str(depth), "AGENTIDP_DATABASE_URL": "memory://"}
    )
    assert settings.delegation_max_depth == depth
    assert build_container(settings).delegation_settings().max_depth == depth


@pytest.mark.parametrize("depth", ["0", "11", "-1"])
def test_out_of_bounds_is_refused(depth: str) -> None:
    with pytest.raises(ConfigurationError, match="AGENTIDP_DELEGATION_MAX_DEPTH"):
        Settings.from_env({"AGENTIDP_DELEGATION_MAX_DEPTH": depth})
