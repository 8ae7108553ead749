"""``KeySetSource``: remote key sets cached per URI, with a bound on refetches.

Rules (each stops a stated abuse):

- A set cached and younger than ``ttl`` is served from memory (no fetch per request).
- A ``kid`` missing from the cached set causes one refetch, unless the URI was fetched less
  than ``min_refetch_interval`` ago. Stops: tokens with random kids turning us into a fetch
  amplifier.
- A failed fetch is remembered for ``min_refetch_interval`` too, and a stale set is not
  served past ``ttl``. Stops: hammering a down issuer; trusting keys the issuer withdrew.
- Concurrent misses on one URI make one fetch (a lock per URI). Stops: thundering herds.
- ``invalidate(uri)`` forgets the set and the refetch bound. Stops: keeping a changed
  issuer's keys.

Discovery documents (``/.well-known/openid-configuration``) are cached by the same rules.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from agentidp.application.ports.key_sets import KeySetUnavailable

from .fetcher import JsonFetcher

DISCOVERY_PATH: Final = "/.well-known/openid-configuration"


@dataclass(slots=True)
class _Entry:
    document: dict[str, Any] | None
    fetched_at: float  # monotonic seconds of the last successful fetch
    attempted_at: float  # monotonic seconds of the last fetch attempt, successful or not


class JwksCache:
    """Implements ``KeySetSource`` on a :class:`JsonFetcher`.

    Args:
        fetcher: bounded HTTP GETs.
        ttl_seconds: how long a fetched set (or discovery document) is used.
        min_refetch_interval_seconds: at most one fetch per URI in this interval, except
            the first and after :meth:`invalidate`.
        monotonic: the clock (tests pass a fake one).
    """

    def __init__(
        self,
        fetcher: JsonFetcher,
        *,
        ttl_seconds: float = 600.0,
        min_refetch_interval_seconds: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetcher = fetcher
        self._ttl = ttl_seconds
        self._min_interval = min_refetch_interval_seconds
        self._now = monotonic
        self._entries: dict[str, _Entry] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        #: Number of HTTP fetches made, by URI (observability and the refetch-bound tests).
        self.fetches: dict[str, int] = {}

    async def key(self, jwks_uri: str, kid: str) -> Mapping[str, Any] | None:
        found = _find(await self.key_set(jwks_uri), kid)
        if found is not None:
            return found
        # Unknown kid: the issuer may have rotated. Refetch, unless one happened recently.
        document = await self._document(jwks_uri, _key_set_shape, refresh=True)
        return _find(document, kid)

    async def key_set(self, jwks_uri: str) -> Mapping[str, Any]:
        return await self._document(jwks_uri, _key_set_shape, refresh=False)

    async def invalidate(self, jwks_uri: str) -> None:
        self._entries.pop(jwks_uri, None)

    async def discover_jwks_uri(self, issuer: str) -> str:
        url = issuer.rstrip("/") + DISCOVERY_PATH
        document = await self._document(url, _discovery_shape, refresh=False)
        return str(document["jwks_uri"])

    async def aclose(self) -> None:
        """Close the fetcher's HTTP client."""
        await self._fetcher.aclose()

    async def _document(
        self, url: str, check: Callable[[dict[str, Any]], None], *, refresh: bool
    ) -> dict[str, Any]:
        lock = self._locks.setdefault(url, asyncio.Lock())
        async with lock:
            entry = self._entries.get(url)
            now = self._now()
            if entry is None:
                return await self._fetch(url, check, now)
            cached = entry.document if now - entry.fetched_at < self._ttl else None
            recently_tried = now - entry.attempted_at < self._min_interval
            if cached is not None and (not refresh or recently_tried):
                return cached
            if recently_tried:
                # SECURITY: the refetch bound holds for failures too: a down or hostile
                # issuer is asked at most once per interval.
                raise KeySetUnavailable("refetch-bounded")
            return await self._fetch(url, check, now)

    async def _fetch(
        self, url: str, check: Callable[[dict[str, Any]], None], now: float
    ) -> dict[str, Any]:
        previous = self._entries.get(url)
        self.fetches[url] = self.fetches.get(url, 0) + 1
        try:
            document = await self._fetcher.get_object(url)
            check(document)
        except KeySetUnavailable:
            # A stale set is dropped: keys the issuer may have withdrawn are not trusted.
            fetched_at = previous.fetched_at if previous else now
            self._entries[url] = _Entry(None, fetched_at, now)
            raise
        self._entries[url] = _Entry(document, now, now)
        return document


def _find(document: Mapping[str, Any], kid: str) -> Mapping[str, Any] | None:
    for key in document["keys"]:
        if key.get("kid") == kid:
            return dict(key)
    return None


def _key_set_shape(document: dict[str, Any]) -> None:
    keys = document.get("keys")
    if not isinstance(keys, list) or not all(isinstance(key, dict) for key in keys):
        raise KeySetUnavailable("not-a-key-set")


def _discovery_shape(document: dict[str, Any]) -> None:
    if not isinstance(document.get("jwks_uri"), str):
        raise KeySetUnavailable("no-jwks-uri")
