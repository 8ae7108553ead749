"""Third-party interoperability: authlib fetches tokens and PyJWT verifies them via our JWKS,
against the real app served by uvicorn on a loopback port."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import jwt
import pytest
import uvicorn
from authlib.integrations.base_client.errors import OAuthError

from agentidp.entrypoints.container import build_container
from agentidp.entrypoints.http.app import create_app
from agentidp.entrypoints.settings import Argon2Parameters, Settings

from .support import Tenant, bootstrap

with warnings.catch_warnings():
    # NOTE: authlib 1.9 prefers the ``httpx2`` package and warns when it falls back to httpx.
    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.integrations.httpx_client import OAuth2Client

WRONG_SECRET = "sk_live_" + "f" * 64


@dataclass(frozen=True, slots=True)
class LiveServer:
    """A running server, the algorithm it signs with and an administrator's credentials."""

    url: str
    algorithm: str
    tenant: Tenant

    @property
    def token_endpoint(self) -> str:
        """The token endpoint URL."""
        return f"{self.url}/api/v1/token"


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module", params=["RS256", "ES256"])
def live_server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """The app under uvicorn in a background thread (its own event loop), bootstrapped."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url="memory://", public_url=url, signing_algorithm=request.param,
        argon2=Argon2Parameters(1, 1024, 1),
    )
    container = build_container(settings)
    server = uvicorn.Server(
        uvicorn.Config(create_app(container), host="127.0.0.1", port=port, log_level="warning")
    )
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        assert thread.is_alive(), "uvicorn exited during start-up"
        time.sleep(0.02)
    # The memory store lives in the server's loop: bootstrap there.
    tenant = asyncio.run_coroutine_threadsafe(bootstrap(container, "interop"), loop).result(30)
    yield LiveServer(url, request.param, tenant)
    server.should_exit = True
    thread.join(10)
    loop.close()


def verify_with_jwks(live: LiveServer, access_token: str) -> dict[str, object]:
    """Verify ``access_token`` with PyJWT through our JWKS, every check pinned."""
    jwks = jwt.PyJWKClient(f"{live.url}/.well-known/jwks.json", cache_keys=False)
    key = jwks.get_signing_key_from_jwt(access_token).key
    return dict(
        jwt.decode(
            access_token,
            key,
            algorithms=[live.algorithm],
            audience=live.url,
            issuer=live.url,
            options={
                "verify_signature": True, "verify_exp": True, "verify_iat": True,
                "verify_aud": True, "verify_iss": True,
                "require": ["exp", "iat", "iss", "aud", "sub", "jti"],
            },
        )
    )


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_authlib_token_verifies_with_pyjwt(live_server: LiveServer, method: str) -> None:
    """authlib gets a client_credentials token and PyJWT verifies it through our JWKS."""
    tenant = live_server.tenant
    with OAuth2Client(
        client_id=tenant.client_id, client_secret=tenant.client_secret,
        token_endpoint_auth_method=method, timeout=10,
    ) as oauth:
        token = oauth.fetch_token(live_server.token_endpoint, grant_type="client_credentials")

    claims = verify_with_jwks(live_server, token["access_token"])

    assert token["token_type"].lower() == "bearer"
    assert claims["sub"] == tenant.client_id
    assert claims["organization_id"] == tenant.organization_id
    assert jwt.get_unverified_header(token["access_token"])["alg"] == live_server.algorithm


def test_authlib_with_a_wrong_secret_raises(live_server: LiveServer) -> None:
    """A wrong secret makes authlib raise OAuthError invalid_client (our 401 has "error")."""
    with OAuth2Client(
        client_id=live_server.tenant.client_id, client_secret=WRONG_SECRET,
        token_endpoint_auth_method="client_secret_basic", timeout=10,
    ) as oauth, pytest.raises(OAuthError) as raised:
        oauth.fetch_token(live_server.token_endpoint, grant_type="client_credentials")

    assert raised.value.error == "invalid_client"


def test_discovery_driven_client(live_server: LiveServer) -> None:
    """A client that only knows the issuer finds the token endpoint and calls the API."""
    tenant = live_server.tenant
    metadata = httpx.get(f"{live_server.url}/.well-known/oauth-authorization-server").json()
    with OAuth2Client(
        client_id=tenant.client_id, client_secret=tenant.client_secret,
        token_endpoint_auth_method="client_secret_basic", timeout=10,
    ) as oauth:
        oauth.fetch_token(metadata["token_endpoint"], grant_type="client_credentials",
                          scope="agents:read")
        info = oauth.get(f"{live_server.url}/agent-info")

    assert metadata["issuer"] == live_server.url
    assert info.status_code == 200
    assert info.json()["sub"] == tenant.client_id
    assert info.json()["scope"] == "agents:read"
