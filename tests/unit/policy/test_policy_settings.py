"""The policy settings (AGENTIDP_OPA_URL, AGENTIDP_POLICY_DIR, AGENTIDP_OPA_TIMEOUT_MS) and the
engine the container picks from them."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

from agentidp.adapters.policy import OpaHttpPolicyEngine, RegoPolicyEngine
from agentidp.entrypoints.container import build_container
from agentidp.entrypoints.settings import ConfigurationError, Settings

BASE = {"AGENTIDP_DATABASE_URL": "memory://"}


def test_by_default_the_packaged_policies_are_evaluated_in_process() -> None:
    """No variable set: RegoPolicyEngine on agentidp.policies."""
    settings = Settings.from_env(BASE)
    engine = build_container(settings).policy()

    assert (settings.opa_url, settings.policy_dir) == (None, None)
    assert isinstance(engine, RegoPolicyEngine)
    assert engine.loaded
    assert engine.evaluate({}).allow is False


def test_a_policy_directory_is_read_from_the_environment(tmp_path: Path) -> None:
    """AGENTIDP_POLICY_DIR names the directory (``~`` expanded); a missing one fails closed."""
    settings = Settings.from_env({**BASE, "AGENTIDP_POLICY_DIR": str(tmp_path / "none")})
    engine = build_container(settings).policy()

    assert settings.policy_dir == tmp_path / "none"
    assert isinstance(engine, RegoPolicyEngine)
    assert not engine.loaded
    assert (
        Settings.from_env({**BASE, "AGENTIDP_POLICY_DIR": "~/p"}).policy_dir
        == Path("~/p").expanduser()
    )


def test_an_opa_url_selects_the_opa_engine() -> None:
    """AGENTIDP_OPA_URL (and its timeout) select OpaHttpPolicyEngine."""
    settings = Settings.from_env(
        {**BASE, "AGENTIDP_OPA_URL": "http://127.0.0.1:8181", "AGENTIDP_OPA_TIMEOUT_MS": "250"}
    )

    assert settings.opa_timeout_ms == 250
    assert isinstance(build_container(settings).policy(), OpaHttpPolicyEngine)


@pytest.mark.parametrize(
    "environ",
    [
        {"AGENTIDP_OPA_URL": "opa.internal:8181"},
        {"AGENTIDP_OPA_URL": "ftp://opa"},
        {"AGENTIDP_OPA_TIMEOUT_MS": "0"},
        {"AGENTIDP_OPA_TIMEOUT_MS": "soon"},
    ],
)
def test_malformed_policy_settings_are_refused(environ: dict[str, str]) -> None:
    """A malformed value stops start-up with a message naming the variable."""
    with pytest.raises(ConfigurationError, match="AGENTIDP_OPA"):
        Settings.from_env({**BASE, **environ})


def test_the_packaged_policies_ship_with_the_package() -> None:
    """The default directory holds the module and the route table."""
    packaged = Path(str(files("agentidp.policies")))

    assert {"authz.rego", "data.json"} <= {path.name for path in packaged.iterdir()}
