"""The scratch PostgreSQL database as a settings URL (``Settings.database_url`` takes
``postgresql://`` URLs, the scratch database helper hands out conninfo strings)."""

from __future__ import annotations

from psycopg.conninfo import conninfo_to_dict

from tests.integration.postgres.database import fresh_database, server_url


async def fresh_database_url() -> str:
    """This process's migrated, emptied scratch database as ``postgresql://…/<name>``."""
    name = conninfo_to_dict(await fresh_database())["dbname"]
    return f"{server_url().rsplit('/', 1)[0]}/{name}"
