"""OpaHttpPolicyEngine against a loopback server speaking OPA's REST Data API, with the real
policies evaluated behind it (regopy), and every way it can fail closed."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Collection, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from agentidp.adapters.policy import OpaHttpPolicyEngine, RegoPolicyEngine
from agentidp.application.errors import PolicyUnavailable
from agentidp.application.ports.policy import AccessRequest, Decision, policy_input
from agentidp.application.principal import Principal
from agentidp.domain.ids import AgentId, OrganizationId
from agentidp.entrypoints.container import build_container
from agentidp.entrypoints.http.app import create_app
from agentidp.entrypoints.settings import Argon2Parameters, Settings
from tests.e2e.support import agent_body, assert_error, bearer, bootstrap, token_for

POLICIES = Path(str(files("agentidp.policies")))
DATA_API = "/v1/data/agentidp/authz"
PUBLIC_URL = "https://idp.example.test"
ORG = OrganizationId("0b0e0000-0000-4000-8000-00000000000a")
OTHER = "0b0e0000-0000-4000-8000-00000000000b"


class FakeOpa(ThreadingHTTPServer):
    """OPA's Data API on 127.0.0.1: ``POST /v1/data/<path>`` with ``{"input": ...}`` answers
    ``{"result": <document>}`` (``{}`` when undefined). ``mode`` injects failures."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _OpaHandler)
        self.engine = RegoPolicyEngine(POLICIES)
        self.mode = "ok"
        self.delay = 0.0
        self.requests: list[tuple[str, str, Any]] = []

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class _OpaHandler(BaseHTTPRequestHandler):
    server: FakeOpa

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        self.server.requests.append((self.path, self.headers["content-type"], body))
        time.sleep(self.server.delay)
        mode = self.server.mode
        if self.path != DATA_API:
            self._send(404, {"code": "resource_not_found"})
        elif mode == "error":
            self._send(500, {"code": "internal_error", "message": "eval failed"})
        elif mode == "undefined":
            self._send(200, {})  # OPA's answer for an undefined document
        elif mode == "garbage":
            self._send(200, b"<html>proxy error</html>")
        elif mode == "not-object":
            self._send(200, {"result": True})
        elif mode == "string-allow":
            self._send(200, {"result": {"allow": "true"}})
        else:
            self._send(200, {"result": self.server.engine.result(body["input"])})

    def _send(self, status: int, body: Any) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests assert on recorded requests instead."""


@pytest.fixture
def opa() -> Iterator[FakeOpa]:
    """A running fake OPA server."""
    server = FakeOpa()
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def request(
    method: str,
    route: str,
    path: dict[str, str],
    scopes: Collection[str],
    roles: Collection[str] = (),
) -> AccessRequest:
    """A caller of ``ORG`` holding ``scopes`` and ``roles`` asking for ``method route``."""
    principal = Principal(AgentId("a"), ORG, frozenset(scopes), roles=frozenset(roles))
    return AccessRequest(method, route, principal, path)


CASES = [
    request("GET", "/api/v1/agents", {}, {"agents:read"}),
    request("POST", "/api/v1/agents", {}, {"agents:read"}),
    request("PATCH", "/api/v1/organizations/{orgId}", {"orgId": OTHER}, {"admin:orgs"}, {"admin"}),
    request("PATCH", "/api/v1/organizations/{orgId}", {"orgId": ORG}, {"admin:orgs"}, {"member"}),
    request("GET", "/api/v1/nothing", {}, {"admin:platform"}),
]


async def test_opa_and_the_embedded_engine_decide_alike(opa: FakeOpa) -> None:
    """Same policies, same answers, whichever engine evaluates them."""
    engine = OpaHttpPolicyEngine(opa.url)
    embedded = RegoPolicyEngine(POLICIES)
    try:
        for case in CASES:
            assert await engine.decide(case) == await embedded.decide(case)
    finally:
        await engine.aclose()
    assert [allowed for allowed in [(await embedded.decide(c)).allow for c in CASES]] == [
        True,
        False,
        False,
        False,
        False,
    ]


async def test_the_request_is_opas_data_api_wire_format(opa: FakeOpa) -> None:
    """POST /v1/data/agentidp/authz, JSON, {"input": <the documented input>}."""
    engine = OpaHttpPolicyEngine(opa.url + "/")
    try:
        await engine.decide(CASES[0])
    finally:
        await engine.aclose()

    [(path, content_type, body)] = opa.requests
    assert path == DATA_API
    assert content_type == "application/json"
    assert body == {"input": policy_input(CASES[0])}


async def test_an_undefined_document_is_a_refusal(opa: FakeOpa) -> None:
    """OPA answers {} when the package is undefined: deny, never allow."""
    opa.mode = "undefined"
    engine = OpaHttpPolicyEngine(opa.url)
    try:
        decision = await engine.decide(CASES[0])
    finally:
        await engine.aclose()

    assert decision == Decision.deny()


@pytest.mark.parametrize("mode", ["error", "garbage", "not-object", "string-allow"])
async def test_a_failing_or_nonsensical_answer_fails_closed(opa: FakeOpa, mode: str) -> None:
    """500s and answers that are not the documented shape raise PolicyUnavailable."""
    opa.mode = mode
    engine = OpaHttpPolicyEngine(opa.url)
    try:
        with pytest.raises(PolicyUnavailable):
            await engine.decide(CASES[0])
    finally:
        await engine.aclose()


async def test_a_slow_server_times_out_and_fails_closed(opa: FakeOpa) -> None:
    """A decision slower than the timeout is not waited for."""
    opa.delay = 1.0
    engine = OpaHttpPolicyEngine(opa.url, timeout=0.1)
    started = time.monotonic()
    try:
        with pytest.raises(PolicyUnavailable):
            await engine.decide(CASES[0])
    finally:
        await engine.aclose()

    assert time.monotonic() - started < 0.9


async def test_an_unreachable_server_fails_closed() -> None:
    """Nothing listening: PolicyUnavailable, not an allow and not a crash."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    engine = OpaHttpPolicyEngine(f"http://127.0.0.1:{port}", timeout=0.5)
    try:
        with pytest.raises(PolicyUnavailable):
            await engine.decide(CASES[0])
    finally:
        await engine.aclose()


