"""The installed ``agentidp`` console script works end to end in a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cli_harness import isolated_env


def _script() -> str:
    """The console script installed next to this interpreter (the project's venv)."""
    return str(Path(sys.executable).parent / "agentidp")


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_script(), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_console_script_bootstraps_and_issues_a_token(tmp_path: Path) -> None:
    """``agentidp bootstrap`` then ``agentidp token issue`` in subprocesses."""
    base = {k: v for k, v in isolated_env(tmp_path / "data").items() if v is not None}
    env = {"PATH": "/usr/bin:/bin", **base}

    booted = _run(["bootstrap", "-o", "acme", "--admin-email", "a@acme.example", "--json"], env)
    record = json.loads(booted.stdout)
    issued = _run(
        ["token", "issue", "--client-id", record["clientId"]],
        {**env, "AGENTIDP_CLIENT_SECRET": record["clientSecret"]},
    )

    assert booted.returncode == 0, booted.stderr
    assert issued.returncode == 0, issued.stderr
    assert issued.stdout.strip().count(".") == 2
    assert "Traceback" not in booted.stderr + issued.stderr
