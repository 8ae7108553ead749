"""A loopback GitHub Actions OIDC issuer for tests.

It serves ``/.well-known/openid-configuration`` and ``/.well-known/jwks`` over real HTTP on
127.0.0.1 (a thread), counts every fetch, and mints GitHub-shaped RS256 tokens with the claims
a real Actions token carries. Hostile variants (alg=none, HS256 keyed with the public key, a
key the issuer never published, tampered payloads) are built here too, so security tests name
the attack rather than re-implementing JWS.

Usage::

    with LoopbackGitHubIssuer() as issuer:
        token = issuer.mint(issuer.claims(audience="http://127.0.0.1:8000"))

The settings the IdP needs: ``AGENTIDP_GITHUB_OIDC_ISSUER=issuer.url``,
``AGENTIDP_JWKS_ALLOW_LOOPBACK_HTTP=true`` (and optionally ``AGENTIDP_GITHUB_OIDC_JWKS_URL``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

JWKS_PATH = "/.well-known/jwks"
DISCOVERY_PATH = "/.well-known/openid-configuration"


def b64url(data: bytes) -> str:
    """Unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _uint(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@dataclass
class SigningKey:
    """One RSA key of the issuer and its kid."""

    kid: str
    private_key: rsa.RSAPrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        """A fresh 2048-bit key with a random kid."""
        return cls(uuid.uuid4().hex, rsa.generate_private_key(public_exponent=65537, key_size=2048))

    def public_jwk(self) -> dict[str, str]:
        """The JWK GitHub publishes for it."""
        numbers = self.private_key.public_key().public_numbers()
        return {
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": self.kid,
            "n": _uint(numbers.n),
            "e": _uint(numbers.e),
        }

    def public_pem(self) -> bytes:
        """The public key as PEM (what an HS256 key-confusion attack uses as the secret)."""
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


@dataclass
class Repository:
    """A GitHub repository as Actions tokens name it."""

    owner: str = "octo-org"
    name: str = "octo-repo"
    owner_id: str = "1001"
    repository_id: str = "2002"

    @property
    def slug(self) -> str:
        """``owner/name``."""
        return f"{self.owner}/{self.name}"


@dataclass
class LoopbackGitHubIssuer:
    """The issuer: keys, an HTTP server, and a token minter."""

    keys: list[SigningKey] = field(default_factory=lambda: [SigningKey.generate()])
    #: Fetches served, by path.
    hits: Counter[str] = field(default_factory=Counter)
    _server: ThreadingHTTPServer | None = None

    # -- server ------------------------------------------------------------------------------

    def __enter__(self) -> Self:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                issuer.hits[self.path] += 1
                if self.path == DISCOVERY_PATH:
                    body = {"issuer": issuer.url, "jwks_uri": issuer.jwks_url}
                elif self.path == JWKS_PATH:
                    body = {"keys": [key.public_jwk() for key in issuer.keys]}
                else:
                    self.send_error(404)
                    return
                payload = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        """The issuer URL (``iss``), e.g. ``http://127.0.0.1:54321``."""
        assert self._server is not None, "use the issuer as a context manager"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def jwks_url(self) -> str:
        """Where the keys are published."""
        return self.url + JWKS_PATH

    @property
    def current(self) -> SigningKey:
        """The key new tokens are signed with (the last one)."""
        return self.keys[-1]

    def rotate(self) -> SigningKey:
        """Publish and sign with a new key (the old one stays published, as GitHub does)."""
        key = SigningKey.generate()
        self.keys.append(key)
        return key

    # -- tokens ------------------------------------------------------------------------------

    def claims(
        self,
        *,
        audience: str,
        repository: Repository | None = None,
        ref: str = "refs/heads/main",
        environment: str | None = None,
        workflow: str = ".github/workflows/deploy.yml",
        sub_format: str = "classic",
        now: float | None = None,
        lifetime: int = 300,
        **overrides: Any,
    ) -> dict[str, Any]:
        """The claims of a GitHub Actions token (``sub_format``: ``classic`` or ``ids``, the
        2026 format ``repo:owner@id/repo@id:...``); ``overrides`` replace any claim (``None``
        removes it)."""
        repo = repository or Repository()
        issued = int(time.time() if now is None else now)
        slug = (
            repo.slug
            if sub_format == "classic"
            else f"{repo.owner}@{repo.owner_id}/{repo.name}@{repo.repository_id}"
        )
        context = f"environment:{environment}" if environment else f"ref:{ref}"
        workflow_ref = f"{repo.slug}/{workflow}@{ref}"
        claims: dict[str, Any] = {
            "jti": str(uuid.uuid4()),
            "sub": f"repo:{slug}:{context}",
            "aud": audience,
            "ref": ref,
            "sha": "a" * 40,
            "repository": repo.slug,
            "repository_owner": repo.owner,
            "repository_owner_id": repo.owner_id,
            "repository_id": repo.repository_id,
            "repository_visibility": "private",
            "run_id": "5000000001",
            "run_number": "7",
            "run_attempt": "1",
            "runner_environment": "github-hosted",
            "actor": "octocat",
            "actor_id": "3003",
            "workflow": "deploy",
            "head_ref": "",
            "base_ref": "",
            "event_name": "push",
            "ref_type": "branch",
            "workflow_ref": workflow_ref,
            "workflow_sha": "a" * 40,
            "job_workflow_ref": workflow_ref,
            "job_workflow_sha": "a" * 40,
            "iss": self.url,
            "nbf": issued - 5,
            "iat": issued,
            "exp": issued + lifetime,
        }
        if environment:
            claims["environment"] = environment
        for name, value in overrides.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return claims

    def mint(
        self,
        claims: Mapping[str, Any],
        *,
        key: SigningKey | None = None,
        header: Mapping[str, Any] | None = None,
    ) -> str:
        """An RS256 compact JWS of ``claims`` (``header`` overrides header members)."""
        signing_key = key or self.current
        protected = {"alg": "RS256", "typ": "JWT", "kid": signing_key.kid, **(header or {})}
        signing_input = (
            f"{b64url(json.dumps(protected).encode())}.{b64url(json.dumps(dict(claims)).encode())}"
        )
        signature = signing_key.private_key.sign(
            signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256()
        )
        return f"{signing_input}.{b64url(signature)}"

    def mint_unsigned(self, claims: Mapping[str, Any]) -> str:
        """``alg: none`` with an empty signature."""
        header = {"alg": "none", "typ": "JWT", "kid": self.current.kid}
        return f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(dict(claims)).encode())}."

    def mint_hs256_with_public_key(self, claims: Mapping[str, Any]) -> str:
        """HS256 keyed with the issuer's public key PEM: the classic key-confusion attack."""
        header = {"alg": "HS256", "typ": "JWT", "kid": self.current.kid}
        signing_input = (
            f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(dict(claims)).encode())}"
        )
        mac = hmac.new(self.current.public_pem(), signing_input.encode("ascii"), hashlib.sha256)
        return f"{signing_input}.{b64url(mac.digest())}"

    def mint_with_unpublished_key(self, claims: Mapping[str, Any]) -> str:
        """Signed by a key the issuer never published (a random kid)."""
        return self.mint(claims, key=SigningKey.generate())

    def forge(self, claims: Mapping[str, Any]) -> str:
        """A token whose payload was swapped after signing (the signature no longer fits)."""
        header, _, signature = self.mint(claims).split(".")
        forged = dict(claims, repository="evil-org/octo-repo")
        return f"{header}.{b64url(json.dumps(forged).encode())}.{signature}"
