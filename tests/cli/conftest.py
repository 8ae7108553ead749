"""CLI test fixtures: the ``agentidp`` command against a fresh embedded SQLite deployment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cli_harness import Cli
from click.testing import CliRunner


@pytest.fixture
def agentidp(tmp_path: Path) -> Cli:
    """The ``agentidp`` command bound to a fresh data directory."""
    return Cli(CliRunner(), tmp_path / "data")


@pytest.fixture
def acme(agentidp: Cli) -> dict[str, Any]:
    """A bootstrapped organization ``acme`` (JSON record of ``bootstrap --json``)."""
    return agentidp.bootstrap()
