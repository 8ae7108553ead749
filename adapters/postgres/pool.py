"""The psycopg connection pool every read and every group transaction draws from.

Connections are in autocommit mode: a read is one statement, hence one snapshot of committed
state with no transaction left open, and the writer issues BEGIN/COMMIT itself.

Recovery after a PostgreSQL restart (or a terminated backend) needs no restart of the IdP:
- every connection is checked when it is handed out (``check_connection``: an empty query,
  one round trip), so dead connections left in the pool are discarded and replaced before
  anyone uses them;
- a connection that breaks while in use is reported as ``BackendUnavailable`` and discarded
  by the pool when it is returned;
- the pool reconnects in the background, and a caller that finds no connection waits at most
  ``connect_timeout`` seconds (``PoolTimeout`` → ``BackendUnavailable``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

from psycopg import AsyncConnection
from psycopg.rows import TupleRow
from psycopg_pool import AsyncConnectionPool

Connection = AsyncConnection[TupleRow]
Pool = AsyncConnectionPool[Connection]

#: Shown in ``pg_stat_activity.application_name`` unless the URL names one.
APPLICATION_NAME: Final = "agentidp"
#: libpq's smallest effective ``connect_timeout`` (it rounds smaller values up to 2 s).
_MIN_CONNECT_TIMEOUT: Final = 2


@dataclass(frozen=True, slots=True)
class PoolSettings:
    """Sizing and timeouts of the pool (see :class:`~.store.PostgresStore` for meanings)."""

    url: str
    min_size: int = 2
    max_size: int = 20
    idle_timeout: float = 30.0
    connect_timeout: float = 5.0


def create_pool(settings: PoolSettings) -> Pool:
    """A closed pool; ``await pool.open(wait=True, ...)`` connects it."""
    kwargs: dict[str, Any] = {
        "autocommit": True,
        "connect_timeout": max(_MIN_CONNECT_TIMEOUT, math.ceil(settings.connect_timeout)),
    }
    if "application_name" not in settings.url:
        kwargs["application_name"] = APPLICATION_NAME
    return AsyncConnectionPool(
        settings.url,
        kwargs=kwargs,
        min_size=settings.min_size,
        max_size=settings.max_size,
        max_idle=settings.idle_timeout,
        timeout=settings.connect_timeout,
        check=AsyncConnectionPool.check_connection,
        name="agentidp-postgres",
        open=False,
    )
