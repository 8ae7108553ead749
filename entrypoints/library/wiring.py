"""Resolving providers of the dependency container from async code.

Once an async resource (the store) is initialised, dependency-injector runs every provider
that depends on it in "async mode": calling the provider returns an awaitable of the instance
rather than the instance. Providers that depend on no async resource still return the
instance directly. These helpers accept both, so the facade does not depend on which
providers happen to reach the store.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any


async def resolve(provider: Callable[[], Any]) -> Any:
    """The object ``provider`` builds, awaited if the provider runs in async mode."""
    value = provider()
    if inspect.isawaitable(value):
        value = await value
    return value


async def execute(provider: Callable[[], Any], command: Any) -> Any:
    """Build a fresh use case from ``provider`` and run it on ``command``."""
    use_case = await resolve(provider)
    return await use_case(command)
