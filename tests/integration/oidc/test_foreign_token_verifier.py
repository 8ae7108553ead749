"""Foreign (GitHub Actions) token verification against a real loopback issuer over HTTP:
every attack of issue 5 item 7 is refused with its reason, the JWKS refetch is bounded, and a
key rotation at the issuer is picked up after one refetch."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from agentidp.adapters.crypto.foreign_tokens import JwksTokenVerifier
from agentidp.adapters.jwks.cache import JwksCache
from agentidp.adapters.jwks.fetcher import FetchLimits, JsonFetcher
from agentidp.application.ports.key_sets import (
    ForeignTokenPolicy,
    ForeignTokenRejected,
    KeySetUnavailable,
)
from tests.support.github_oidc import JWKS_PATH, LoopbackGitHubIssuer

AUDIENCE = "https://idp.example.test"


class FakeMonotonic:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def issuer() -> Iterator[LoopbackGitHubIssuer]:
    with LoopbackGitHubIssuer() as running:
        yield running


@pytest.fixture
def clock() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
def cache(clock: FakeMonotonic) -> JwksCache:
    fetcher = JsonFetcher(FetchLimits(allow_loopback_http=True, timeout_seconds=2.0))
    return JwksCache(fetcher, ttl_seconds=600, min_refetch_interval_seconds=30, monotonic=clock)


def policy(issuer: LoopbackGitHubIssuer, **changes: Any) -> ForeignTokenPolicy:
    values: dict[str, Any] = {
        "issuer": issuer.url,
        "audience": AUDIENCE,
        "jwks_uri": issuer.jwks_url,
        "algorithms": frozenset({"RS256"}),
        "max_age": timedelta(minutes=10),
        "leeway": timedelta(seconds=30),
    }
    values.update(changes)
    return ForeignTokenPolicy(**values)


async def verify(
    cache: JwksCache, issuer: LoopbackGitHubIssuer, token: str, **changes: Any
) -> dict[str, Any]:
    verifier = JwksTokenVerifier(cache)
    return await verifier.verify(token, policy(issuer, **changes), datetime.now(UTC))


async def test_a_genuine_token_verifies(cache: JwksCache, issuer: LoopbackGitHubIssuer) -> None:
    claims = issuer.claims(audience=AUDIENCE)
    assert await verify(cache, issuer, issuer.mint(claims)) == claims


ATTACKS = {
    "forged signature": ("forge", {}, "bad-signature"),
    "alg none": ("mint_unsigned", {}, "alg-not-allowed"),
    "HS256 with the public key": ("mint_hs256_with_public_key", {}, "alg-not-allowed"),
    "unknown kid": ("mint_with_unpublished_key", {}, "unknown-kid"),
    "expired": ("mint", {"now": time.time() - 400, "lifetime": 300}, "expired"),
    "not yet valid": ("mint", {"nbf": int(time.time()) + 600}, "not-yet-valid"),
    "too old": ("mint", {"now": time.time() - 3600, "lifetime": 7200}, "too-old"),
    "issued in the future": ("mint", {"iat": int(time.time()) + 600}, "issued-in-future"),
    "wrong audience": ("mint", {"aud": "https://other.example"}, "wrong-audience"),
    "wrong issuer": (
        "mint",
        {"iss": "https://token.actions.githubusercontent.com"},
        "wrong-issuer",
    ),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
async def test_attacks_are_refused(
    attack: str, cache: JwksCache, issuer: LoopbackGitHubIssuer
) -> None:
    method, overrides, reason = ATTACKS[attack]
    claims = issuer.claims(audience=AUDIENCE, **overrides)
    with pytest.raises(ForeignTokenRejected) as refused:
        await verify(cache, issuer, getattr(issuer, method)(claims))
    assert refused.value.reason == reason


async def test_crit_headers_and_oversized_tokens_are_refused(
    cache: JwksCache, issuer: LoopbackGitHubIssuer
) -> None:
    claims = issuer.claims(audience=AUDIENCE)
    with pytest.raises(ForeignTokenRejected, match="crit-unsupported"):
        await verify(cache, issuer, issuer.mint(claims, header={"crit": ["exp"]}))
    huge = issuer.mint(issuer.claims(audience=AUDIENCE, padding="x" * 20_000))
    with pytest.raises(ForeignTokenRejected, match="oversized"):
        await verify(cache, issuer, huge)
    assert issuer.hits[JWKS_PATH] == 0  # refused before any fetch
    for garbage in ("", "a.b", "a.b.c.d", "!!.!!.!!", "e30.e30.e30"):
        with pytest.raises(ForeignTokenRejected):
            await verify(cache, issuer, garbage)


async def test_an_algorithm_outside_the_policy_is_refused(
    cache: JwksCache, issuer: LoopbackGitHubIssuer
) -> None:
    token = issuer.mint(issuer.claims(audience=AUDIENCE))
    with pytest.raises(ForeignTokenRejected, match="alg-not-allowed"):
        await verify(cache, issuer, token, algorithms=frozenset({"ES256"}))


async def test_unknown_kids_refetch_at_most_once_per_interval(
    cache: JwksCache, issuer: LoopbackGitHubIssuer, clock: FakeMonotonic
) -> None:
    claims = issuer.claims(audience=AUDIENCE)
    await verify(cache, issuer, issuer.mint(claims))
    assert issuer.hits[JWKS_PATH] == 1
    attempts = [issuer.mint_with_unpublished_key(claims) for _ in range(20)]
    with pytest.raises(ForeignTokenRejected, match="unknown-kid"):
        await verify(cache, issuer, attempts[0])
    assert issuer.hits[JWKS_PATH] == 1  # the set was fetched less than 30 s ago
    clock.now += 31
    results = await asyncio.gather(
        *(verify(cache, issuer, token) for token in attempts), return_exceptions=True
    )
    assert all(isinstance(r, ForeignTokenRejected) and r.reason == "unknown-kid" for r in results)
    assert issuer.hits[JWKS_PATH] == 2  # one refetch for twenty unknown kids
    clock.now += 31
    with pytest.raises(ForeignTokenRejected, match="unknown-kid"):
        await verify(cache, issuer, attempts[0])
    assert issuer.hits[JWKS_PATH] == 3


async def test_a_rotated_key_is_accepted_after_one_refetch(
    cache: JwksCache, issuer: LoopbackGitHubIssuer, clock: FakeMonotonic
) -> None:
    await verify(cache, issuer, issuer.mint(issuer.claims(audience=AUDIENCE)))
    clock.now += 31  # the last fetch is older than the refetch interval
    issuer.rotate()
    claims = issuer.claims(audience=AUDIENCE)
    assert await verify(cache, issuer, issuer.mint(claims)) == claims
    assert issuer.hits[JWKS_PATH] == 2
    # Both keys stay usable without further fetches.
    await verify(cache, issuer, issuer.mint(issuer.claims(audience=AUDIENCE), key=issuer.keys[0]))
    assert issuer.hits[JWKS_PATH] == 2


async def test_discovery_invalidation_and_fetch_limits(
    cache: JwksCache, issuer: LoopbackGitHubIssuer, clock: FakeMonotonic
) -> None:
    assert await cache.discover_jwks_uri(issuer.url) == issuer.jwks_url
    await cache.key_set(issuer.jwks_url)
    await cache.invalidate(issuer.jwks_url)
    await cache.key_set(issuer.jwks_url)
    assert issuer.hits[JWKS_PATH] == 2  # invalidation ignores the refetch bound
    https_only = JwksCache(JsonFetcher(FetchLimits()), monotonic=clock)
    with pytest.raises(KeySetUnavailable, match="scheme-not-allowed"):
        await https_only.key_set(issuer.jwks_url)
    tiny = JwksCache(JsonFetcher(FetchLimits(allow_loopback_http=True, max_bytes=100)))
    with pytest.raises(KeySetUnavailable, match="oversized"):
        await tiny.key_set(issuer.jwks_url)
    with pytest.raises(KeySetUnavailable, match="status-404"):
        await tiny.key_set(issuer.url + "/missing")
    # A failed fetch is not retried within the interval either.
    with pytest.raises(KeySetUnavailable, match="refetch-bounded"):
        await tiny.key_set(issuer.url + "/missing")
