"""Contract of the ``TokenSigner`` port: ``JwtTokenSigner`` over every key store and algorithm.

Interoperability (joserfc, PyJWT) and attacks live in ``tests/integration/crypto/``.
"""

from __future__ import annotations

import json
import os
import re
import stat
import time
import types
import uuid
from pathlib import Path
from typing import Any, Protocol

import pytest

from agentidp.adapters.crypto import base64url
from agentidp.adapters.crypto.jwk import PRIVATE_MEMBERS
from agentidp.adapters.crypto.keys import (
    KEY_FILE,
    FileKeyStore,
    KeyStoreError,
    MemoryKeyStore,
    SigningKey,
    SigningKeys,
)
from agentidp.adapters.crypto.signer import JwtTokenSigner
from agentidp.application.ports.security import TokenRejected, TokenSigner

ALGORITHMS = ("RS256", "ES256", "EdDSA")
KID = re.compile(r"^key-\d{8}-[0-9a-f]{8}$")
PUBLIC_MEMBERS = {"RS256": {"n", "e"}, "ES256": {"crv", "x", "y"}, "EdDSA": {"crv", "x"}}
KTY = {"RS256": "RSA", "ES256": "EC", "EdDSA": "OKP"}

# Conformance: mypy checks the adapter against the port (STYLE §6).
_conforms: TokenSigner = JwtTokenSigner(MemoryKeyStore("ES256"))


class StoreFactory(Protocol):
    def create(self, algorithm: str) -> SigningKeys: ...

    def rotate(self, previous: SigningKeys, algorithm: str) -> SigningKeys: ...


class MemoryStores:
    def create(self, algorithm: str) -> SigningKeys:
        return MemoryKeyStore(algorithm)

    def rotate(self, previous: SigningKeys, algorithm: str) -> SigningKeys:
        keys = [SigningKey.generate(algorithm), *previous.all_keys]
        return MemoryKeyStore(algorithm, keys=keys)


class FileStores:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def create(self, algorithm: str) -> SigningKeys:
        return FileKeyStore(self.data_dir, algorithm)

    def rotate(self, previous: SigningKeys, algorithm: str) -> SigningKeys:
        return FileKeyStore(self.data_dir, algorithm)


