"""The GitHub Actions in deploy/github-actions: valid action.yml files whose steps call
existing ``agentidp ci`` commands, pass every input through an environment variable the
command reads, and expose outputs the command writes; READMEs that document them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Final

import click
import pytest
import yaml

from agentidp.entrypoints.cli.main import cli

ACTIONS: Final = Path(__file__).resolve().parents[3] / "deploy" / "github-actions"
#: Inputs and outputs of seed 004, plus ours (audience, agentidp-package).
EXPECTED: Final = {
    "issue-token": (
        {"api-url", "agent-id", "audience", "agentidp-package"},
        {"access-token", "expires-at"},
        "issue-token",
    ),
    "register-agent": (
        {
            "api-url",
            "agent-name",
            "agent-description",
            "registrar-agent-id",
            "audience",
            "agentidp-package",
        },
        {"agent-id"},
        "register-agent",
    ),
}
REQUIRED: Final = {"api-url", "agent-id", "agent-name"}
_INPUT: Final = re.compile(r"\$\{\{\s*inputs\.([a-z-]+)\s*\}\}")
_STEP_OUTPUT: Final = re.compile(r"^\$\{\{\s*steps\.([a-z-]+)\.outputs\.([a-z-]+)\s*\}\}$")


def load(name: str) -> dict[str, Any]:
    """The parsed action.yml of action ``name``."""
    document = yaml.safe_load((ACTIONS / name / "action.yml").read_text())
    assert isinstance(document, dict)
    return document


def envvars(command: click.Command) -> set[str]:
    """The environment variables the command's options read."""
    return {
        param.envvar
        for param in command.params
        if isinstance(param, click.Option) and isinstance(param.envvar, str)
    }


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_action_declares_the_seed_inputs_and_outputs(name: str) -> None:
    """Inputs, outputs and required flags as seed 004 names them; a composite action with a
    description on everything."""
    action = load(name)
    inputs, outputs, _ = EXPECTED[name]

    assert set(action["inputs"]) == inputs
    assert set(action["outputs"]) == outputs
    assert action["runs"]["using"] == "composite"
    for input_name, spec in action["inputs"].items():
        assert spec["description"]
        assert spec.get("required", False) is (input_name in REQUIRED)
        if input_name not in REQUIRED:
            assert "default" in spec
    assert all(spec["description"] for spec in action["outputs"].values())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_steps_call_an_existing_command_through_environment_variables(name: str) -> None:
    """The step runs ``agentidp ci <command>``, which exists; every input reaches it through
    an ``env:`` entry the command reads (never a ${{ }} inside ``run:``, which would allow
    script injection); every input is used; outputs come from that step."""
    action = load(name)
    _, outputs, command_name = EXPECTED[name]
    steps = action["runs"]["steps"]
    group = cli.commands["ci"]
    assert isinstance(group, click.Group)
    command = group.commands[command_name]

    used: set[str] = set()
    for step in steps:
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], "inputs must go through env, not into the script"
        for variable, value in step.get("env", {}).items():
            used.update(_INPUT.findall(str(value)))
            if f"ci {command_name}" in step["run"]:
                assert variable in envvars(command), f"{variable} is not read by the command"
    calling = [step for step in steps if f'agentidp" ci {command_name}' in step["run"]]
    assert len(calling) == 1
    assert used == set(action["inputs"])
    for output in action["outputs"].values():
        match = _STEP_OUTPUT.match(output["value"])
        assert match is not None
        assert match.group(1) == calling[0]["id"]
    assert set(action["outputs"]) == outputs


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_readme_documents_setup_inputs_outputs_and_an_example(name: str) -> None:
    """Seed 004: purpose, prerequisites (trust policy, id-token permission), inputs and
    outputs tables, a minimal workflow, a link to the full documentation."""
    readme = (ACTIONS / name / "README.md").read_text()
    action = load(name)

    assert "/api/v1/oidc/trust-policies" in readme
    assert "id-token: write" in readme
    for item in [*action["inputs"], *action["outputs"]]:
        assert f"| `{item}` |" in readme
    example = re.search(r"```yaml\n(.*?)```", readme.split("## Example workflow")[1], re.S)
    assert example is not None
    workflow = yaml.safe_load(example.group(1))
    step = next(s for job in workflow["jobs"].values() for s in job["steps"] if "uses" in s)
    assert step["uses"].split("@")[0].endswith(f"github-actions/{name}")
    assert REQUIRED & set(action["inputs"]) <= set(step["with"])
    assert "docs/oidc-github.md" in readme