async def test_a_wrong_base_path_fails_closed(opa: FakeOpa) -> None:
    """A 404 (OPA behind a misconfigured prefix) is a failure, not a refusal to audit."""
    engine = OpaHttpPolicyEngine(opa.url + "/prefix")
    try:
        with pytest.raises(PolicyUnavailable):
            await engine.decide(CASES[0])
    finally:
        await engine.aclose()


async def test_the_app_asks_opa_when_configured(opa: FakeOpa) -> None:
    """AGENTIDP_OPA_URL wires the OPA engine into every authenticated request: its answers
    decide (200, 403) and its failure is a 503 (fail closed)."""
    settings = Settings(
        database_url="memory://",
        public_url=PUBLIC_URL,
        argon2=Argon2Parameters(1, 1024, 1),
        opa_url=opa.url,
        opa_timeout_ms=500,
    )
    container = build_container(settings)
    async with AsyncTestClient(app=create_app(container), base_url=PUBLIC_URL) as client:
        tenant = await bootstrap(container, "opa-org")
        admin = bearer(await token_for(client, tenant.client_id, tenant.client_secret))
        reader = bearer(
            await token_for(client, tenant.client_id, tenant.client_secret, "agents:read")
        )

        listed = await client.get("/api/v1/agents", headers=reader)
        refused = await client.post("/api/v1/agents", json=agent_body(), headers=reader)
        opa.mode = "error"
        unavailable = await client.get("/api/v1/agents", headers=admin)

    assert listed.status_code == 200, listed.text
    assert_error(refused, 403, "INSUFFICIENT_SCOPE")
    assert_error(unavailable, 503, "SERVICE_UNAVAILABLE")
    assert {path for path, _, _ in opa.requests} == {DATA_API}
    assert len(opa.requests) == 3
