"""Memory client directory: the client-authentication read model, composed from the store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentidp.application.ports.repositories import ClientRecord
from agentidp.domain.credential import CredentialStatus
from agentidp.domain.ids import AgentId

from .repositories import private_agent

if TYPE_CHECKING:
    from .store import InMemoryStore


class InMemoryClientDirectory:
    """Implements ``ClientDirectory`` from the committed dicts, with the repositories' copy
    rules (agents deep-copied, credentials snapshotted)."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def find(self, client_id: AgentId) -> ClientRecord | None:
        agent = self._store.agents.get(client_id)
        if agent is None:
            return None
        active = [
            credential
            for credential in self._store.credentials.values()
            if credential.agent_id == client_id and credential.status is CredentialStatus.ACTIVE
        ]
        active.sort(key=lambda credential: (credential.created_at, credential.id), reverse=True)
        organization = self._store.organizations.get(agent.organization_id)
        return ClientRecord(
            agent=private_agent(agent),
            active_credentials=[credential.snapshot() for credential in active],
            organization_active=organization is not None and organization.is_active,
        )
