"""One organization seen through one principal: the agent-registry half of the library API.

A :class:`Tenant` comes from :meth:`AgentIdP.organization` (the operator, every scope) or
:meth:`AgentIdP.as_agent` (an agent, exactly its token's scopes). Each method builds the matching
command and runs the use case, so tenant isolation, scope checks and auditing are the ones the
HTTP API enforces.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from agentidp.application.commands import (
    ChangeAgentStatus,
    ChangeCredential,
    GenerateCredential,
    GetAgent,
    GetAuditEvent,
    IntrospectToken,
    ListAgents,
    ListCredentials,
    Origin,
    QueryAudit,
    RegisterAgent,
    RevokeToken,
    UpdateAgent,
    VerifyAuditChain,
)
from agentidp.application.principal import Principal
from agentidp.application.use_cases.agents import AgentPage
from agentidp.application.use_cases.audit import AuditChainReport, AuditPage
from agentidp.application.use_cases.credentials import CredentialView, IssuedSecret
from agentidp.domain.agent import Agent
from agentidp.domain.audit import ChainedAuditEvent
from agentidp.entrypoints.container import Container

#: Produces the principal for the next call (the operator's is fixed; an agent's is re-verified).
PrincipalSource = Callable[[], Awaitable[Principal]]


class Tenant:
    """Operations on one organization's agents, credentials, tokens and audit log.

    Every method raises the application's errors unchanged: ``InsufficientScope`` when the
    principal lacks the scope, ``AgentNotFound`` for an unknown id, ``TenantMismatch`` for an
    agent of another organization (checked before any status rule), and the domain's
    validation errors (``InvalidValue``, ``InvalidScope``, ...) for bad input.
    """

    def __init__(self, container: Container, principal: PrincipalSource, origin: Origin) -> None:
        """Use :meth:`AgentIdP.organization` or :meth:`AgentIdP.as_agent` instead."""
        self._container = container
        self._principal = principal
        self._origin = origin

    async def principal(self) -> Principal:
        """Who the calls act as (re-verified each time for an agent's token).

        Raises:
            Unauthenticated: the agent's token stopped being valid.
        """
        return await self._principal()

    # -- agents -----------------------------------------------------------------------------

    async def register_agent(
        self,
        *,
        email: str,
        owner: str,
        agent_type: str = "custom",
        version: str = "1.0.0",
        capabilities: Iterable[str] = (),
        deployment_env: str = "development",
        scopes: Iterable[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> Agent:
        """Register an agent in this organization (needs ``agents:write``).

        Args:
            email: unique across the deployment.
            owner: the team or person responsible for the agent.
            agent_type: screener, classifier, orchestrator, extractor, summarizer, router,
                monitor or custom.
            version: a semantic version.
            capabilities: ``resource:action`` strings.
            deployment_env: development, staging or production.
            scopes: OAuth scopes the agent may request; ``None`` grants ``agents:read``.
                Only scopes the caller holds itself can be granted.
            metadata: free-form JSON-compatible data.

        Raises:
            InvalidValue, InvalidScope, ScopeNotGranted, AgentAlreadyExists.
        """
        command = RegisterAgent(
            principal=await self._principal(),
            email=email,
            agent_type=agent_type,
            version=version,
            capabilities=list(capabilities),
            owner=owner,
            deployment_env=deployment_env,
            scopes=list(scopes) if scopes is not None else None,
            metadata=dict(metadata or {}),
            origin=self._origin,
        )
        agent: Agent = await self._container.register_agent()(command)
        return agent

    async def get_agent(self, agent_id: str) -> Agent:
        """One agent of this organization (needs ``agents:read``)."""
        command = GetAgent(principal=await self._principal(), agent_id=agent_id)
        agent: Agent = await self._container.get_agent()(command)
        return agent

    async def list_agents(
        self,
        *,
        page: int = 1,
        limit: int = 20,
        status: str | None = None,
        owner: str | None = None,
        agent_type: str | None = None,
    ) -> AgentPage:
        """One page of this organization's agents, newest first (needs ``agents:read``).

        Raises:
            InvalidRequest: ``page`` < 1, ``limit`` outside 1..100, or an unknown status.
        """
        command = ListAgents(
            principal=await self._principal(),
            page=page,
            limit=limit,
            status=status,
            owner=owner,
            agent_type=agent_type,
        )
        result: AgentPage = await self._container.list_agents()(command)
        return result

    async def update_agent(self, agent_id: str, **changes: Any) -> Agent:
        """Change mutable fields (``agent_type``, ``version``, ``capabilities``, ``owner``,
        ``deployment_env``, ``metadata``, ``scopes``); a ``status`` change runs the matching
        lifecycle step. Needs ``agents:write``.

        Raises:
            ImmutableField: ``email``, ``id``, ``organization_id`` or ``created_at``.
            AgentDecommissioned: the agent is decommissioned.
        """
        command = UpdateAgent(
            principal=await self._principal(),
            agent_id=agent_id,
            changes=changes,
            origin=self._origin,
        )
        agent: Agent = await self._container.update_agent()(command)
        return agent

    async def suspend_agent(self, agent_id: str) -> Agent:
        """active → suspended: its tokens stop working at once (needs ``agents:write``)."""
        return await self._status_change(self._container.suspend_agent, agent_id)

    async def reactivate_agent(self, agent_id: str) -> Agent:
        """suspended → active (needs ``agents:write``)."""
        return await self._status_change(self._container.reactivate_agent, agent_id)

    async def decommission_agent(self, agent_id: str) -> Agent:
        """Decommission for good and revoke every credential (needs ``agents:write``)."""
        return await self._status_change(self._container.decommission_agent, agent_id)

    # -- credentials ------------------------------------------------------------------------

    async def generate_credential(
        self, agent_id: str, *, expires_at: datetime | None = None
    ) -> IssuedSecret:
        """A new client secret for the agent; ``result.client_secret`` is shown only here.

        Only the agent itself or an ``admin:orgs`` holder may do this (plus ``agents:write``).

        Raises:
            NotResourceOwner, AgentNotActive, InvalidValue (``expires_at`` not in the future).
        """
        command = GenerateCredential(
            principal=await self._principal(),
            agent_id=agent_id,
            expires_at=expires_at,
            origin=self._origin,
        )
        issued: IssuedSecret = await self._container.generate_credential()(command)
        return issued

    async def list_credentials(
        self, agent_id: str, *, status: str | None = None
    ) -> Sequence[CredentialView]:
        """The agent's credentials, newest first; metadata only (needs ``agents:read``)."""
        command = ListCredentials(
            principal=await self._principal(), agent_id=agent_id, status=status
        )
        found: Sequence[CredentialView] = await self._container.list_credentials()(command)
        return found

    async def rotate_credential(
        self, agent_id: str, credential_id: str, *, expires_at: datetime | None = None
    ) -> IssuedSecret:
        """Replace the credential's secret; the old one stops working at once.

        Raises:
            NotResourceOwner, CredentialNotFound, CredentialAlreadyRevoked.
        """
        command = ChangeCredential(
            principal=await self._principal(),
            agent_id=agent_id,
            credential_id=credential_id,
            expires_at=expires_at,
            origin=self._origin,
        )
        issued: IssuedSecret = await self._container.rotate_credential()(command)
        return issued

    async def revoke_credential(self, agent_id: str, credential_id: str) -> CredentialView:
        """Revoke the credential for good.

        Raises:
            NotResourceOwner, CredentialNotFound, CredentialAlreadyRevoked.
        """
        command = ChangeCredential(
            principal=await self._principal(),
            agent_id=agent_id,
            credential_id=credential_id,
            origin=self._origin,
        )
        revoked: CredentialView = await self._container.revoke_credential()(command)
        return revoked

    # -- tokens -----------------------------------------------------------------------------

    async def introspect(self, token: str) -> dict[str, Any]:
        """RFC 7662 introspection as this principal (needs ``tokens:read``); see
        :meth:`AgentIdP.introspect`."""
        command = IntrospectToken(
            principal=await self._principal(), token=token, origin=self._origin
        )
        result: dict[str, Any] = await self._container.introspect_token()(command)
        return result

    async def revoke_token(self, token: str) -> None:
        """RFC 7009 revocation as this principal; see :meth:`AgentIdP.revoke_token`."""
        command = RevokeToken(principal=await self._principal(), token=token, origin=self._origin)
        await self._container.revoke_token()(command)

    # -- audit ------------------------------------------------------------------------------

    async def query_audit(
        self,
        *,
        agent_id: str | None = None,
        action: str | None = None,
        outcome: str | None = None,
        from_date: datetime | None = None,
        to_date: datetime | None = None,
        page: int = 1,
        limit: int = 20,
    ) -> AuditPage:
        """This organization's audit events, newest first (needs ``audit:read``).

        Raises:
            RetentionWindowExceeded: ``from_date`` is older than the retention window.
            InvalidRequest: bad paging, filter or date range.
        """
        command = QueryAudit(
            principal=await self._principal(),
            agent_id=agent_id,
            action=action,
            outcome=outcome,
            from_date=from_date,
            to_date=to_date,
            page=page,
            limit=limit,
        )
        result: AuditPage = await self._container.query_audit()(command)
        return result

    async def get_audit_event(self, event_id: str) -> ChainedAuditEvent:
        """One audit event of this organization (needs ``audit:read``).

        Raises:
            AuditEventNotFound: unknown, foreign or outside the retention window alike.
        """
        command = GetAuditEvent(principal=await self._principal(), event_id=event_id)
        event: ChainedAuditEvent = await self._container.get_audit_event()(command)
        return event

    async def verify_audit_chain(
        self, *, from_date: datetime | None = None, to_date: datetime | None = None
    ) -> AuditChainReport:
        """Verify the deployment-wide chain as this tenant sees it (needs ``audit:read``): a
        break in another organization's events reports ``verified=False`` without its id."""
        command = VerifyAuditChain(
            principal=await self._principal(), from_date=from_date, to_date=to_date
        )
        result: AuditChainReport = await self._container.verify_audit_chain()(command)
        return result

    async def _status_change(self, provider: Callable[[], Any], agent_id: str) -> Agent:
        command = ChangeAgentStatus(
            principal=await self._principal(), agent_id=agent_id, origin=self._origin
        )
        agent: Agent = await provider()(command)
        return agent
