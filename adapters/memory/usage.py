"""Memory usage counters: agents are counted from the agents themselves, tokens in the store.

Checks run inside the store's commit (under its lock, without awaiting), after the unit of
work's earlier writes, so they see exactly what the SQL checks see.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentidp.application.errors import AgentLimitReached, TokenQuotaExhausted
from agentidp.domain.agent import AgentStatus
from agentidp.domain.ids import OrganizationId

from .staging import Staging

if TYPE_CHECKING:
    from .store import InMemoryStore
    from .transaction import Transaction


def _token_key(organization_id: OrganizationId, month: str) -> tuple[OrganizationId, str]:
    return organization_id, f"tokens:{month}"


class InMemoryUsageCounters:
    """Usage of an :class:`InMemoryStore` (implements ``UsageCounters``)."""

    def __init__(self, store: InMemoryStore, staging: Staging) -> None:
        self._store = store
        self._staging = staging

    async def agents(self, organization_id: OrganizationId) -> int:
        return _agents(self._store, organization_id)

    async def tokens(self, organization_id: OrganizationId, month: str) -> int:
        return self._store.usage_counters.get(_token_key(organization_id, month), 0)

    async def limit_agents(self, organization_id: OrganizationId, limit: int) -> None:
        store = self._store

        def check(_: Transaction) -> None:
            if _agents(store, organization_id) > limit:
                raise AgentLimitReached(limit)

        self._staging.write(check)

    async def count_token(self, organization_id: OrganizationId, month: str, limit: int) -> None:
        store = self._store
        key = _token_key(organization_id, month)

        def count(transaction: Transaction) -> None:
            counted = store.usage_counters.get(key, 0)
            if counted >= limit:
                raise TokenQuotaExhausted(limit)
            transaction.set_usage_counter(key, counted + 1)

        self._staging.write(count)


def _agents(store: InMemoryStore, organization_id: OrganizationId) -> int:
    return sum(
        1
        for agent in store.agents.values()
        if agent.organization_id == organization_id
        and agent.status is not AgentStatus.DECOMMISSIONED
    )
