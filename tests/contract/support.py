"""Helpers of the contract suites that only talk to ports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from agentidp.application.ports.unit_of_work import UnitOfWorkFactory
from agentidp.domain.agent import Agent
from agentidp.domain.audit import AuditEvent
from agentidp.domain.credential import Credential
from agentidp.domain.organization import Organization
from tests.builders import NOW


async def save(uow_factory: UnitOfWorkFactory, *items: object) -> None:
    """Stage every item with the repository for its type and commit them in one unit of work."""
    async with uow_factory() as uow:
        for item in items:
            if isinstance(item, Organization):
                await uow.organizations.add(item)
            elif isinstance(item, Agent):
                await uow.agents.add(item)
            elif isinstance(item, Credential):
                await uow.credentials.add(item)
            elif isinstance(item, AuditEvent):
                await uow.audit.append(item)
            else:
                raise TypeError(f"cannot save {item!r}")
        await uow.commit()


@dataclass
class FakeClock:
    """Unix time that only moves when a test moves it (the revocation lists' clock)."""

    now: float = NOW.timestamp()

    def __call__(self) -> float:
        return self.now

    def advance(self, delta: timedelta) -> None:
        """Move forward by ``delta``."""
        self.now += delta.total_seconds()
