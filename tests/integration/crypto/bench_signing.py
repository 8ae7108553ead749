"""Signing, verification and secret-verification costs (not collected by pytest).

Run: ``.venv/bin/python tests/integration/crypto/bench_signing.py [--seconds 1.0]``

Prints, per algorithm, tokens per second for our ``JwtTokenSigner`` against joserfc and PyJWT
(each verifying with the algorithm pinned), the verified-secret cache against a full argon2id
verification, and the issuance path (cached secret check + sign) on one and on two processes.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import time
import uuid
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import jwt as pyjwt
from joserfc import jwk as jose_jwk
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet

from agentidp.adapters.crypto.argon2_hasher import Argon2SecretHasher
from agentidp.adapters.crypto.keys import MemoryKeyStore
from agentidp.adapters.crypto.signer import JwtTokenSigner
from agentidp.adapters.crypto.verified_cache import CachingSecretHasher

ALGORITHMS = ("RS256", "ES256", "EdDSA")
warnings.filterwarnings("ignore", module="joserfc")  # EdDSA deprecation notice (RFC 9864)


def claims() -> dict[str, Any]:
    now, agent = int(time.time()), str(uuid.uuid4())
    return {"iss": "https://idp.example.test", "sub": agent, "aud": "https://api.example.test",
            "client_id": agent, "scope": "agents:read tokens:read",
            "organization_id": str(uuid.uuid4()), "jti": str(uuid.uuid4()),
            "iat": now, "exp": now + 3600}


def rate(action: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``action`` over roughly ``seconds``."""
    for _ in range(20):
        action()
    calls, started = 0, time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for _ in range(50):
            action()
        calls += 50
    return calls / (time.perf_counter() - started)


def bench_signers(seconds: float) -> None:
    print(f"{'alg':6} {'library':8} {'sign/s':>10} {'verify/s':>10}")
    for alg in ALGORITHMS:
        for library, (sign, verify) in contenders(alg).items():
            print(f"{alg:6} {library:8} {rate(sign, seconds):10.0f} {rate(verify, seconds):10.0f}")


def contenders(alg: str) -> dict[str, tuple[Callable[[], object], Callable[[], object]]]:
    """(sign, verify) actions for one key, per library, all verifying the same token."""
    store = MemoryKeyStore(alg)
    ours = JwtTokenSigner(store)
    body = claims()
    token = ours.sign(body)
    private_jwk: dict[str, str | list[str]] = {**store.current.private_jwk()}
    jose_key = jose_jwk.import_key(private_jwk)
    published: Any = ours.jwks()  # joserfc wants its own TypedDict
    key_set = KeySet.import_key_set(published)
    header = {"alg": alg, "kid": store.current.kid, "typ": "at+jwt"}
    private, public = store.current.private_key, store.current.private_key.public_key()
    return {
        "ours": (lambda: ours.sign(body), lambda: ours.verify(token)),
        "joserfc": (lambda: jose_jwt.encode(header, body, jose_key, algorithms=[alg]),
                    lambda: jose_jwt.decode(token, key_set, algorithms=[alg])),
        "pyjwt": (lambda: pyjwt.encode(body, private, algorithm=alg, headers=header),
                  lambda: pyjwt.decode(token, public, algorithms=[alg],
                                       options={"verify_aud": False})),
    }


async def bench_hasher(seconds: float) -> None:
    argon2 = Argon2SecretHasher()
    cache = CachingSecretHasher(argon2)
    secret = "sk_live_" + secrets.token_hex(32)
    hashed = await argon2.hash(secret)

    started = time.perf_counter()
    rounds = 5
    for _ in range(rounds):
        await argon2.verify(secret, hashed)
    argon2_ms = (time.perf_counter() - started) / rounds * 1000

    await cache.verify(secret, hashed)
    wrong = "sk_live_" + secrets.token_hex(32)
    for label, presented in (("right secret", secret), ("wrong secret", wrong)):
        calls, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            for _ in range(200):
                await cache.verify(presented, hashed)
            calls += 200
        micros = (time.perf_counter() - started) / calls * 1e6
        print(f"cached verify, {label}: {micros:6.2f} us")
    print(f"argon2id verify (RFC 9106 low-memory, in a thread): {argon2_ms:6.1f} ms")


def issuance_rate(alg: str, seconds: float) -> float:
    """Tokens per second of the issuance crypto path: cached secret check, then sign."""

    async def run() -> float:
        signer = JwtTokenSigner(MemoryKeyStore(alg))
        cache = CachingSecretHasher(Argon2SecretHasher())
        secret = "sk_live_" + secrets.token_hex(32)
        hashed = await cache.hash(secret)
        await cache.verify(secret, hashed)
        issued, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            for _ in range(50):
                if await cache.verify(secret, hashed):
                    signer.sign(claims())
            issued += 50
        return issued / (time.perf_counter() - started)

    return asyncio.run(run())


def bench_issuance(seconds: float) -> None:
    for alg in ALGORITHMS:
        one = issuance_rate(alg, seconds)
        with ProcessPoolExecutor(max_workers=2) as pool:
            two = sum(pool.map(issuance_rate, [alg, alg], [seconds, seconds]))
        print(f"issuance path {alg:6}: {one:8.0f} tokens/s (1 process)  {two:8.0f} (2 processes)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    args = parser.parse_args()
    bench_signers(args.seconds)
    print()
    asyncio.run(bench_hasher(args.seconds))
    print()
    bench_issuance(args.seconds)


if __name__ == "__main__":
    main()
