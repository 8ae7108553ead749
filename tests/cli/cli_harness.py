"""A CliRunner harness for the ``agentidp`` command against one embedded SQLite data directory.

A plain module (not ``conftest.py``) so test modules can import :class:`Cli` for annotations.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from agentidp.entrypoints.cli.main import cli

#: argon2 at its cheapest: tests exercise the flow, not the hash's cost.
CHEAP_ARGON2 = {
    "AGENTIDP_ARGON2_TIME_COST": "1",
    "AGENTIDP_ARGON2_MEMORY_COST_KIB": "1024",
    "AGENTIDP_ARGON2_PARALLELISM": "1",
}


def isolated_env(data_dir: Path, **extra: str | None) -> dict[str, str | None]:
    """Every inherited ``AGENTIDP_*`` variable unset (``None``), then a data dir, cheap argon2
    and ``extra``. ``serve`` exports HOST/PORT/WORKERS, so they are listed for CliRunner to
    restore afterwards."""
    env: dict[str, str | None] = {name: None for name in os.environ if name.startswith("AGENTIDP_")}
    env.update({f"AGENTIDP_{name}": None for name in ("HOST", "PORT", "WORKERS")})
    env.update(CHEAP_ARGON2)
    env["AGENTIDP_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


@dataclass
class Cli:
    """Runs ``agentidp`` commands in-process against one data directory."""

    runner: CliRunner
    data_dir: Path

    def __call__(
        self, *args: str, input: str | None = None, env: Mapping[str, str | None] | None = None
    ) -> Result:
        """Invoke ``agentidp *args``; exceptions are caught and reported as exit codes."""
        return self.runner.invoke(
            cli, list(args), input=input, env=isolated_env(self.data_dir, **(env or {}))
        )

    def json(self, *args: str, **kwargs: Any) -> Any:
        """Invoke with ``--json``, assert success and parse stdout."""
        result = self(*args, "--json", **kwargs)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def bootstrap(self, slug: str = "acme", email: str = "admin@acme.example") -> dict[str, Any]:
        """Bootstrap an organization; returns the JSON record (ids and the secret)."""
        record: dict[str, Any] = self.json(
            "bootstrap", "--organization", slug, "--admin-email", email
        )
        return record

    def token(self, client_id: str, secret: str, *extra: str) -> str:
        """An access token for ``client_id`` (secret passed through the environment)."""
        result = self(
            "token",
            "issue",
            "--client-id",
            client_id,
            *extra,
            env={"AGENTIDP_CLIENT_SECRET": secret},
        )
        assert result.exit_code == 0, result.output
        return result.stdout.strip()
