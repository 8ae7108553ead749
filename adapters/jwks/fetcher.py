"""Fetching small JSON documents (key sets, discovery documents) from other issuers.

Every request is bounded: a connect/read timeout, a maximum body size enforced while
streaming (a hostile server cannot make us buffer gigabytes), no redirects (a key set URI
is exactly the one configured), and ``https`` only, except loopback hosts when
``allow_loopback_http`` is set (tests and local development).
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from agentidp.application.ports.key_sets import KeySetUnavailable

_LOOPBACK_NAMES: Final = frozenset({"localhost"})


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """Bounds of one fetch."""

    timeout_seconds: float = 5.0
    max_bytes: int = 64 * 1024
    #: Accept ``http://`` for loopback hosts (127.0.0.0/8, ::1, localhost) only.
    allow_loopback_http: bool = False


class JsonFetcher:
    """GETs a JSON object from a URL within :class:`FetchLimits`.

    Args:
        limits: timeouts and sizes.
        client: an ``httpx.AsyncClient`` to reuse (tests inject a transport); by default one
            is created lazily and closed by :meth:`aclose`.
    """

    def __init__(self, limits: FetchLimits, client: httpx.AsyncClient | None = None) -> None:
        self._limits = limits
        self._client = client
        self._owns_client = client is None

    async def get_object(self, url: str) -> dict[str, Any]:
        """The JSON object at ``url``.

        Raises:
            KeySetUnavailable: scheme not allowed, network failure, timeout, non-200,
                oversized body, or a body that is not a JSON object.
        """
        self._check_url(url)
        try:
            async with self._http().stream(
                "GET", url, headers={"Accept": "application/json"}
            ) as response:
                if response.status_code != httpx.codes.OK:
                    raise KeySetUnavailable(f"status-{response.status_code}")
                body = await self._read_bounded(response)
        except httpx.HTTPError as exc:
            raise KeySetUnavailable(f"network-{type(exc).__name__}") from exc
        try:
            document = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise KeySetUnavailable("not-json") from exc
        if not isinstance(document, dict):
            raise KeySetUnavailable("not-an-object")
        return document

    async def aclose(self) -> None:
        """Close the client this fetcher created (an injected one is the caller's)."""
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self._limits.timeout_seconds, follow_redirects=False
            )
        return self._client

    async def _read_bounded(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self._limits.max_bytes:
            raise KeySetUnavailable("oversized")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            # SECURITY: counted while streaming; Content-Length may be absent or lie.
            if size > self._limits.max_bytes:
                raise KeySetUnavailable("oversized")
            chunks.append(chunk)
        return b"".join(chunks)

    def _check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme == "https" and parts.hostname:
            return
        if (
            parts.scheme == "http"
            and self._limits.allow_loopback_http
            and _is_loopback(parts.hostname)
        ):
            return
        raise KeySetUnavailable("scheme-not-allowed")


def _is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
