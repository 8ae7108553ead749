"""``agentidp serve``: run the HTTP API under uvicorn."""

from __future__ import annotations

import os
from typing import Final

import click

from ..session import settings

#: The uvicorn factory that builds the app from ``AGENTIDP_*`` variables in each worker.
APP_FACTORY: Final = "agentidp.entrypoints.http.app:app_from_env"


@click.command()
@click.option(
    "--host", default=None, help="Interface to bind [default: AGENTIDP_HOST or 127.0.0.1]."
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Port to bind [default: AGENTIDP_PORT or 8000].",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes [default: AGENTIDP_WORKERS or 1].",
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    help="Log every request (off by default: the token endpoint is hot, and the "
    "application's structured logs already record what matters).",
)
def serve(host: str | None, port: int | None, workers: int | None, access_log: bool) -> None:
    """Serve the HTTP API (embedded SQLite store by default) until interrupted."""
    # The app is built by a factory inside each worker process, and the only channel to it is
    # the environment: export the command-line overrides so the public URL and issuer derived
    # from host and port agree with what is actually served.
    for name, value in (("HOST", host), ("PORT", port), ("WORKERS", workers)):
        if value is not None:
            os.environ[f"AGENTIDP_{name}"] = str(value)
    config = settings()  # fail here (exit 2) on bad configuration, not inside a worker
    # Imported here: uvicorn pulls in an event-loop policy and more, and other commands never
    # need it.
    import uvicorn

    uvicorn.run(
        # An import string (not an app object) is required for workers > 1, and keeps the
        # single-process path identical to the multi-process one.
        APP_FACTORY,
        factory=True,
        host=config.host,
        port=config.port,
        workers=config.workers,
        access_log=access_log,
        log_level=config.log_level,
        # SECURITY: do not advertise the server software and version to scanners.
        server_header=False,
    )
