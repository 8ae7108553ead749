"""A loopback federation partner IdP for tests: serves key sets over real HTTP and mints
tokens with real RS256/ES256 signatures (PyJWT, independent of our own JOSE code).

Each key set lives at its own path (``/jwks/<name>.json``), so a test can point a partner at
another set (a ``jwks_uri`` change) or make one unreachable (:meth:`PartnerIdp.take_down`).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass
class PartnerKey:
    """One signing key of the partner and its public JWK."""

    kid: str
    alg: str
    private: PrivateKey

    @classmethod
    def generate(cls, alg: str = "RS256") -> PartnerKey:
        """A fresh RS256 (RSA 2048) or ES256 (P-256) key."""
        private: PrivateKey = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            if alg == "RS256"
            else ec.generate_private_key(ec.SECP256R1())
        )
        return cls(kid=uuid.uuid4().hex[:16], alg=alg, private=private)

    def public_jwk(self) -> dict[str, Any]:
        """The public JWK, with ``kid``, ``alg`` and ``use``."""
        algorithm = RSAAlgorithm if self.alg == "RS256" else ECAlgorithm
        jwk = json.loads(algorithm.to_jwk(self.private.public_key()))
        return {**jwk, "kid": self.kid, "alg": self.alg, "use": "sig"}


@dataclass
class PartnerIdp:
    """The partner: an issuer URL, named key sets served over HTTP, and token minting."""

    base_url: str
    audience: str
    key_sets: dict[str, list[PartnerKey]] = field(default_factory=dict)
    down: set[str] = field(default_factory=set)
    fetches: dict[str, int] = field(default_factory=dict)

    @property
    def issuer(self) -> str:
        """The partner's ``iss``."""
        return self.base_url

    def jwks_uri(self, name: str = "main") -> str:
        """Where key set ``name`` is served (created empty on first use)."""
        self.key_sets.setdefault(name, [])
        return f"{self.base_url}/jwks/{name}.json"

    def add_key(self, name: str = "main", alg: str = "RS256") -> PartnerKey:
        """Generate a key and publish it in key set ``name``."""
        key = PartnerKey.generate(alg)
        self.key_sets.setdefault(name, []).append(key)
        return key

    def take_down(self, name: str) -> None:
        """Make key set ``name`` answer 503 from now on."""
        self.down.add(name)

    def bring_up(self, name: str) -> None:
        """Serve key set ``name`` again."""
        self.down.discard(name)

    def mint(
        self,
        key: PartnerKey,
        *,
        lifetime: int = 300,
        headers: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        """A token signed by ``key``: ``iss``, ``sub``, ``aud``, ``iat``, ``exp`` by default,
        overridden (or removed, with ``None``) by ``claims``."""
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": self.issuer,
            "sub": "agent-001-external",
            "aud": self.audience,
            "iat": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
        }
        payload.update(claims)
        payload = {name: value for name, value in payload.items() if value is not None}
        return jwt.encode(
            payload, key.private, algorithm=key.alg, headers={"kid": key.kid, **(headers or {})}
        )


def _handler(idp: PartnerIdp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            name = self.path.removeprefix("/jwks/").removesuffix(".json")
            idp.fetches[name] = idp.fetches.get(name, 0) + 1
            if not self.path.startswith("/jwks/") or name not in idp.key_sets:
                self._answer(404, {"error": "not found"})
            elif name in idp.down:
                self._answer(503, {"error": "down"})
            else:
                self._answer(200, {"keys": [key.public_jwk() for key in idp.key_sets[name]]})

        def _answer(self, status: int, document: dict[str, Any]) -> None:
            body = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read ``idp.fetches`` instead."""

    return Handler


@contextmanager
def running_partner(audience: str) -> Iterator[PartnerIdp]:
    """A partner IdP listening on 127.0.0.1 (a free port) until the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    idp = PartnerIdp(base_url=f"http://127.0.0.1:{server.server_address[1]}", audience=audience)
    server.RequestHandlerClass = _handler(idp)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield idp
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
