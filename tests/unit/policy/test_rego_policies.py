"""The Rego policy tests (``policies/*_test.rego``), run through the embedded evaluator, and
the guard against built-ins the embedded evaluator lacks (they would silently deny)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import regopy

from agentidp.adapters.policy.policy_files import read_policies
from agentidp.adapters.policy.rego_engine import unknown_builtins

POLICIES = Path(str(files("agentidp.policies")))
_PACKAGE = re.compile(r"^package\s+([\w.]+)", re.MULTILINE)
_TEST_RULE = re.compile(r"^(test_\w+)\b", re.MULTILINE)


def policy_tests(root: Path) -> Iterator[tuple[str, str]]:
    """``(package, rule)`` of every ``test_`` rule in the ``*_test.rego`` files."""
    for path in sorted(root.rglob("*_test.rego")):
        text = path.read_text(encoding="utf-8")
        package = _PACKAGE.search(text)
        assert package, f"{path} has no package"
        for rule in sorted(set(_TEST_RULE.findall(text))):
            yield package.group(1), rule


def interpreter_with(root: Path, *extra_modules: tuple[str, str]) -> Any:
    """An interpreter holding every module (tests included) and data document of ``root``."""
    source = read_policies(root, include_tests=True)
    interpreter = regopy.Interpreter()
    for name, text in (*source.modules, *extra_modules):
        interpreter.add_module(name, text)
    for _, document in source.documents:
        interpreter.add_data(document)
    return interpreter


def rule_value(interpreter: Any, package: str, rule: str) -> Any:
    """The value of ``data.<package>.<rule>``; ``None`` when undefined (a failed test).

    Queried as ``x := ...`` (a bare reference to a false rule reads as undefined in regopy)
    and never through ``expressions()``, which aborts the process on undefined.
    """
    output = interpreter.query(f"x := data.{package}.{rule}")
    assert output.ok(), f"{package}.{rule} did not evaluate: {output}"
    text = str(output)
    if text == "undefined":
        return None
    return json.loads(text)["bindings"]["x"]


TESTS = list(policy_tests(POLICIES))


@pytest.fixture(scope="module")
def interpreter() -> Any:
    """The shipped policies with their tests."""
    return interpreter_with(POLICIES)


def test_the_policy_tests_are_found() -> None:
    """An empty discovery would make every policy test pass vacuously."""
    assert len(TESTS) >= 10
    assert {package for package, _ in TESTS} == {"agentidp.authz_test"}


@pytest.mark.parametrize(("package", "rule"), TESTS, ids=[rule for _, rule in TESTS])
def test_policy_rule_holds(interpreter: Any, package: str, rule: str) -> None:
    """Each ``test_`` rule of the policy tests is true."""
    assert rule_value(interpreter, package, rule) is True


def test_a_false_policy_test_is_reported_as_failing() -> None:
    """The runner can fail: a rule whose body is false reads as undefined, not true."""
    failing = (
        "failing_test.rego",
        "package agentidp.meta_test\nimport rego.v1\n"
        "import data.agentidp.authz\n"
        "test_wrong if { authz.decision({}, data.agentidp.routes).allow == true }\n",
    )
    interpreter = interpreter_with(POLICIES, failing)

    assert rule_value(interpreter, "agentidp.meta_test", "test_wrong") is None


@pytest.mark.parametrize("path", sorted(POLICIES.rglob("*.rego")), ids=lambda path: path.name)
def test_policies_use_only_builtins_the_embedded_evaluator_has(path: Path) -> None:
    """regopy evaluates an unknown built-in to *undefined* without an error, so a policy
    using one would silently deny (or, under ``not``, allow)."""
    is_builtin = regopy.Interpreter().is_builtin

    assert unknown_builtins(path.read_text(encoding="utf-8"), is_builtin) == set()


def test_the_builtin_check_finds_a_missing_builtin() -> None:
    """The check itself can fail: net.cidr_contains is missing from regopy 1.5.2, while
    data references, imported packages, strings and comments are not calls of built-ins."""
    source = """
package demo
import rego.v1
import data.lib.helpers
import data.other as util
# net.cidr_merge(x) in a comment
message := "uuid.fake(1) in a string"
allow if net.cidr_contains("10.0.0.0/8", input.ip)
allow if helpers.check(input)
allow if util.check(input)
allow if data.lib.check(input)
allow if object.get(input, "x", false)
"""
    is_builtin = regopy.Interpreter().is_builtin

    assert unknown_builtins(source, is_builtin) == {"net.cidr_contains"}
