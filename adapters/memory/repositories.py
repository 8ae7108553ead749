"""Memory repositories of agents and credentials (organizations: organizations.py).

Reads come from the store's committed dicts and return private copies; writes stage private
copies, replayed by :class:`~.transaction.Transaction` at commit.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING

from agentidp.application.ports.repositories import AgentFilter, Page
from agentidp.domain.agent import Agent
from agentidp.domain.credential import Credential, CredentialStatus
from agentidp.domain.ids import AgentId, CredentialId

from .staging import Staging

if TYPE_CHECKING:
    from .store import InMemoryStore


class InMemoryAgentRepository:
    """Implements ``AgentRepository`` with the same revision rule as SQL."""

    def __init__(self, store: InMemoryStore, staging: Staging) -> None:
        self._store = store
        self._staging = staging

    async def get(self, agent_id: AgentId) -> Agent | None:
        agent = self._store.agents.get(agent_id)
        return None if agent is None else private_agent(agent)

    async def list(self, filter: AgentFilter, page: Page) -> tuple[Sequence[Agent], int]:
        matches = [agent for agent in self._store.agents.values() if _matches(agent, filter)]
        matches.sort(key=lambda agent: (agent.created_at, agent.id), reverse=True)
        selected = matches[page.offset : page.offset + page.size]
        return [private_agent(agent) for agent in selected], len(matches)

    async def add(self, agent: Agent) -> None:
        staged = private_agent(agent)
        self._staging.write(lambda transaction: transaction.add_agent(staged))

    async def update(self, agent: Agent) -> None:
        staged = private_agent(agent)
        self._staging.write(lambda transaction: transaction.update_agent(staged))


class InMemoryCredentialRepository:
    """Implements ``CredentialRepository`` with the same revision rule as SQL."""

    def __init__(self, store: InMemoryStore, staging: Staging) -> None:
        self._store = store
        self._staging = staging

    async def get(self, credential_id: CredentialId) -> Credential | None:
        credential = self._store.credentials.get(credential_id)
        return None if credential is None else credential.snapshot()

    async def list_by_agent(
        self, agent_id: AgentId, status: CredentialStatus | None = None
    ) -> Sequence[Credential]:
        matches = [
            credential
            for credential in self._store.credentials.values()
            if credential.agent_id == agent_id and (status is None or credential.status is status)
        ]
        matches.sort(key=lambda credential: (credential.created_at, credential.id), reverse=True)
        return [credential.snapshot() for credential in matches]

    async def add(self, credential: Credential) -> None:
        staged = credential.snapshot()
        self._staging.write(lambda transaction: transaction.add_credential(staged))

    async def update(self, credential: Credential) -> None:
        staged = credential.snapshot()
        self._staging.write(lambda transaction: transaction.update_credential(staged))


def private_agent(agent: Agent) -> Agent:
    """A copy sharing nothing mutable with ``agent`` (``snapshot`` copies metadata only one
    level deep)."""
    twin = agent.snapshot()
    if agent.metadata:
        twin.metadata = copy.deepcopy(agent.metadata)
    return twin


def _matches(agent: Agent, filter: AgentFilter) -> bool:
    return (
        agent.organization_id == filter.organization_id
        and (filter.status is None or agent.status is filter.status)
        and (filter.owner is None or agent.owner == filter.owner)
        and (filter.agent_type is None or agent.agent_type == filter.agent_type)
    )
