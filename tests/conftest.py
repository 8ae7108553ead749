"""Shared test configuration. Backend fixtures live next to the suites that use them."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Storage-backed examples do real I/O (fsync), so wall-clock deadlines would only add noise.
settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci", parent=settings.get_profile("default"), max_examples=200, derandomize=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
