"""Scratch PostgreSQL databases for the test suites (contract and integration).

Each pytest process (each xdist worker, or the lone process without xdist) creates its own
uniquely named database ``agentidp_test_<worker>_<random>`` on the server named by
``AGENTIDP_TEST_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``),
migrates it once, empties it before every test that asks for it (TRUNCATE, which the audit
table's UPDATE/DELETE triggers do not cover) and drops it at the end of the session.

An unreachable server skips the PostgreSQL tests with a loud reason, except under CI=true,
where it fails them: CI must never pass by skipping the production backend.
"""

from __future__ import annotations

import atexit
import os
import secrets
from typing import Final, NoReturn
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import conninfo, sql
from psycopg.rows import TupleRow

from agentidp.adapters.postgres import apply_migrations

ENV_URL: Final = "AGENTIDP_TEST_POSTGRES_URL"
DEFAULT_URL: Final = "postgresql://postgres@127.0.0.1:5432/postgres"
#: Seconds to wait for the test server before declaring it unreachable.
CONNECT_TIMEOUT: Final = 3

_EMPTY_ALL: Final = (
    "TRUNCATE organizations, agents, credentials, audit_events, revoked_tokens, "
    "federation_partners "
    "RESTART IDENTITY CASCADE; "
    "UPDATE audit_chain_head SET hash = ''"
)


def server_url() -> str:
    """The maintenance database URL of the test server (for CREATE/DROP DATABASE)."""
    return os.environ.get(ENV_URL, DEFAULT_URL)


def under_ci() -> bool:
    """True when running in CI, where an unreachable server is a failure, not a skip."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1")


def unreachable(reason: str) -> NoReturn:
    """Skip the calling test (fail it under CI=true) because PostgreSQL cannot be used."""
    where = conninfo.conninfo_to_dict(server_url())
    message = (
        f"PostgreSQL test server unreachable at {where.get('host')}:{where.get('port')} "
        f"({reason.strip()}); start it or set {ENV_URL}"
    )
    if under_ci():
        pytest.fail(f"{message} [CI=true: PostgreSQL tests must not be skipped]", pytrace=False)
    pytest.skip(f"!!! POSTGRESQL TESTS NOT RUN !!! {message}")


class ScratchDatabase:
    """A uniquely named database on the test server.

    Args:
        label: what the database is for, appended to its name.
    """

    def __init__(self, label: str = "") -> None:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        suffix = f"_{label}" if label else ""
        self.name = f"agentidp_test_{worker}_{secrets.token_hex(4)}{suffix}"
        self.url = conninfo.make_conninfo(server_url(), dbname=self.name)
        self._exists = False

    @property
    def uri(self) -> str:
        """The database as a ``postgresql://`` URL, the form ``AGENTIDP_DATABASE_URL`` takes
        (the settings choose the backend by its scheme)."""
        return urlunsplit(urlsplit(server_url())._replace(path=f"/{self.name}"))

    def create(self) -> None:
        """Create the (empty) database; skips or fails the test if the server is down."""
        if _unreachable_reason is not None:
            unreachable(_unreachable_reason)  # known down: do not wait for a timeout again
        try:
            with _admin() as admin:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        except psycopg.OperationalError as exc:
            _remember_unreachable(str(exc))
        self._exists = True

    async def migrate(self) -> None:
        """Apply the shipped migrations."""
        async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
            await apply_migrations(conn)

    def empty(self) -> None:
        """Remove every row (the chain head goes back to genesis), keeping the schema."""
        with psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
            conn.execute(_EMPTY_ALL)

    def drop(self) -> None:
        """Drop the database, disconnecting anyone still connected; idempotent."""
        if not self._exists:
            return
        self._exists = False
        with _admin() as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name))
            )

    def terminate_connections(self) -> int:
        """Kill every server backend connected to this database (as a server restart would,
        but for this database only); returns how many were terminated."""
        with _admin() as admin:
            cursor = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [self.name],
            )
            row = cursor.fetchone()
        return 0 if row is None else int(row[0])

    def allow_connections(self, allowed: bool) -> None:
        """Refuse (or accept again) new connections to this database: an outage of this
        database only, which leaves the server to the other sessions sharing it."""
        with _admin() as admin:
            admin.execute(
                sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}").format(
                    sql.Identifier(self.name), sql.Literal(allowed)
                )
            )


def _admin() -> psycopg.Connection[TupleRow]:
    return psycopg.connect(server_url(), autocommit=True, connect_timeout=CONNECT_TIMEOUT)


_shared: ScratchDatabase | None = None
_unreachable_reason: str | None = None


async def fresh_database() -> str:
    """The URL of this process's migrated scratch database, emptied for the caller.

    The first call creates and migrates it and arranges for it to be dropped at exit; later
    calls only empty it. Skips (fails under CI) when the server is unreachable, remembering
    that so later tests do not wait for the connect timeout again.
    """
    global _shared
    if _unreachable_reason is not None:
        unreachable(_unreachable_reason)
    if _shared is None:
        database = ScratchDatabase()
        database.create()
        atexit.register(database.drop)  # fallback if no session fixture drops it
        await database.migrate()
        _shared = database
    _shared.empty()
    return _shared.url


def _remember_unreachable(reason: str) -> NoReturn:
    global _unreachable_reason
    _unreachable_reason = reason
    unreachable(reason)


def shared_database() -> ScratchDatabase | None:
    """This process's scratch database, if :func:`fresh_database` created one."""
    return _shared


def drop_shared_database() -> None:
    """Drop this process's scratch database, if any (session teardown)."""
    global _shared
    database, _shared = _shared, None
    if database is not None:
        database.drop()
