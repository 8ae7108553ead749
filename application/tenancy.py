"""Loading resources on behalf of a caller: existence first, then tenant, then anything else."""

from __future__ import annotations

from agentidp.domain.agent import Agent
from agentidp.domain.credential import Credential
from agentidp.domain.ids import AgentId, CredentialId, is_uuid

from .errors import AgentNotFound, CredentialNotFound
from .ports.unit_of_work import UnitOfWork
from .principal import Principal


async def load_agent(uow: UnitOfWork, principal: Principal, agent_id: str) -> Agent:
    """The agent, if it exists and belongs to the caller's organization.

    The tenant check runs before any status check (field trial Test C.7), so a caller learns
    nothing about another organization's agent beyond the 403.

    Raises:
        AgentNotFound: no agent with this id (or the id is not a UUID).
        TenantMismatch: the agent belongs to another organization.
    """
    agent = await uow.agents.get(AgentId(agent_id)) if is_uuid(agent_id) else None
    if agent is None:
        raise AgentNotFound(agent_id=agent_id)
    principal.require_tenant(agent.organization_id)
    return agent


async def load_credential(uow: UnitOfWork, agent: Agent, credential_id: str) -> Credential:
    """The credential, if it belongs to ``agent``.

    Raises:
        CredentialNotFound: no such credential on this agent.
    """
    found = (
        await uow.credentials.get(CredentialId(credential_id)) if is_uuid(credential_id) else None
    )
    if found is None or found.agent_id != agent.id:
        raise CredentialNotFound(credential_id=credential_id)
    return found
