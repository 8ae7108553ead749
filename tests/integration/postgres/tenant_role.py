"""A scratch database owned by an ordinary login role, as production should run the IdP.

Row-level security does not apply to superusers (nor to BYPASSRLS roles), and the test server
is reached as the superuser ``postgres``: a test of the tenant wall must therefore connect as
a role that is neither. :class:`TenantRoleDatabase` creates such a role (``LOGIN NOSUPERUSER
NOBYPASSRLS``), a database it owns, and applies the migrations *as that role*, exactly as
docs/operations.md ("Tenant isolation and row-level security") tells operators to.

The server must let the new role connect without a password (trust on 127.0.0.1, as the
test server is configured); it is reached at the host and port of ``server_url()``.
"""

from __future__ import annotations

import atexit
import os
import secrets

import psycopg
from psycopg import conninfo, sql

from agentidp.adapters.postgres import apply_migrations
from tests.integration.postgres.database import (
    _EMPTY_ALL,
    CONNECT_TIMEOUT,
    server_url,
    unreachable,
)


class TenantRoleDatabase:
    """A fresh non-superuser role and a database it owns, migrated by it.

    Args:
        label: what the database is for, appended to its name.
    """

    def __init__(self, label: str) -> None:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        tag = secrets.token_hex(4)
        self.role = f"agentidp_rls_{worker}_{tag}"
        self.name = f"agentidp_test_{worker}_{tag}_{label}"
        server = conninfo.conninfo_to_dict(server_url())
        host, port = server.get("host", "127.0.0.1"), server.get("port", "5432")
        #: How the IdP connects: as the ordinary role, to its own database (a URL, as
        #: ``AGENTIDP_DATABASE_URL`` wants it).
        self.url = f"postgresql://{self.role}@{host}:{port}/{self.name}"
        #: The superuser's view of the same database (to arrange and inspect behind RLS).
        self.admin_url = conninfo.make_conninfo(server_url(), dbname=self.name)
        self._exists = False

    def create(self) -> None:
        """Create the role and its database; skips (fails under CI) if the server is down."""
        try:
            with _server() as admin:
                admin.execute(
                    sql.SQL(
                        "CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
                    ).format(sql.Identifier(self.role))
                )
                self._exists = True
                admin.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(self.name), sql.Identifier(self.role)
                    )
                )
        except psycopg.OperationalError as exc:
            unreachable(str(exc))

    async def migrate(self) -> None:
        """Apply the shipped migrations as the ordinary role (it owns every table)."""
        async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
            await apply_migrations(conn)

    def drop(self) -> None:
        """Drop the database and the role; idempotent."""
        if not self._exists:
            return
        self._exists = False
        with _server() as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name))
            )
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(self.role)))


def _server() -> psycopg.Connection[psycopg.rows.TupleRow]:
    return psycopg.connect(server_url(), autocommit=True, connect_timeout=CONNECT_TIMEOUT)


_shared: TenantRoleDatabase | None = None


async def fresh_role_database() -> str:
    """The URL (as the ordinary role) of this process's role-owned database, emptied.

    Created and migrated on first use, dropped when the process exits: the contract suites
    run against it once more, with row-level security in force.
    """
    global _shared
    if _shared is None:
        database = TenantRoleDatabase("role")
        database.create()
        atexit.register(database.drop)
        await database.migrate()
        _shared = database
    with psycopg.connect(_shared.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
        conn.execute(_EMPTY_ALL)  # the role owns the tables; TRUNCATE ignores RLS
    return _shared.url
