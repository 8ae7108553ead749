"""Agent registry: ``/api/v1/agents``.

Tenant isolation (field trial Test C.7) is the use cases' job: the organization comes only
from the caller's token, so ``organizationId`` in a body or query string is never read here.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter

from agentidp.application.commands import (
    ChangeAgentStatus,
    GetAgent,
    ListAgents,
    Origin,
    RegisterAgent,
    UpdateAgent,
)
from agentidp.application.errors import InvalidRequest
from agentidp.application.principal import Principal
from agentidp.application.use_cases.agents import (
    MAX_PAGE_SIZE,
    DecommissionAgentUseCase,
    GetAgentUseCase,
    ListAgentsUseCase,
    ReactivateAgentUseCase,
    RegisterAgentUseCase,
    SuspendAgentUseCase,
    UpdateAgentUseCase,
)
from agentidp.domain.agent import AgentStatus, AgentType

from ..dependencies import require_json_body
from ..openapi import AUTHENTICATED, BEARER_SECURITY, WITH_BODY, error_responses
from ..schemas import AgentIn, AgentOut, AgentPageOut, AgentUpdateIn

#: Deepest nesting accepted in ``metadata`` (it is stored and hashed into audit events).
MAX_METADATA_DEPTH = 16
MAX_PAGE = 1_000_000

PageNumber = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description="1-based page number.")]
PageSize = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE, description="Page size (1-100).")]
AgentIdPath = Annotated[str, PathParameter(description="The agent's id (UUID).", max_length=64)]


class AgentController(Controller):
    """Register, list, read, update, suspend, reactivate and decommission agents."""

    path = "/api/v1/agents"
    tags = ["agents"]
    security = BEARER_SECURITY
    before_request = staticmethod(require_json_body)

    @post(
        "/",
        status_code=201,
        summary="Register an agent in the caller's organization",
        responses=error_responses(*AUTHENTICATED, *WITH_BODY, 409),
    )
    async def register(
        self,
        data: JSONBody[AgentIn],
        principal: NamedDependency[Principal],
        origin: NamedDependency[Origin],
        register_agent: NamedDependency[RegisterAgentUseCase],
    ) -> AgentOut:
        """Needs ``agents:write``. Scopes granted to the agent must be held by the caller."""
        _check_metadata(data.metadata)
        agent = await register_agent(
            RegisterAgent(
                principal=principal,
                email=data.email,
                agent_type=data.agent_type.value,
                version=data.version,
                capabilities=data.capabilities,
                owner=data.owner,
                deployment_env=data.deployment_env.value,
                scopes=data.scopes,
                metadata=data.metadata,
                origin=origin,
            )
        )
        return AgentOut.from_domain(agent)

    @get(
        "/",
        summary="List the caller organization's agents, newest first",
        responses=error_responses(*AUTHENTICATED),
    )
    async def list_agents(
        self,
        principal: NamedDependency[Principal],
        list_agents: NamedDependency[ListAgentsUseCase],
        page: PageNumber = 1,
        limit: PageSize = 20,
        status: FromQuery[AgentStatus | None] = None,
        owner: Annotated[str | None, QueryParameter(max_length=256)] = None,
        agent_type: Annotated[AgentType | None, QueryParameter(name="agentType")] = None,
    ) -> AgentPageOut:
        """Needs ``agents:read``. Filters only narrow within the caller's organization."""
        result = await list_agents(
            ListAgents(
                principal=principal,
                page=page,
                limit=limit,
                status=status.value if status else None,
                owner=owner,
                agent_type=agent_type.value if agent_type else None,
            )
        )
        return AgentPageOut.from_domain(result)

    @get(
        "/{agent_id:str}",
        summary="Read an agent",
        responses=error_responses(*AUTHENTICATED, 404),
    )
    async def get_agent(
        self,
        agent_id: AgentIdPath,
        principal: NamedDependency[Principal],
        get_agent: NamedDependency[GetAgentUseCase],
    ) -> AgentOut:
        """Needs ``agents:read``. Another organization's agent is 403 ``AUTHORIZATION_ERROR``."""
        return AgentOut.from_domain(await get_agent(GetAgent(principal, agent_id)))

    @patch(
        "/{agent_id:str}",
        summary="Partially update an agent (a status change runs the lifecycle step)",
        responses=error_responses(*AUTHENTICATED, *WITH_BODY, 404, 409),
    )
    async def update_agent(
        self,
        agent_id: AgentIdPath,
        data: JSONBody[AgentUpdateIn],
        principal: NamedDependency[Principal],
        origin: NamedDependency[Origin],
        update_agent: NamedDependency[UpdateAgentUseCase],
    ) -> AgentOut:
        """Needs ``agents:write``. ``agentId``, ``email``, ``organizationId`` and ``createdAt``
        are immutable (400)."""
        immutable = data.immutable_fields()
        if immutable:
            raise InvalidRequest(
                f"{immutable[0]} is immutable.", field=immutable[0], reason="immutable"
            )
        changes = data.changes()
        if "metadata" in changes:
            _check_metadata(changes["metadata"])
        agent = await update_agent(UpdateAgent(principal, agent_id, changes, origin))
        return AgentOut.from_domain(agent)

    @delete(
        "/{agent_id:str}",
        status_code=204,
        summary="Decommission an agent (one-way; revokes all its credentials)",
        responses=error_responses(*AUTHENTICATED, 404, 409),
    )
    async def decommission_agent(
        self,
        agent_id: AgentIdPath,
        principal: NamedDependency[Principal],
        origin: NamedDependency[Origin],
        decommission_agent: NamedDependency[DecommissionAgentUseCase],
    ) -> None:
        """Needs ``agents:write``. The record stays, with status ``decommissioned``."""
        await decommission_agent(ChangeAgentStatus(principal, agent_id, origin))

    @post(
        "/{agent_id:str}/suspend",
        status_code=200,
        summary="Suspend an agent (its tokens stop working)",
        responses=error_responses(*AUTHENTICATED, 404, 409),
    )
    async def suspend_agent(
        self,
        agent_id: AgentIdPath,
        principal: NamedDependency[Principal],
        origin: NamedDependency[Origin],
        suspend_agent: NamedDependency[SuspendAgentUseCase],
    ) -> AgentOut:
        """Needs ``agents:write``."""
        return AgentOut.from_domain(
            await suspend_agent(ChangeAgentStatus(principal, agent_id, origin))
        )

    @post(
        "/{agent_id:str}/reactivate",
        status_code=200,
        summary="Reactivate a suspended agent",
        responses=error_responses(*AUTHENTICATED, 404, 409),
    )
    async def reactivate_agent(
        self,
        agent_id: AgentIdPath,
        principal: NamedDependency[Principal],
        origin: NamedDependency[Origin],
        reactivate_agent: NamedDependency[ReactivateAgentUseCase],
    ) -> AgentOut:
        """Needs ``agents:write``."""
        return AgentOut.from_domain(
            await reactivate_agent(ChangeAgentStatus(principal, agent_id, origin))
        )


def _check_metadata(metadata: Any) -> None:
    """Raises:
    InvalidRequest: ``metadata`` nests deeper than :data:`MAX_METADATA_DEPTH`.
    """
    stack = [(metadata, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_METADATA_DEPTH:
            raise InvalidRequest(
                "metadata is nested too deeply.",
                field="metadata",
                reason=f"at most {MAX_METADATA_DEPTH} levels",
            )
        if isinstance(value, dict):
            stack.extend((child, depth + 1) for child in value.values())
        elif isinstance(value, list):
            stack.extend((child, depth + 1) for child in value)
