"""Property-based contract: AgentRepository behaves like a dict of committed agents.

A hypothesis state machine drives random sequences of adds (with colliding emails), updates
(with current and stale revisions), gets, listings and abandoned units of work against each
backend, and compares every answer with a plain dict model.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Coroutine
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, rule, run_state_machine_as_test

from agentidp.application.errors import AgentAlreadyExists, ConcurrentUpdate
from agentidp.application.ports.repositories import AgentFilter, Page
from agentidp.domain.agent import Agent
from agentidp.domain.ids import AgentId
from tests.builders import NOW, make_agent, make_organization

from .backends import BACKENDS, open_backend
from .support import save

T = TypeVar("T")

# Few values, so emails collide (in any case) and listings have ties and filter hits.
EMAILS = ["alpha@example.com", "beta@example.com", "ALPHA@example.com", "gamma@example.com"]
OWNERS = ["team-a", "team-b"]


class AgentRepositoryMachine(RuleBasedStateMachine):
    """Model: agent id → the agent as last committed, revision included."""

    attempted = Bundle("attempted")  # ids of adds, including the ones that were refused

    def __init__(self, backend_name: str) -> None:
        super().__init__()
        self.model: dict[str, Agent] = {}
        self._loop = asyncio.new_event_loop()
        self._directory = Path(tempfile.mkdtemp(prefix="agentidp-model-"))
        self._resources = AsyncExitStack()
        backend = self._run(
            self._resources.enter_async_context(open_backend(backend_name, self._directory))
        )
        self._uow = backend.uow_factory
        self._organization = make_organization()
        self._run(save(self._uow, self._organization))
        self._tick = 0

    def teardown(self) -> None:
        self._run(self._resources.aclose())
        self._loop.close()
        shutil.rmtree(self._directory, ignore_errors=True)

    @rule(target=attempted, email=st.sampled_from(EMAILS), owner=st.sampled_from(OWNERS),
          second=st.integers(0, 2))  # fmt: skip
    def add(self, email: str, owner: str, second: int) -> str:
        agent = make_agent(
            organization_id=self._organization.id,
            email=email,
            owner=owner,
            now=NOW + timedelta(seconds=second),
        )
        taken = any(stored.email == agent.email for stored in self.model.values())
        try:
            self._run(save(self._uow, agent))
        except AgentAlreadyExists:
            assert taken
        else:
            assert not taken
            self.model[agent.id] = agent
        return agent.id

    @rule(agent_id=attempted, revision_offset=st.sampled_from([0, 0, -1, 1]),
          owner=st.sampled_from(OWNERS), toggle_status=st.booleans())  # fmt: skip
    def update(self, agent_id: str, revision_offset: int, owner: str, toggle_status: bool) -> None:
        current = self.model.get(agent_id)
        changed = self._changed(agent_id, current, owner, toggle_status)
        changed.revision += revision_offset
        stale = current is None or revision_offset != 0

        try:
            self._run(self._update(changed))
        except ConcurrentUpdate:
            assert stale
        else:
            assert not stale
            changed.revision += 1
            self.model[agent_id] = changed

    @rule(agent_id=attempted)
    def get(self, agent_id: str) -> None:
        assert self._run(self._get(agent_id)) == self.model.get(agent_id)

    @rule(owner=st.none() | st.sampled_from(OWNERS), number=st.integers(1, 3),
          size=st.integers(1, 3))  # fmt: skip
    def list(self, owner: str | None, number: int, size: int) -> None:
        matches = [a for a in self.model.values() if owner is None or a.owner == owner]
        matches.sort(key=lambda agent: (agent.created_at, agent.id), reverse=True)
        page = Page(number, size)

        listed, total = self._run(self._list(AgentFilter(self._organization.id, owner=owner), page))

        assert list(listed) == matches[page.offset : page.offset + size]
        assert total == len(matches)

    @rule(agent_id=attempted, email=st.sampled_from(EMAILS))
    def rollback_without_commit(self, agent_id: str, email: str) -> None:
        newcomer = make_agent(organization_id=self._organization.id, email=f"new-{email}")
        changed = self._changed(agent_id, self.model.get(agent_id), "team-z", True)

        self._run(self._abandon(newcomer, changed))

        assert self._run(self._get(newcomer.id)) is None
        assert self._run(self._get(agent_id)) == self.model.get(agent_id)

    def _changed(self, agent_id: str, current: Agent | None, owner: str, toggle: bool) -> Agent:
        self._tick += 1
        now = NOW + timedelta(minutes=self._tick)
        if current is None:  # never stored: any update of it must be refused
            return make_agent(id=AgentId(agent_id), organization_id=self._organization.id)
        changed = current.snapshot()
        changed.update({"owner": owner}, now=now)
        if toggle and changed.is_active:
            changed.suspend(now=now)
        elif toggle:
            changed.reactivate(now=now)
        return changed

    async def _get(self, agent_id: str) -> Agent | None:
        async with self._uow() as uow:
            return await uow.agents.get(AgentId(agent_id))

    async def _list(self, filter: AgentFilter, page: Page) -> tuple[Any, int]:
        async with self._uow() as uow:
            return await uow.agents.list(filter, page)

    async def _update(self, agent: Agent) -> None:
        async with self._uow() as uow:
            await uow.agents.update(agent)
            await uow.commit()

    async def _abandon(self, newcomer: Agent, changed: Agent) -> None:
        async with self._uow() as uow:
            await uow.agents.add(newcomer)
            await uow.agents.update(changed)

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self._loop.run_until_complete(coroutine)


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_agent_repository_behaves_like_a_dict(backend_name: str) -> None:
    """Every sequence of repository operations agrees with the dict model."""
    run_state_machine_as_test(
        # NOTE: documented to accept any factory; the annotation says type[...] only.
        lambda: AgentRepositoryMachine(backend_name),  # type: ignore[arg-type]
        settings=settings(max_examples=40, stateful_step_count=30),
    )
