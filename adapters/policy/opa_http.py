"""Policy decisions from an OPA server through its REST Data API.

``POST {base}/v1/data/agentidp/authz`` with ``{"input": ...}`` answers ``{"result": {...}}``
(the package document), or ``{}`` when the document is undefined, which is a refusal.
Every failure (connection refused, timeout, non-200 status, a body that is not that JSON) is
:class:`PolicyUnavailable`: the request is refused, never allowed. Policies are reloaded by
OPA itself (bundles or ``opa run --watch``), so this adapter has nothing to reload.
"""

from __future__ import annotations

import logging
from typing import Any, Final

import httpx

from agentidp.application.errors import PolicyUnavailable
from agentidp.application.ports.policy import AccessRequest, Decision, policy_input

from .documents import PACKAGE_PATH, decision_from_document

logger = logging.getLogger("agentidp.policy")

DEFAULT_TIMEOUT_SECONDS: Final = 0.5


class OpaHttpPolicyEngine:
    """:class:`PolicyDecisionPoint` asking the OPA server at ``base_url``."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._url = f"{base_url.rstrip('/')}/v1/data/{PACKAGE_PATH}"
        self._timeout = timeout
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    async def decide(self, request: AccessRequest) -> Decision:
        """Raises: PolicyUnavailable (OPA unreachable, slow, failing or answering nonsense)."""
        body = await self._post({"input": policy_input(request)})
        if not isinstance(body, dict):
            raise PolicyUnavailable("The policy server's answer is not an object.")
        return decision_from_document(body.get("result"))

    async def aclose(self) -> None:
        """Close the connection pool (the container does it on shutdown)."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _post(self, payload: dict[str, Any]) -> Any:
        client = self._connection()
        try:
            response = await client.post(self._url, json=payload)
        except httpx.HTTPError as exc:
            logger.error("OPA at %s failed: %s", self._url, type(exc).__name__)
            raise PolicyUnavailable() from exc
        if response.status_code != 200:
            logger.error("OPA at %s answered %d", self._url, response.status_code)
            raise PolicyUnavailable()
        try:
            return response.json()
        except ValueError as exc:
            logger.error("OPA at %s answered a body that is not JSON", self._url)
            raise PolicyUnavailable() from exc

    def _connection(self) -> httpx.AsyncClient:
        # Created on first use, inside the event loop that will use it.
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout, transport=self._transport)
        return self._client
