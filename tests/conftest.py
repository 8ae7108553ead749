"""Shared test configuration. Backend fixtures live next to the suites that use them."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

# NOTE: suites import shared helpers as ``tests.builders``; the ``pytest`` console script does
# not put the repository root on sys.path. Appending keeps the installed ``agentidp`` first.
# Remove once ``[tool.pytest.ini_options]`` sets ``pythonpath = ["."]``.
_REPOSITORY_ROOT = str(Path(__file__).resolve().parents[1])
if _REPOSITORY_ROOT not in sys.path:
    sys.path.append(_REPOSITORY_ROOT)

# Storage-backed examples do real I/O (fsync), so wall-clock deadlines would only add noise.
settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci", parent=settings.get_profile("default"), max_examples=200, derandomize=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
