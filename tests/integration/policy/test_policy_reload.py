"""RegoPolicyEngine against real policy files: reload without restart, the last good policy
kept when a change is broken, fail closed when none is good, and thread safety."""

from __future__ import annotations

import json
import logging
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from agentidp.adapters.policy import RegoPolicyEngine
from agentidp.application.errors import PolicyUnavailable
from agentidp.application.ports.policy import AccessRequest, policy_input
from agentidp.application.principal import Principal
from agentidp.domain.ids import AgentId, OrganizationId

POLICIES = Path(str(files("agentidp.policies")))
ORG = OrganizationId("0b0e0000-0000-4000-8000-00000000000a")


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def agent_info(scopes: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The input document of ``GET /agent-info`` by a caller holding ``scopes``."""
    principal = Principal(subject=AgentId("a"), organization_id=ORG, scopes=scopes)
    return policy_input(AccessRequest("GET", "/agent-info", principal))


def rewrite(path: Path, text: str) -> None:
    """Replace a file's content and move its mtime forward (coarse filesystem clocks)."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


def require_scope_for_agent_info(policy_dir: Path) -> None:
    """Change the route table: /agent-info now needs agents:read."""
    data_file = policy_dir / "data.json"
    document = json.loads(data_file.read_text())
    document["agentidp"]["routes"]["GET /agent-info"] = {"scopes": ["agents:read"]}
    rewrite(data_file, json.dumps(document))


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    """A writable copy of the shipped policies."""
    target = tmp_path / "policies"
    shutil.copytree(POLICIES, target, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return target


@pytest.fixture
def ticks() -> Ticks:
    """The engine's clock."""
    return Ticks()


def test_a_changed_policy_applies_without_restart(policy_dir: Path, ticks: Ticks) -> None:
    """Within one check interval the loaded policy answers; after it, the new one does."""
    engine = RegoPolicyEngine(policy_dir, check_interval=1.0, monotonic=ticks)
    assert engine.evaluate(agent_info()).allow

    require_scope_for_agent_info(policy_dir)
    ticks.advance(0.5)
    assert engine.evaluate(agent_info()).allow  # not checked yet: at most once a second

    ticks.advance(0.6)
    assert not engine.evaluate(agent_info()).allow
    assert engine.evaluate(agent_info(frozenset({"agents:read"}))).allow


def test_reload_applies_a_change_at_once(policy_dir: Path, ticks: Ticks) -> None:
    """``reload()`` (what an operator's trigger calls) does not wait for the interval."""
    engine = RegoPolicyEngine(policy_dir, check_interval=3600, monotonic=ticks)
    require_scope_for_agent_info(policy_dir)

    assert engine.reload() is True
    assert not engine.evaluate(agent_info()).allow


@pytest.mark.parametrize(
    ("file", "content"),
    [
        ("authz.rego", "package agentidp.authz\nallow if {"),  # does not parse
        ("data.json", "{not json"),
        ("data.json", "[1, 2]"),  # not an object
        ("extra.rego", "package agentidp.authz\nimport rego.v1\nallow := 1\nallow := 2\n"),
        (
            "extra.rego",  # a built-in regopy lacks: would silently be undefined
            "package agentidp.cidr\nimport rego.v1\n"
            'inside if net.cidr_contains("10.0.0.0/8", input.ip)\n',
        ),
        ("authz.rego", "package agentidp.other\nimport rego.v1\nallow := true\n"),  # no package
    ],
    ids=["syntax", "json", "not-object", "conflict", "missing-builtin", "wrong-package"],
)
def test_a_broken_change_keeps_the_last_good_policy_and_logs_it(
    policy_dir: Path, ticks: Ticks, caplog: pytest.LogCaptureFixture, file: str, content: str
) -> None:
    """The previous policies stay in force; the rejection is logged at ERROR once."""
    engine = RegoPolicyEngine(policy_dir, check_interval=1.0, monotonic=ticks)
    caplog.set_level(logging.ERROR, logger="agentidp.policy")

    rewrite(policy_dir / file, content)
    ticks.advance(1.0)
    first = engine.evaluate(agent_info())
    ticks.advance(1.0)
    second = engine.evaluate(agent_info())

    assert first.allow
    assert second.allow
    assert engine.reload() is False
    rejections = [record for record in caplog.records if "rejected" in record.getMessage()]
    assert len(rejections) == 1, caplog.text


def test_fixing_a_rejected_policy_loads_it(policy_dir: Path, ticks: Ticks) -> None:
    """After a rejection, the next good version is picked up."""
    engine = RegoPolicyEngine(policy_dir, check_interval=1.0, monotonic=ticks)
    good = (policy_dir / "authz.rego").read_text()
    rewrite(policy_dir / "authz.rego", "package agentidp.authz\nallow if {")
    assert engine.reload() is False

    rewrite(policy_dir / "authz.rego", good)
    require_scope_for_agent_info(policy_dir)

    assert engine.reload() is True
    assert not engine.evaluate(agent_info()).allow


def test_no_good_policy_at_start_fails_closed(
    policy_dir: Path, ticks: Ticks, caplog: pytest.LogCaptureFixture
) -> None:
    """Broken from the start: every decision raises PolicyUnavailable, none allows."""
    rewrite(policy_dir / "authz.rego", "package agentidp.authz\nallow if {")
    caplog.set_level(logging.ERROR, logger="agentidp.policy")

    engine = RegoPolicyEngine(policy_dir, check_interval=1.0, monotonic=ticks)

    assert not engine.loaded
    with pytest.raises(PolicyUnavailable):
        engine.evaluate(agent_info())
    assert "every request is refused" in caplog.text


def test_a_missing_policy_directory_fails_closed_until_it_appears(
    tmp_path: Path, ticks: Ticks, caplog: pytest.LogCaptureFixture
) -> None:
    """A mistyped AGENTIDP_POLICY_DIR does not fall back to allowing anything; the error is
    logged once, not at every check; policies that appear later are picked up."""
    caplog.set_level(logging.ERROR, logger="agentidp.policy")
    missing = tmp_path / "later"
    engine = RegoPolicyEngine(missing, monotonic=ticks)

    for _ in range(3):
        ticks.advance(1.0)
        with pytest.raises(PolicyUnavailable):
            engine.evaluate(agent_info())
    shutil.copytree(POLICIES, missing, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    ticks.advance(1.0)

    assert engine.evaluate(agent_info()).allow
    assert len(caplog.records) == 1, caplog.text


def test_a_directory_without_modules_fails_closed(tmp_path: Path, ticks: Ticks) -> None:
    """Data alone decides nothing."""
    (tmp_path / "data.json").write_text("{}")
    engine = RegoPolicyEngine(tmp_path, monotonic=ticks)

    with pytest.raises(PolicyUnavailable):
        engine.evaluate(agent_info())


def test_threads_sharing_an_engine_get_their_own_answers() -> None:
    """Input and query must not interleave between threads (the interpreter holds the input)."""
    engine = RegoPolicyEngine(POLICIES)
    reader = agent_info(frozenset({"agents:read"}))
    documents = [
        (policy_input(AccessRequest("POST", "/api/v1/agents", principal, {})), expected)
        for principal, expected in (
            (Principal(AgentId("w"), ORG, frozenset({"agents:write"})), True),
            (Principal(AgentId("r"), ORG, frozenset({"agents:read"})), False),
        )
    ] + [(reader, True)]

    def hammer(index: int) -> list[bool]:
        document, expected = documents[index % len(documents)]
        return [engine.evaluate_uncached(document).allow == expected for _ in range(100)]

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = [ok for batch in pool.map(hammer, range(12)) for ok in batch]

    assert len(results) == 1200
    assert all(results)
