"""The tenant setting that PostgreSQL row-level security compares rows with.

``migrations/postgres/0004_row_level_security.sql`` lets a statement see and write only rows
whose organization equals the setting ``agentidp.organization_id`` (or every row when it is
``*``); unset or empty, nothing. This module is the one place that sets it, in two ways
(docs/adr/0011-row-level-security.md):

- :func:`set_tenant`, transaction-local, for the writer: one group transaction holds units
  of work of several organizations, and each batch sets its own before its statements;
- :func:`ensure_session_tenant`, session-level, for reads: a read is one autocommit
  statement, and wrapping each in BEGIN/set_config/COMMIT doubled a read's client CPU
  (measured: ~80 µs → ~160 µs). Instead each pooled connection remembers the tenant its
  session was last set to, and a read sends ``set_config`` (pipelined with the query, so no
  extra round trip) only when its tenant differs, which the token endpoint's reads (always
  ``*``) almost never do.

SECURITY: a read may skip ``set_config`` only because the remembered value is exact. It is
forgotten *before* every change is attempted and recorded only after the change succeeded,
so a failure leaves "unknown" and the next read sets it again; nothing else in the IdP
changes the session-level value (the writer's transaction-local values end with their
transaction and do not touch it).
"""

from __future__ import annotations

from typing import Final
from weakref import WeakKeyDictionary

from psycopg import AsyncCursor
from psycopg.rows import TupleRow

from .pool import Connection

_SET_TENANT: Final = "SELECT set_config('agentidp.organization_id', %(tenant)s, %(local)s)"
#: What an undeclared scope is sent as: no organization, hence no row (fail closed).
NO_TENANT: Final = ""

#: The session-level tenant of each pooled connection, when known for certain.
_session_tenants: WeakKeyDictionary[Connection, str] = WeakKeyDictionary()


async def set_tenant(connection: Connection, tenant: str | None) -> AsyncCursor[TupleRow]:
    """Queue (in pipeline mode) or run the statement that makes the current transaction act
    for ``tenant``; ``None`` (undeclared) replaces any earlier value with :data:`NO_TENANT`.

    Transaction-local (``is_local``): the value ends with the transaction, or with the
    savepoint rolled back, and cannot reach the connection's next borrower.
    """
    value = NO_TENANT if tenant is None else tenant
    return await connection.execute(_SET_TENANT, {"tenant": value, "local": True})


def session_tenant_is(connection: Connection, tenant: str) -> bool:
    """True if ``connection``'s session is known to act for ``tenant`` already."""
    return _session_tenants.get(connection) == tenant


def forget_session_tenant(connection: Connection) -> None:
    """Mark ``connection``'s session tenant unknown (before changing it, or after a failure)."""
    _session_tenants.pop(connection, None)


async def ensure_session_tenant(connection: Connection, tenant: str) -> None:
    """Queue the session-level ``set_config`` for ``tenant`` unless the session already acts
    for it. Call in pipeline mode before the read, then :func:`remember_session_tenant` once
    the pipeline has succeeded."""
    if not session_tenant_is(connection, tenant):
        forget_session_tenant(connection)
        await connection.execute(_SET_TENANT, {"tenant": tenant, "local": False})


def remember_session_tenant(connection: Connection, tenant: str) -> None:
    """Record that ``connection``'s session now acts for ``tenant`` (after success only)."""
    _session_tenants[connection] = tenant
