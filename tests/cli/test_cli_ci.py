"""``agentidp ci register-agent`` and the failure reporting of ``agentidp ci`` against a
loopback stand-in that plays both the runner's token endpoint and the IdP, recording what
it was sent. (``issue-token`` against our real server: tests/e2e/test_ci_issue_token.py.)"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from agentidp.entrypoints.cli.exit_codes import ExitCode
from agentidp.entrypoints.cli.main import cli

RUNNER_SECRET = "runner-secret"
OIDC_JWT = "header.payload.signature"
ACCESS_TOKEN = "bootstrap-access-token"


@dataclass
class StandIn:
    """Scripted answers by path; every request recorded as (method, path, headers, body)."""

    answers: dict[str, tuple[int, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str], Any]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    """The stand-in, listening on a free loopback port."""
    state = StandIn()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            state.requests.append((self.command, self.path, dict(self.headers), body))
            status, document = state.answers.get(self.path.split("?")[0], (404, {}))
            payload = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    state.answers["/runner/token"] = (200, {"value": OIDC_JWT})
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state
    server.shutdown()
    server.server_close()


def invoke(stand_in: StandIn, tmp_path: Path, *args: str) -> tuple[Any, str]:
    """Run ``agentidp ci …`` as an Actions step; returns the result and GITHUB_OUTPUT."""
    output = tmp_path / "output"
    output.write_text("")
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_REPOSITORY": "octo-org/octo-repo",
        "GITHUB_REPOSITORY_OWNER_ID": "1001",
        "GITHUB_REPOSITORY_ID": "2002",
        "GITHUB_REF": "refs/heads/release",
        "ACTIONS_ID_TOKEN_REQUEST_URL": f"{stand_in.url}/runner/token?api-version=2.0",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": RUNNER_SECRET,
        "AGENTIDP_URL": stand_in.url,
        "AGENTIDP_OIDC_AUDIENCE": "",  # empty: the default applies
    }
    result = CliRunner().invoke(cli, ["ci", *args], env=env, catch_exceptions=False)
    return result, output.read_text()


def test_register_agent_exchanges_then_registers(stand_in: StandIn, tmp_path: Path) -> None:
    """Exchange for the registrar's token (agents:write only), then POST /api/v1/agents with
    it and the seed's body; agent-id written to GITHUB_OUTPUT; the token masked first."""
    stand_in.answers["/api/v1/oidc/token"] = (
        200,
        {"access_token": ACCESS_TOKEN, "expires_in": 600},
    )
    stand_in.answers["/api/v1/agents"] = (201, {"agentId": "a-1"})

    result, written = invoke(
        stand_in, tmp_path, "register-agent", "--agent-name", "ci@agents.example"
    )

    assert result.exit_code == ExitCode.OK, result.output
    assert written == "agent-id=a-1\n"
    runner, exchange, register = stand_in.requests
    assert runner[1] == f"/runner/token?api-version=2.0&audience={quote(stand_in.url, safe='')}"
    assert runner[2]["Authorization"] == f"Bearer {RUNNER_SECRET}"
    # No registrar named: the IdP picks the one agent bound to the workflow; least privilege.
    assert exchange[3] == {"provider": "github", "token": OIDC_JWT, "scope": "agents:write"}
    assert register[2]["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert register[3] == {
        "email": "ci@agents.example",
        "agentType": "custom",
        "version": "1.0.0",
        "capabilities": [],
        "owner": "ci@agents.example",
        "deploymentEnv": "production",
    }
    lines = result.output.splitlines()
    assert f"::add-mask::{ACCESS_TOKEN}" in lines
    assert all(ACCESS_TOKEN not in line for line in lines if not line.startswith("::add-mask::"))


def test_exchange_refusal_prints_the_missing_policy(stand_in: StandIn, tmp_path: Path) -> None:
    """A 403 on the exchange prints the curl of the policy to create, for this repository,
    its ids, its branch and the registrar agent; nothing is written; exit FORBIDDEN."""
    stand_in.answers["/api/v1/oidc/token"] = (
        403,
        {"code": "TRUST_POLICY_NOT_FOUND", "message": "Trust policy violation."},
    )

    result, written = invoke(
        stand_in,
        tmp_path,
        "register-agent",
        "--agent-name",
        "x@y.example",
        "--registrar-agent-id",
        "r-1",
    )

    assert result.exit_code == ExitCode.FORBIDDEN
    assert written == ""
    assert "TRUST_POLICY_NOT_FOUND: Trust policy violation." in result.output
    curl = result.output.split("-d '", 1)[1].split("'", 1)[0]
    assert json.loads(curl) == {
        "provider": "github",
        "repository": "octo-org/octo-repo",
        "repositoryOwnerId": "1001",
        "repositoryId": "2002",
        "agentId": "r-1",
        "branch": "release",
    }
    assert "::error title=agentidp::" in result.output


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (401, {"code": "OIDC_TOKEN_INVALID", "message": "bad"}, ExitCode.UNAUTHENTICATED),
        (409, {"code": "AGENT_ALREADY_EXISTS", "message": "taken"}, ExitCode.CONFLICT),
        (400, {"error": "invalid_request", "error_description": "no"}, ExitCode.INVALID),
        (502, "gateway down", ExitCode.UNAVAILABLE),
    ],
)
def test_other_refusals_map_to_exit_codes(
    stand_in: StandIn, tmp_path: Path, status: int, body: Any, code: ExitCode
) -> None:
    """Each refusal exits with the code of the same HTTP status (docs/cli.md)."""
    stand_in.answers["/api/v1/oidc/token"] = (200, {"access_token": ACCESS_TOKEN})
    stand_in.answers["/api/v1/agents"] = (status, body)

    result, written = invoke(stand_in, tmp_path, "register-agent", "--agent-name", "x@y.example")

    assert result.exit_code == code, result.output
    assert written == ""


@pytest.mark.parametrize(
    "answer", [{"access_token": ""}, {"token": "x"}, {"access_token": "a\nb=c"}]
)
def test_unusable_exchange_answers_are_refused(
    stand_in: StandIn, tmp_path: Path, answer: dict[str, Any]
) -> None:
    """No access token, or one that would inject another output line: nothing written."""
    stand_in.answers["/api/v1/oidc/token"] = (200, answer)

    result, written = invoke(stand_in, tmp_path, "issue-token", "--agent-id", "a-1")

    assert result.exit_code == ExitCode.INTERNAL, result.output
    assert written == ""
