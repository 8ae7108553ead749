"""PostgreSQL unit of work: stages writes, then commits them through the store's writer task."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Self

from agentidp.application.ports.repositories import (
    AgentRepository,
    AuditLog,
    ClientDirectory,
    CredentialRepository,
    OrganizationRepository,
)
from agentidp.domain.audit import AuditEvent

from .agents import PostgresAgentRepository
from .audit import PostgresAuditLog
from .clients import PostgresClientDirectory
from .credentials import PostgresCredentialRepository
from .organizations import PostgresOrganizationRepository
from .reader import Reader
from .staging import Staging, Write

#: Hands one unit of work's writes and events to the writer; returns once durably committed.
Submit = Callable[[Sequence[Write], Sequence[AuditEvent]], Awaitable[None]]


class PostgresUnitOfWork:
    """One atomic set of changes (implements ``UnitOfWork``). Obtain it from
    :meth:`PostgresStore.unit_of_work`.

    Reads go straight to the committed state (one pooled statement each); writes are staged
    in a shared :class:`Staging` and applied by ``commit`` in a savepoint of the writer's next
    group transaction. No connection is held between calls, so a unit of work that waits on
    something else (argon2, a policy decision) ties up nothing in PostgreSQL.
    """

    def __init__(self, reader: Reader, submit: Submit) -> None:
        self._staging = Staging()
        self._submit = submit
        self.organizations: OrganizationRepository = PostgresOrganizationRepository(
            reader, self._staging
        )
        self.agents: AgentRepository = PostgresAgentRepository(reader, self._staging)
        self.credentials: CredentialRepository = PostgresCredentialRepository(reader, self._staging)
        self.clients: ClientDirectory = PostgresClientDirectory(reader)
        self.audit: AuditLog = PostgresAuditLog(reader, self._staging)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.rollback()

    async def commit(self) -> None:
        """Apply everything staged, atomically and durably; nothing staged is a no-op.

        The staging is emptied whatever the outcome. If the awaiting task is cancelled the
        batch may still commit, exactly like a lost reply from a database server.

        Raises:
            AgentAlreadyExists, OrganizationSlugTaken, ConcurrentUpdate, OrganizationNotFound,
            AgentNotFound, Conflict: the batch was rolled back, nothing of it applied.
            BackendUnavailable: the store could not commit; nothing applied.
        """
        writes, events = self._staging.take()
        if writes or events:
            await self._submit(writes, events)

    async def rollback(self) -> None:
        """Discard everything staged."""
        self._staging.clear()
