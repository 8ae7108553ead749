"""Shared keys and token builders for the crypto integration tests."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from agentidp.adapters.crypto import base64url, jws_algorithms
from agentidp.adapters.crypto.keys import MemoryKeyStore, SigningKey
from agentidp.adapters.crypto.signer import JwtTokenSigner

ALGORITHMS = ("RS256", "ES256", "EdDSA")

Forge = Callable[..., str]


@pytest.fixture(scope="session")
def stores() -> dict[str, MemoryKeyStore]:
    """One in-memory key store per algorithm, shared by the session (RSA keys are slow)."""
    return {alg: MemoryKeyStore(alg) for alg in ALGORITHMS}


@pytest.fixture(scope="session")
def signers(stores: dict[str, MemoryKeyStore]) -> dict[str, JwtTokenSigner]:
    """A signer per algorithm over :func:`stores`."""
    return {alg: JwtTokenSigner(store) for alg, store in stores.items()}


@pytest.fixture(scope="session")
def claims() -> Callable[[], dict[str, Any]]:
    """A factory of valid access-token claims."""

    def make() -> dict[str, Any]:
        now, agent = int(time.time()), str(uuid.uuid4())
        return {
            "iss": "https://idp.example.test", "sub": agent, "aud": "https://api.example.test",
            "client_id": agent, "scope": "agents:read", "organization_id": str(uuid.uuid4()),
            "jti": str(uuid.uuid4()), "iat": now, "exp": now + 3600,
        }

    return make


@pytest.fixture(scope="session")
def forge() -> Forge:
    """Sign an arbitrary header and payload with a real key, the way an attacker holding
    (or guessing) parts of a token would assemble one. ``header`` may be raw bytes."""

    def build(header: dict[str, Any] | bytes, payload: dict[str, Any] | bytes,
              key: SigningKey) -> str:
        raw_header = header if isinstance(header, bytes) else json.dumps(header).encode()
        raw_payload = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        signing_input = f"{base64url.encode(raw_header)}.{base64url.encode(raw_payload)}"
        signature = jws_algorithms.signer_for(key.private_key)(signing_input.encode())
        return f"{signing_input}.{base64url.encode(signature)}"

    return build
