"""The world the use-case tests run in: the real container on ``memory://``.

:func:`open_world` builds a container with cheap argon2 parameters and a :class:`ManualClock`,
so expiry and retention are exercised without sleeping. :class:`World` arranges state through
the use cases themselves and reads it back from the memory store (repositories and the audit
chain), so tests assert on state, never on calls (cosmicpython).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from dependency_injector import providers

from agentidp.adapters.memory import InMemoryRevocationList, InMemoryStore
from agentidp.adapters.system import ManualClock
from agentidp.application.commands import (
    BootstrapOrganization,
    GenerateCredential,
    IssueToken,
    RegisterAgent,
)
from agentidp.application.principal import Principal
from agentidp.application.use_cases.credentials import IssuedSecret
from agentidp.application.use_cases.tokens import IssuedToken
from agentidp.domain.agent import Agent
from agentidp.domain.audit import ChainedAuditEvent
from agentidp.domain.credential import Credential
from agentidp.domain.ids import OrganizationId
from agentidp.domain.scopes import KNOWN_SCOPES, OPERATOR_ONLY_SCOPES
from agentidp.entrypoints.container import Container, build_container
from agentidp.entrypoints.container import start as start_container
from agentidp.entrypoints.container import stop as stop_container
from agentidp.entrypoints.settings import Argon2Parameters, Settings

#: Where every world's manual clock starts.
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
#: Cheap argon2 (1 pass, 1 MiB, 1 lane): the tests check behaviour, not hashing cost.
SETTINGS = Settings(database_url="memory://", argon2=Argon2Parameters(1, 1024, 1))
ALL_SCOPES = frozenset(KNOWN_SCOPES) - OPERATOR_ONLY_SCOPES  # what a bootstrapped admin holds


def random_slug() -> str:
    """A fresh valid organization slug (cosmicpython's ``random_ref``)."""
    return f"org-{uuid.uuid4().hex[:12]}"


def random_email() -> str:
    """A fresh agent email, unique across the deployment."""
    return f"agent-{uuid.uuid4().hex[:12]}@agents.example"


@dataclass(frozen=True, slots=True)
class Tenant:
    """A bootstrapped organization: its id, its administrator agent and that agent's secret."""

    organization_id: OrganizationId
    admin: Agent
    client_secret: str

    @property
    def principal(self) -> Principal:
        """The administrator as a caller holding every scope."""
        return Principal(subject=self.admin.id, organization_id=self.organization_id,
                         scopes=ALL_SCOPES)


@dataclass(slots=True)
class CommitLog:
    """Spy on the unit-of-work factory: one entry per ``commit()`` that returned, recording
    how many audit events that commit added to the chain."""

    store: InMemoryStore
    commits: list[int] = field(default_factory=list)

    def clear(self) -> None:
        """Forget the commits seen so far."""
        self.commits.clear()


class _SpiedUnitOfWork:
    """Delegates to a real unit of work and reports each successful commit to a CommitLog.

    NOTE: a spy (STYLE §9: only when needed): the store's final state cannot show whether a
    use case's change and its audit events arrived in one commit or in two.
    """

    def __init__(self, inner: Any, log: CommitLog) -> None:
        self._inner = inner
        self._log = log

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def __aenter__(self) -> _SpiedUnitOfWork:
        await self._inner.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._inner.__aexit__(exc_type, exc, tb)

    async def commit(self) -> None:
        before = len(self._log.store.audit_chain)
        await self._inner.commit()
        self._log.commits.append(len(self._log.store.audit_chain) - before)

    async def rollback(self) -> None:
        await self._inner.rollback()


class UseCases:
    """``run.<provider>(command)``: build a fresh use case from the container and run it.

    Once the store resource is initialised, dependency-injector builds every provider that
    depends on it in async mode (calling it returns an awaitable of the use case), the same
    thing ``agentidp.entrypoints.library.wiring.execute`` handles for the library facade.
    """

    def __init__(self, container: Container) -> None:
        self._container = container

    def __getattr__(self, name: str) -> Callable[[Any], Awaitable[Any]]:
        provider = getattr(self._container, name)

        async def run(command: Any) -> Any:
            use_case = provider()
            return await use_case(command)

        return run


class World:
    """A container on the memory store plus helpers to arrange state and read it back."""

    def __init__(self, container: Container, clock: ManualClock, store: InMemoryStore) -> None:
        self.container = container
        self.run = UseCases(container)
        self.clock = clock
        self.store = store
        self.commit_log = CommitLog(store)

    # -- reading state back ---------------------------------------------------------------

    def uow(self) -> Any:
        """A fresh unit of work on the world's store (for reading committed state)."""
        return self.store.unit_of_work()

    async def agent(self, agent_id: str) -> Agent | None:
        """The stored agent, or ``None``."""
        async with self.uow() as uow:
            return await uow.agents.get(agent_id)

    async def credential(self, credential_id: str) -> Credential | None:
        """The stored credential, or ``None``."""
        async with self.uow() as uow:
            return await uow.credentials.get(credential_id)

    async def credentials_of(self, agent_id: str) -> Sequence[Credential]:
        """Every stored credential of an agent, newest first."""
        async with self.uow() as uow:
            return await uow.credentials.list_by_agent(agent_id)

    async def chain(self) -> Sequence[ChainedAuditEvent]:
        """The whole audit chain, in chain order."""
        async with self.uow() as uow:
            return await uow.audit.chain()

    async def chain_length(self) -> int:
        """How many audit events are stored."""
        return len(await self.chain())

    async def events_since(self, length: int) -> list[ChainedAuditEvent]:
        """The audit events appended after the chain had ``length`` events."""
        return list(await self.chain())[length:]

    def state(self) -> tuple[str, ...]:
        """A fingerprint of every stored aggregate (organizations, agents, credentials)."""
        return (
            repr(sorted(self.store.organizations.items())),
            repr(sorted(self.store.agents.items())),
            repr(sorted(self.store.credentials.items())),
        )

    def spy_on_commits(self) -> CommitLog:
        """Route every use case's unit of work through a commit spy (a provider override)."""
        log = self.commit_log
        self.container.uow.override(
            providers.Object(lambda: _SpiedUnitOfWork(self.store.unit_of_work(), log))
        )
        return log

    # -- arranging state ------------------------------------------------------------------

    async def bootstrap(self, slug: str | None = None, email: str | None = None) -> Tenant:
        """A new (or, for a known slug, reused) organization with a fresh administrator."""
        result = await self.run.bootstrap_organization(
            BootstrapOrganization(slug=slug or random_slug(), name="Example Org",
                                  admin_email=email or random_email())
        )
        return Tenant(result.organization.id, result.admin, result.client_secret)

    async def register(
        self, principal: Principal, *, scopes: Sequence[str] | None = None, **overrides: Any
    ) -> Agent:
        """Register an agent through the use case (classifier, owner ``platform-team``)."""
        fields: dict[str, Any] = {
            "principal": principal,
            "email": random_email(),
            "agent_type": "classifier",
            "version": "1.0.0",
            "capabilities": ["documents:read"],
            "owner": "platform-team",
            "deployment_env": "production",
            "scopes": list(scopes) if scopes is not None else None,
        }
        fields.update(overrides)
        return await self.run.register_agent(RegisterAgent(**fields))

    async def generate(
        self, principal: Principal, agent_id: str, expires_at: datetime | None = None
    ) -> IssuedSecret:
        """A new credential (and its secret) for an agent."""
        return await self.run.generate_credential(
            GenerateCredential(principal=principal, agent_id=agent_id, expires_at=expires_at)
        )

    async def client(
        self, tenant: Tenant, *, scopes: Sequence[str] = ("agents:read",), **overrides: Any
    ) -> tuple[Agent, str]:
        """A registered agent of ``tenant`` with one credential: ``(agent, client_secret)``."""
        agent = await self.register(tenant.principal, scopes=scopes, **overrides)
        issued = await self.generate(tenant.principal, agent.id)
        return agent, issued.client_secret

    async def issue(self, client_id: str, secret: str, scope: str | None = None) -> IssuedToken:
        """Run the client credentials grant."""
        return await self.run.issue_token(
            IssueToken(client_id=client_id, client_secret=secret, scope=scope)
        )

    def principal_of(self, agent: Agent, scopes: frozenset[str] | None = None) -> Principal:
        """``agent`` as a caller with ``scopes`` (default: the agent's own scopes)."""
        return Principal(subject=agent.id, organization_id=agent.organization_id,
                         scopes=agent.scopes if scopes is None else scopes)

    def sign(self, claims: Mapping[str, Any]) -> str:
        """A token with exactly ``claims``, signed by the deployment's own key."""
        return self.container.signer().sign(claims)

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of one of our tokens, checked by the signer."""
        return self.container.signer().verify(token)


@asynccontextmanager
async def open_world(algorithm: str = "RS256") -> AsyncIterator[World]:
    """A fresh world: container on ``memory://``, manual clock, resources started and closed.

    The revocation list is re-wired to the manual clock as well: the container builds it on
    wall-clock time, which would forget revocations of tokens "issued" at the manual time.
    """
    container = build_container(SETTINGS.with_overrides(signing_algorithm=algorithm))
    clock = ManualClock(START)
    container.clock.override(providers.Object(clock))
    container.revocations.override(
        providers.Object(InMemoryRevocationList(clock=lambda: clock.now().timestamp()))
    )
    await start_container(container)
    try:
        yield World(container, clock, container.store())
    finally:
        await stop_container(container)



WorldFactory = Callable[..., AbstractAsyncContextManager[World]]
