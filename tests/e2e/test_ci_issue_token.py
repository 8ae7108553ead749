"""``agentidp ci issue-token`` end to end, as a GitHub Actions step runs it: the console script
in a subprocess, a loopback stand-in for the runner's OIDC token endpoint (minting through the
loopback GitHub issuer), and our server under uvicorn trusting that issuer."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn
import yaml

from agentidp.entrypoints.cli.exit_codes import ExitCode
from agentidp.entrypoints.container import build_container
from agentidp.entrypoints.http.app import create_app
from agentidp.entrypoints.settings import Argon2Parameters, GitHubOidcSettings, Settings
from tests.support.github_oidc import LoopbackGitHubIssuer, Repository

from .support import Tenant, agent_body, bearer, bootstrap, unique_email
from .test_interop import free_port

AGENTIDP: Final = str(Path(sys.executable).with_name("agentidp"))
RUNNER_SECRET: Final = "runner-request-token-" + "x" * 24
REPO: Final = Repository()
ACTIONS: Final = Path(__file__).resolve().parents[2] / "deploy" / "github-actions"


@dataclass
class RunnerTokenEndpoint:
    """Stands in for the Actions runtime's token service: ``GET <url>&audience=<aud>`` with
    ``Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN`` → ``{"value": <jwt>}``."""

    issuer: LoopbackGitHubIssuer
    audiences: list[str] = field(default_factory=list)
    url: str = ""

    def serve(self) -> ThreadingHTTPServer:
        """Start listening on a free loopback port (a thread)."""
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                if self.headers.get("Authorization") != f"Bearer {RUNNER_SECRET}":
                    self._answer(401, {"message": "bad runtime token"})
                    return
                if query.get("api-version") != ["2.0"] or len(query.get("audience", [])) != 1:
                    self._answer(400, {"message": "bad query"})
                    return
                audience = query["audience"][0]
                endpoint.audiences.append(audience)
                claims = endpoint.issuer.claims(audience=audience, repository=REPO)
                self._answer(200, {"value": endpoint.issuer.mint(claims)})

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{server.server_address[1]}/token?api-version=2.0"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server


@dataclass(frozen=True)
class Deployment:
    """Our server, the admin of an organization, and the runner stand-in."""

    url: str
    admin: Tenant
    runner: RunnerTokenEndpoint

    def admin_token(self) -> str:
        """A fresh administrator token (client credentials)."""
        response = httpx.post(
            f"{self.url}/api/v1/token",
            data={"grant_type": "client_credentials"},
            auth=(self.admin.client_id, self.admin.client_secret),
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def new_agent(self, scopes: tuple[str, ...] = ("agents:read",)) -> str:
        """Register an agent with ``scopes``; its id."""
        response = httpx.post(
            f"{self.url}/api/v1/agents",
            json=agent_body(scopes=list(scopes)),
            headers=bearer(self.admin_token()),
        )
        assert response.status_code == 201, response.text
        return str(response.json()["agentId"])

    def trust(self, agent_id: str | None) -> None:
        """Create the trust policy binding the repository (main branch) to ``agent_id``, or a
        bootstrap policy (``None``)."""
        body = {
            "provider": "github",
            "repository": REPO.slug,
            "repositoryOwnerId": REPO.owner_id,
            "repositoryId": REPO.repository_id,
            **({"agentId": agent_id} if agent_id else {}),
            "branch": "main",
        }
        response = httpx.post(
            f"{self.url}/api/v1/oidc/trust-policies", json=body, headers=bearer(self.admin_token())
        )
        assert response.status_code == 201, response.text


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    """Issuer, runner stand-in and our server (uvicorn in a thread) trusting the issuer."""
    with LoopbackGitHubIssuer() as issuer:
        runner = RunnerTokenEndpoint(issuer)
        runner_server = runner.serve()
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        settings = Settings(
            database_url="memory://",
            public_url=url,
            argon2=Argon2Parameters(1, 1024, 1),
            github_oidc=GitHubOidcSettings(issuer=issuer.url, allow_loopback_http=True),
        )
        container = build_container(settings)
        server = uvicorn.Server(
            uvicorn.Config(create_app(container), host="127.0.0.1", port=port, log_level="warning")
        )
        loop = asyncio.new_event_loop()
        thread = threading.Thread(
            target=loop.run_until_complete, args=(server.serve(),), daemon=True
        )
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            assert thread.is_alive(), "uvicorn exited during start-up"
            time.sleep(0.02)
        admin = asyncio.run_coroutine_threadsafe(bootstrap(container, "ci-org"), loop).result(30)
        try:
            yield Deployment(url, admin, runner)
        finally:
            server.should_exit = True
            thread.join(10)
            loop.close()
            runner_server.shutdown()
            runner_server.server_close()


def run_step(
    deployment: Deployment, tmp_path: Path, *args: str, **env: str
) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run the console script as an Actions step would; returns it and the GITHUB_OUTPUT."""
    output = tmp_path / "github_output"
    output.write_text("")
    variables = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_REPOSITORY": REPO.slug,
        "GITHUB_REPOSITORY_OWNER_ID": REPO.owner_id,
        "GITHUB_REPOSITORY_ID": REPO.repository_id,
        "GITHUB_REF": "refs/heads/main",
        "ACTIONS_ID_TOKEN_REQUEST_URL": deployment.runner.url,
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": RUNNER_SECRET,
        "AGENTIDP_URL": deployment.url + "/",
        **env,
    }
    variables = {name: value for name, value in variables.items() if value}
    process = subprocess.run(
        [AGENTIDP, "ci", *args],
        env=variables,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return process, output.read_text()


def outputs(text: str) -> dict[str, str]:
    """``name=value`` lines of a GITHUB_OUTPUT file."""
    return dict(line.split("=", 1) for line in text.splitlines() if line)


def test_issue_token_outputs_a_masked_working_token(deployment: Deployment, tmp_path: Path) -> None:
    """With a trust policy, the step masks the token first, writes access-token and
    expires-at to GITHUB_OUTPUT, and the token works on /agent-info for that agent."""
    agent_id = deployment.new_agent()
    deployment.trust(agent_id)

    process, written = run_step(deployment, tmp_path, "issue-token", AGENTIDP_AGENT_ID=agent_id)

    assert process.returncode == ExitCode.OK, process.stderr
    values = outputs(written)
    action = yaml.safe_load((ACTIONS / "issue-token" / "action.yml").read_text())
    assert set(values) == set(action["outputs"])  # exactly what the action exposes
    token = values["access-token"]
    lines = process.stdout.splitlines()
    assert f"::add-mask::{token}" in lines
    first_with_token = next(line for line in lines if token in line)
    assert first_with_token == f"::add-mask::{token}"  # masked before anything prints it
    assert token not in process.stderr
    expires_at = time.mktime(time.strptime(values["expires-at"], "%Y-%m-%dT%H:%M:%SZ"))
    assert 3000 < expires_at - time.mktime(time.gmtime()) <= 3600
    # The runner was asked for our audience: the IdP URL without its trailing slash.
    assert deployment.runner.audiences[-1] == deployment.url
    info = httpx.get(f"{deployment.url}/agent-info", headers=bearer(token))
    assert info.status_code == 200, info.text
    assert info.json()["sub"] == agent_id


def test_without_github_output_the_token_is_printed(deployment: Deployment, tmp_path: Path) -> None:
    """Outside a step with GITHUB_OUTPUT (e.g. TOKEN=$(agentidp ci issue-token)), the token
    alone is printed."""
    agent_id = deployment.new_agent()
    deployment.trust(agent_id)

    process, _ = run_step(
        deployment,
        tmp_path,
        "issue-token",
        "--agent-id",
        agent_id,
        GITHUB_OUTPUT="",
        GITHUB_ACTIONS="",
    )

    assert process.returncode == ExitCode.OK, process.stderr
    token = process.stdout.strip()
    assert httpx.get(f"{deployment.url}/agent-info", headers=bearer(token)).status_code == 200


def test_missing_trust_policy_fails_with_setup_instructions(
    deployment: Deployment, tmp_path: Path
) -> None:
    """No policy for this repository and agent: exit FORBIDDEN, nothing written, and a
    message with the curl that creates the policy for this very repository and agent."""
    agent_id = deployment.new_agent()

    process, written = run_step(deployment, tmp_path, "issue-token", AGENTIDP_AGENT_ID=agent_id)

    assert process.returncode == ExitCode.FORBIDDEN, process.stderr
    assert written == ""
    assert "TRUST_POLICY_NOT_FOUND" in process.stderr
    assert f"{deployment.url}/api/v1/oidc/trust-policies" in process.stderr
    for value in (REPO.slug, REPO.owner_id, REPO.repository_id, agent_id, '"branch": "main"'):
        assert value in process.stderr
    assert any(line.startswith("::error") for line in process.stdout.splitlines())


def test_outside_an_oidc_enabled_job_it_explains_the_permission(
    deployment: Deployment, tmp_path: Path
) -> None:
    """Without the runner's variables: exit USAGE and a pointer to id-token: write."""
    process, written = run_step(
        deployment,
        tmp_path,
        "issue-token",
        AGENTIDP_AGENT_ID=deployment.admin.client_id,
        ACTIONS_ID_TOKEN_REQUEST_URL="",
        ACTIONS_ID_TOKEN_REQUEST_TOKEN="",
    )

    assert process.returncode == ExitCode.USAGE
    assert "id-token: write" in process.stderr
    assert written == ""


def test_runner_refusal_and_unreachable_idp_are_reported(
    deployment: Deployment, tmp_path: Path
) -> None:
    """A wrong runner request token and an IdP nobody listens on: exit UNAVAILABLE with a
    message, never a traceback; the runner secret is never echoed."""
    refused, _ = run_step(
        deployment,
        tmp_path,
        "issue-token",
        AGENTIDP_AGENT_ID=deployment.admin.client_id,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN="wrong",
    )
    unreachable, _ = run_step(
        deployment,
        tmp_path,
        "issue-token",
        AGENTIDP_AGENT_ID=deployment.admin.client_id,
        AGENTIDP_URL=f"http://127.0.0.1:{free_port()}",
    )

    assert refused.returncode == ExitCode.UNAVAILABLE
    assert "id-token: write" in refused.stderr
    assert unreachable.returncode == ExitCode.UNAVAILABLE
    assert "Cannot reach" in unreachable.stderr
    for process in (refused, unreachable):
        assert "Traceback" not in process.stderr
        assert RUNNER_SECRET not in process.stderr


def test_register_agent_acts_as_the_registrar(deployment: Deployment, tmp_path: Path) -> None:
    """register-agent exchanges for the registrar's token (the one agent bound to the
    workflow) and registers the new agent, whose id lands in GITHUB_OUTPUT."""
    registrar = deployment.new_agent(("agents:read", "agents:write"))
    deployment.trust(registrar)
    name = unique_email("ci")

    process, written = run_step(
        deployment,
        tmp_path,
        "register-agent",
        AGENTIDP_AGENT_NAME=name,
        AGENTIDP_REGISTRAR_AGENT_ID=registrar,
    )

    assert process.returncode == ExitCode.OK, process.stderr
    agent_id = outputs(written)["agent-id"]
    created = httpx.get(
        f"{deployment.url}/api/v1/agents/{agent_id}", headers=bearer(deployment.admin_token())
    )
    assert created.status_code == 200, created.text
    assert (created.json()["email"], created.json()["agentType"]) == (name, "custom")


def test_register_agent_in_bootstrap_mode_then_issue_its_token(
    deployment: Deployment, tmp_path: Path
) -> None:
    """The seed's flow: a bootstrap policy (no agent), register-agent without a registrar,
    then issue-token for the new agent in a later job (its own policy was created with it)."""
    deployment.trust(None)
    name = unique_email("boot")

    process, written = run_step(deployment, tmp_path, "register-agent", AGENTIDP_AGENT_NAME=name)

    assert process.returncode == ExitCode.OK, process.stderr
    agent_id = outputs(written)["agent-id"]
    process, written = run_step(
        deployment, tmp_path, "issue-token", AGENTIDP_AGENT_ID=agent_id
    )
    assert process.returncode == ExitCode.OK, process.stderr
    token = outputs(written)["access-token"]
    info = httpx.get(f"{deployment.url}/agent-info", headers=bearer(token))
    assert info.status_code == 200, info.text
    assert info.json()["sub"] == agent_id
