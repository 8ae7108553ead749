"""Private Redis servers for the contract and integration suites, and a durable-list stand-in.

Every test session (each xdist worker) starts its own ``redis-server`` on a free port, with no
persistence, instead of using the shared server on 6379: tests flush it, and the integration
suite stops and restarts it. ``redis-server`` missing or failing to start skips the Redis cases
loudly, except under ``CI=true``, where it fails them (STYLE §6: never a silent skip in CI).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, NoReturn

import pytest
import redis

from agentidp.adapters.redis import RedisClient, RedisRevocationList
from agentidp.application.errors import BackendUnavailable
from agentidp.application.ports.security import RevocationList

_STARTUP_SECONDS = 5.0
#: Loopback only, nothing persisted: a restart really comes back empty.
_OPTIONS = ("--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning")


def redis_unavailable(reason: str) -> NoReturn:
    """Fail under CI, otherwise skip with a reason nobody can miss."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"Redis is required under CI=true: {reason}")
    pytest.skip(f"REDIS TESTS SKIPPED ({reason}): install redis-server to run them")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class RedisServer:
    """A throwaway ``redis-server`` process that tests may stop, restart (empty) and flush."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self.port = _free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def admin(self) -> redis.Redis:
        """A plain synchronous client for arranging and inspecting the server."""
        return redis.Redis(port=self.port, socket_timeout=2)

    def start(self) -> None:
        """Start the server on its port, empty; raise RuntimeError if it does not come up."""
        executable = shutil.which("redis-server")
        if executable is None:
            raise RuntimeError("redis-server is not on PATH")
        self._process = subprocess.Popen(
            [executable, "--port", str(self.port), "--dir", str(self._directory), *_OPTIONS],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + _STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self._process.returncode}")
            try:
                with self.admin() as admin:
                    admin.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.01)
        self.stop()
        raise RuntimeError(f"redis-server did not answer within {_STARTUP_SECONDS} s")

    def stop(self) -> None:
        """Stop the server (its data is gone: nothing is persisted)."""
        if self._process is not None:
            self._process.send_signal(signal.SIGCONT)  # in case a test left it paused
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None

    def pause(self) -> None:
        """Freeze the process (SIGSTOP): connections stay open but nothing answers."""
        assert self._process is not None
        self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self._process is not None
        self._process.send_signal(signal.SIGCONT)

    def restart(self) -> None:
        """Stop and start again on the same port: the server comes back empty."""
        self.stop()
        self.start()

    def flush(self) -> None:
        with self.admin() as admin:
            admin.flushall()


def started_server(directory: Path) -> Iterator[RedisServer]:
    """Body of the server fixtures: start (or skip/fail), yield, always stop."""
    server = RedisServer(directory)
    try:
        server.start()
    except (RuntimeError, OSError) as exc:
        redis_unavailable(str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One private Redis per test session; tests using it flush it first and never stop it."""
    yield from started_server(tmp_path_factory.mktemp("redis"))


class RecordingRevocationList:
    """A durable list stand-in: delegates to ``inner``, remembers what it was given (that is
    the rebuild's loader), counts reads, and can be switched off to play an outage."""

    def __init__(self, inner: RevocationList) -> None:
        self._inner = inner
        self._expiries: dict[str, int] = {}
        self.down = False
        self.reads = 0
        #: Awaited by the loader right after it took its snapshot (to stage races).
        self.after_snapshot: Callable[[], Awaitable[None]] | None = None

    async def revoke(self, token_id: str, expires_at: int) -> None:
        self._check()
        await self._inner.revoke(token_id, expires_at)
        self._expiries[token_id] = max(expires_at, self._expiries.get(token_id, expires_at))

    async def is_revoked(self, token_id: str) -> bool:
        self._check()
        self.reads += 1
        return await self._inner.is_revoked(token_id)

    async def unexpired(self) -> list[tuple[str, int]]:
        """The loader: every revocation recorded (the adapter drops the expired ones)."""
        self._check()
        snapshot = list(self._expiries.items())
        if self.after_snapshot is not None:
            await self.after_snapshot()
        return snapshot

    def _check(self) -> None:
        if self.down:
            raise BackendUnavailable("The durable revocation list is down.")


Clock = Callable[[], float]


@asynccontextmanager
async def redis_revocation_list(
    url: str,
    durable: RecordingRevocationList,
    clock: Clock,
    *,
    cooldown: float = 0.0,
    rebuild_interval: float = 0.0,
    **options: Any,
) -> AsyncIterator[RedisRevocationList]:
    """A ``RedisRevocationList`` on its own client (one "worker"), closed afterwards.

    The breaker and the rebuild throttle are off unless ``options`` say otherwise, so a test
    sees Redis come back at once.
    """
    client = RedisClient(url, cooldown=cooldown)
    revocations = RedisRevocationList(
        client,
        durable,
        loader=durable.unexpired,
        clock=clock,
        rebuild_interval=rebuild_interval,
        **options,
    )
    try:
        yield revocations
    finally:
        await revocations.aclose()
        await client.close()
