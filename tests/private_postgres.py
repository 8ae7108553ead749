"""A private PostgreSQL cluster that a test may stop and start at will.

The shared server on 5432 serves every other test (and other sessions), so outage tests run
their own: a throwaway cluster (initdb into a temporary directory, run as the ``postgres`` user
because PostgreSQL refuses root) on a free loopback port. The private Redis counterpart is
``tests.contract.redis_backends.RedisServer``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(*command: str) -> list[str]:
    """Run as the ``postgres`` user when we are root (initdb and pg_ctl refuse root)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


def postgres_binaries() -> Path | None:
    """The newest installed PostgreSQL's bin directory, if any."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    return versions[0] if versions and (versions[0] / "initdb").exists() else None


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster of our own; ``stop()`` and ``start()`` simulate an outage."""

    bin: Path
    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="agentidp-pg-")))
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/agentidp"

    def create(self) -> None:
        shutil.chown(self.directory, "postgres") if os.geteuid() == 0 else None
        data = self.directory / "data"
        subprocess.run(
            _as_postgres(
                str(self.bin / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ),
            check=True,
            capture_output=True,
        )
        self.start()
        with psycopg.connect(self.url.replace("/agentidp", "/postgres"), autocommit=True) as c:
            c.execute("CREATE DATABASE agentidp")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            _as_postgres(
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.directory / "data"),
                "-o",
                options,
                "-l",
                str(self.directory / "log"),
                "-w",
                "start",
            ),
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        subprocess.run(
            _as_postgres(
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.directory / "data"),
                "-m",
                "fast",
                "-w",
                "stop",
            ),
            check=True,
            capture_output=True,
        )

    def destroy(self) -> None:
        subprocess.run(
            _as_postgres(
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.directory / "data"),
                "-m",
                "immediate",
                "stop",
            ),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.directory, ignore_errors=True)
