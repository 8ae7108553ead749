"""``serve`` hands the right options to uvicorn; ``migrate`` reports what it applied."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn
from cli_harness import Cli


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, dict[str, Any]]]:
    """Record ``uvicorn.run`` calls instead of starting a server."""
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append((app, kwargs)))
    return calls


def test_serve_runs_the_factory_with_access_log_off(agentidp: Cli, uvicorn_calls: list) -> None:
    """Defaults: the app factory by import string, settings' host and port, no access log."""
    result = agentidp("serve")

    assert result.exit_code == 0, result.output
    [(app, options)] = uvicorn_calls
    assert app == "agentidp.entrypoints.http.app:app_from_env"
    assert options["factory"] is True
    assert options["access_log"] is False
    assert (options["host"], options["port"], options["workers"]) == ("127.0.0.1", 8000, 1)


def test_serve_options_override_settings(agentidp: Cli, uvicorn_calls: list) -> None:
    """``--host/--port/--workers/--access-log`` reach uvicorn."""
    result = agentidp(
        "serve", "--host", "0.0.0.0", "--port", "9001", "--workers", "2", "--access-log"
    )

    assert result.exit_code == 0, result.output
    [(app, options)] = uvicorn_calls
    assert isinstance(app, str)  # several workers need an import string
    assert (options["host"], options["port"], options["workers"]) == ("0.0.0.0", 9001, 2)
    assert options["access_log"] is True


def test_serve_refuses_bad_configuration_before_starting(
    agentidp: Cli, uvicorn_calls: list
) -> None:
    """A configuration error exits 2 and no server is started."""
    result = agentidp("serve", env={"AGENTIDP_SIGNING_ALGORITHM": "HS256"})

    assert result.exit_code == 2
    assert "CONFIGURATION_ERROR: AGENTIDP_SIGNING_ALGORITHM" in result.stderr
    assert uvicorn_calls == []


def test_migrate_applies_once_then_reports_up_to_date(agentidp: Cli) -> None:
    """The first run lists the applied files, the second has nothing to do."""
    first = agentidp("migrate")
    second = agentidp("migrate")
    again = agentidp.json("migrate")

    assert first.exit_code == 0, first.output
    assert "applied 0001_core.sql" in first.stdout
    assert "up to date" in second.stdout
    assert again == {"applied": [], "upToDate": True}


def test_migrate_on_the_memory_store_has_nothing_to_do(agentidp: Cli) -> None:
    """The memory store has no schema."""
    result = agentidp("migrate", env={"AGENTIDP_DATABASE_URL": "memory://"})

    assert result.exit_code == 0, result.output
    assert "nothing to migrate" in result.stdout


def test_version_and_help(agentidp: Cli) -> None:
    """``--version`` and ``--help`` work without any configuration."""
    version = agentidp("--version")
    help_text = agentidp("--help")

    assert version.exit_code == 0
    assert "agentidp" in version.stdout
    assert all(name in help_text.stdout for name in ("serve", "agents", "token", "audit"))
