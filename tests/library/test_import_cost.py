"""``import agentidp`` is cheap; the facade's names load on first use."""

from __future__ import annotations

import subprocess
import sys

import pytest

import agentidp


def test_import_agentidp_loads_no_heavy_modules() -> None:
    """A fresh interpreter importing ``agentidp`` loads neither the container nor Litestar."""
    probe = (
        "import sys, agentidp; "
        "heavy = [m for m in ('agentidp.entrypoints.container', 'litestar', 'argon2', "
        "'cryptography', 'agentidp.embedded') if m in sys.modules]; "
        "print(','.join(heavy))"
    )

    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )

    assert result.stdout.strip() == ""


def test_public_names_resolve_lazily() -> None:
    """Every name in ``__all__`` resolves, and unknown names raise ``AttributeError``."""
    for name in agentidp.__all__:
        assert getattr(agentidp, name) is not None
    assert "AgentIdP" in dir(agentidp)
    with pytest.raises(AttributeError):
        _ = agentidp.NoSuchThing  # type: ignore[attr-defined]