@pytest.fixture(params=["memory", "file"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> StoreFactory:
    if request.param == "memory":
        return MemoryStores()
    return FileStores(tmp_path / "data")


@pytest.fixture(params=ALGORITHMS)
def algorithm(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def access_claims() -> dict[str, Any]:
    now = int(time.time())
    agent = str(uuid.uuid4())
    return {
        "iss": "https://idp.example.test",
        "sub": agent,
        "aud": "https://api.example.test",
        "client_id": agent,
        "scope": "agents:read tokens:read",
        "organization_id": str(uuid.uuid4()),
        "jti": str(uuid.uuid4()),
        "iat": now,
        "exp": now + 3600,
    }


def header_of(token: str) -> dict[str, Any]:
    header: dict[str, Any] = json.loads(base64url.decode(token.split(".")[0]))
    return header


# --- every store and algorithm ---------------------------------------------------------------


def test_sign_then_verify_returns_the_claims(stores: StoreFactory, algorithm: str) -> None:
    """A token we sign verifies and yields exactly the claims that went in."""
    signer = JwtTokenSigner(stores.create(algorithm))
    claims = access_claims()

    token = signer.sign(claims)

    assert signer.verify(token) == claims


def test_the_header_is_exactly_alg_kid_typ(stores: StoreFactory, algorithm: str) -> None:
    """The protected header is {alg, kid, typ: at+jwt} (RFC 9068 §2.1) and nothing else."""
    store = stores.create(algorithm)
    signer = JwtTokenSigner(store)

    header = header_of(signer.sign(access_claims()))

    assert header == {"alg": algorithm, "kid": store.current.kid, "typ": "at+jwt"}
    assert signer.algorithm == algorithm


def test_kids_follow_the_key_date_hex_format(stores: StoreFactory, algorithm: str) -> None:
    """Key ids look like key-YYYYMMDD-<8 hex>."""
    store = stores.create(algorithm)

    assert KID.fullmatch(store.current.kid)


def test_sign_accepts_any_mapping(stores: StoreFactory, algorithm: str) -> None:
    """Claims may come as any read-only mapping, not only a dict."""
    signer = JwtTokenSigner(stores.create(algorithm))
    claims = access_claims()

    token = signer.sign(types.MappingProxyType(claims))

    assert signer.verify(token) == claims


def test_a_tampered_payload_is_rejected(stores: StoreFactory, algorithm: str) -> None:
    """Changing the claims of a signed token breaks it."""
    signer = JwtTokenSigner(stores.create(algorithm))
    header, _, signature = signer.sign(access_claims()).split(".")
    forged_claims = access_claims() | {"scope": "admin:orgs"}
    forged = f"{header}.{base64url.encode(json.dumps(forged_claims).encode())}.{signature}"

    with pytest.raises(TokenRejected) as rejected:
        signer.verify(forged)

    assert rejected.value.reason == "bad-signature"


def test_tokens_of_another_deployment_are_rejected(stores: StoreFactory, algorithm: str) -> None:
    """A token signed by an unrelated key store is not ours."""
    ours = JwtTokenSigner(stores.create(algorithm))
    theirs = JwtTokenSigner(MemoryKeyStore(algorithm))

    with pytest.raises(TokenRejected):
        ours.verify(theirs.sign(access_claims()))


def test_jwks_publishes_public_keys_only(stores: StoreFactory, algorithm: str) -> None:
    """The JWKS lists each key with kid, kty, use sig, alg and its public members, no secrets."""
    store = stores.create(algorithm)

    (jwk,) = JwtTokenSigner(store).jwks()["keys"]

    assert jwk["kid"] == store.current.kid
    assert (jwk["kty"], jwk["use"], jwk["alg"]) == (KTY[algorithm], "sig", algorithm)
    assert set(jwk) == {"kid", "kty", "use", "alg"} | PUBLIC_MEMBERS[algorithm]
    assert not PRIVATE_MEMBERS & set(jwk)


def test_jwks_cannot_be_changed_by_a_caller(stores: StoreFactory, algorithm: str) -> None:
    """Editing a returned JWKS does not change what the next caller is served."""
    signer = JwtTokenSigner(stores.create(algorithm))
    first = signer.jwks()

    first["keys"][0]["kid"] = "evil"
    first["keys"].append({"kty": "oct", "k": "AAAA"})

    assert signer.jwks() != first
    assert len(signer.jwks()["keys"]) == 1


def test_a_rotated_store_still_verifies_old_tokens(stores: StoreFactory, algorithm: str) -> None:
    """After switching algorithm, the old key keeps verifying and the new one signs."""
    other = "ES256" if algorithm != "ES256" else "EdDSA"
    before = stores.create(algorithm)
    old_token = JwtTokenSigner(before).sign(access_claims())

    after = stores.rotate(before, other)
    signer = JwtTokenSigner(after)

    assert signer.algorithm == other
    assert signer.verify(old_token)["iss"] == "https://idp.example.test"
    assert header_of(signer.sign(access_claims()))["kid"] == after.current.kid
    assert [k["kid"] for k in signer.jwks()["keys"]] == [k.kid for k in after.all_keys]
    assert after.current.kid != before.current.kid


# --- the file store ------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_file_store_writes_a_0600_file_and_reloads_the_same_key(
    tmp_path: Path, algorithm: str
) -> None:
    """The key file is private (0600) and a restart reloads the same key."""
    first = FileKeyStore(tmp_path, algorithm)
    token = JwtTokenSigner(first).sign(access_claims())

    second = FileKeyStore(tmp_path, algorithm)

    assert stat.S_IMODE(os.stat(tmp_path / KEY_FILE).st_mode) == 0o600
    assert second.current.kid == first.current.kid
    assert JwtTokenSigner(second).verify(token)["scope"] == "agents:read tokens:read"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o606])
def test_file_store_refuses_a_group_or_world_accessible_key_file(tmp_path: Path, mode: int) -> None:
    """A key file others could read is refused with a message that says how to fix it."""
    FileKeyStore(tmp_path, "ES256")
    (tmp_path / KEY_FILE).chmod(mode)

    with pytest.raises(KeyStoreError, match="chmod 600"):
        FileKeyStore(tmp_path, "ES256")


def test_file_store_is_a_private_jwk_set(tmp_path: Path) -> None:
    """The key file is a JWK set: every entry has kid, alg, use and kty."""
    store = FileKeyStore(tmp_path, "RS256")

    document = json.loads((tmp_path / KEY_FILE).read_text())

    assert document["current"] == store.current.kid
    (jwk,) = document["keys"]
    assert {"kid", "alg", "use", "kty", "n", "e", "d", "p", "q", "dp", "dq", "qi"} == set(jwk)


def test_memory_store_refuses_duplicate_kids() -> None:
    """Two keys under one kid would make verification ambiguous."""
    key = SigningKey.generate("ES256")
    other = SigningKey.generate("ES256").private_key
    twin = SigningKey(kid=key.kid, alg="ES256", private_key=other)

    with pytest.raises(KeyStoreError, match="share a kid"):
        MemoryKeyStore("ES256", keys=[key, twin])


def test_unsupported_algorithms_are_refused(tmp_path: Path) -> None:
    """Only RS256, ES256 and EdDSA can be configured."""
    for algorithm in ("HS256", "none", "PS256", "es256"):
        with pytest.raises(ValueError, match="unsupported"):
            MemoryKeyStore(algorithm)
        with pytest.raises(ValueError, match="unsupported"):
            FileKeyStore(tmp_path, algorithm)
