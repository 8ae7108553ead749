"""Whose data the current operation may touch: the tenant context that stores enforce.

The application filters every query by organization (the first wall). A store that can also
enforce tenancy itself (PostgreSQL row-level security, see docs/adr/0011) needs to know, for
each unit of work and read, which organization the caller acts for: that is this context. It
is set by the layer that knows the caller, never derived from request data:

- the HTTP entrypoint opens a :func:`scope` per request acting for :data:`ALL_TENANTS` while
  the caller is still unknown (the token endpoint looks clients up across tenants), then
  :func:`act_as` narrows it to the caller's organization as soon as the principal is
  resolved (platform administrators keep :data:`ALL_TENANTS`);
- the local operator (CLI, embedding programs) acts for :data:`ALL_TENANTS`.

Outside any scope the context is *undeclared* (:func:`current` is ``None``), and a store
that enforces tenancy must then show nothing and accept no write: it fails closed.

Why a mutable slot inside the ``ContextVar``: web frameworks resolve request dependencies in
child tasks (Litestar resolves independent dependencies concurrently), and a ``ContextVar``
set in a child task is invisible to its parent. The per-request slot is created in the
request's own task; :func:`act_as` fills it in from wherever the principal is resolved.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Final

#: Acting for every organization: the system before a caller is known, platform
#: administrators and the local operator. Never a real organization id (those are UUIDs).
ALL_TENANTS: Final = "*"


@dataclass(slots=True)
class _Slot:
    """The organization one scope acts for (``None``: undeclared, nothing is visible)."""

    organization_id: str | None


_current: ContextVar[_Slot | None] = ContextVar("agentidp_tenant_scope", default=None)


def current() -> str | None:
    """The organization the current operation acts for, :data:`ALL_TENANTS`, or ``None``
    when no scope was declared (stores enforcing tenancy then refuse everything)."""
    slot = _current.get()
    return None if slot is None else slot.organization_id


@contextmanager
def scope(organization_id: str | None) -> Iterator[None]:
    """Act for ``organization_id`` (or :data:`ALL_TENANTS`) inside the block; the previous
    context is restored after it, whatever happens."""
    token = _current.set(_Slot(organization_id))
    try:
        yield
    finally:
        _current.reset(token)


def act_as(organization_id: str) -> None:
    """Narrow (or widen) the innermost scope to ``organization_id`` from now on.

    Called where the caller becomes known, possibly in a child task of the scope's owner (see
    the module docstring); outside any scope it declares one for the current context.
    """
    slot = _current.get()
    if slot is None:
        _current.set(_Slot(organization_id))
    else:
        slot.organization_id = organization_id
