"""Ports for time and randomness, so use cases stay deterministic under test."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """The current time."""

    def now(self) -> datetime:
        """A timezone-aware UTC datetime."""
        ...


class IdGenerator(Protocol):
    """Fresh identifiers and secret randomness."""

    def new_id(self) -> str:
        """A new random UUID (v4) in canonical string form."""
        ...

    def secret_hex(self) -> str:
        """32 bytes from a CSPRNG as 64 lower-case hex characters."""
        ...
