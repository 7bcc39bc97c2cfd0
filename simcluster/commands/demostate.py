"""The demo's state directory: one running demo per directory, and nothing left behind.

A second ``demo`` on the same directory would overwrite the first one's kubeconfig
(its kubectl then reaches ports that close when the second stops), so a demo holds
an exclusive lock on ``demo.lock`` for as long as it runs, with its pid and ports
written inside for the message that refuses a second one. The lock is ``flock``:
the kernel releases it when the process dies in any way, SIGKILL included, so a lock
file left behind by a dead demo is recognised as stale without guessing from pids
(which the system reuses), and the next demo takes the directory over, first
shutting down the dead demo's Valkey server if it still runs. On exit the demo
removes what it wrote: the kubeconfig, Valkey's files, the lock, and the
directories it (or the dead demo it took over from) created, if they are empty then.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOCK = "demo.lock"
KUBECONFIG = "kubeconfig"
VALKEY = "redis"
VALKEY_FILES = ("valkey.conf", "valkey.log")
"""What the embedded Valkey server writes in its directory (it runs without persistence)."""

log = logging.getLogger(__name__)


class DemoStateError(RuntimeError):
    """The state directory cannot be used; the message says why and what to do, in one line."""


@dataclass(frozen=True, slots=True)
class Holder:
    """What a demo writes in its lock: who it is and where it serves."""

    pid: int
    port: int
    valkey: int | None = None

    def text(self) -> str:
        return json.dumps({"pid": self.pid, "port": self.port, "valkey": self.valkey}) + "\n"

    @classmethod
    def parse(cls, text: str) -> Holder | None:
        try:
            found: Any = json.loads(text)
            valkey = found.get("valkey")
            valkey_port = None if valkey is None else int(valkey)
            return cls(int(found["pid"]), int(found["port"]), valkey_port)
        except (ValueError, TypeError, KeyError, AttributeError):
            return None


class DemoState:
    """Claimed with ``DemoState.claim(directory, port)``; ``release()`` cleans up."""

    def __init__(self, directory: Path, descriptor: int, created: list[Path]) -> None:
        self.directory = directory
        self._descriptor: int | None = descriptor
        self._created = created

    @property
    def lock(self) -> Path:
        return self.directory / LOCK

    @property
    def kubeconfig(self) -> Path:
        return self.directory / KUBECONFIG

    @property
    def valkey_dir(self) -> Path:
        return self.directory / VALKEY

    @classmethod
    def claim(cls, directory: Path, port: int) -> DemoState:
        """Take the directory for this process, or raise DemoStateError naming the demo
        that holds it. A stale lock's leftovers are cleaned up first."""
        directory = directory.absolute()
        try:
            created = _make_directories(directory)
            descriptor = _lock(directory / LOCK)
        except OSError as error:
            raise DemoStateError(
                f"cannot use {directory} as the demo's state directory: {error.strerror or error}"
            ) from None
        state = cls(directory, descriptor, created)
        previous = Holder.parse(os.pread(descriptor, 4096, 0).decode(errors="replace"))
        if previous is not None:
            log.warning(
                "a previous demo ended without cleaning up; taking its state over",
                extra={"pid": previous.pid, "directory": str(directory)},
            )
            state._clean_up_after(previous)
            if directory not in created:
                created.append(directory)
        state.record(Holder(os.getpid(), port))
        return state

    def record(self, holder: Holder) -> None:
        if self._descriptor is None:
            raise RuntimeError("the state is released")
        os.ftruncate(self._descriptor, 0)
        os.pwrite(self._descriptor, holder.text().encode(), 0)

    def _clean_up_after(self, previous: Holder) -> None:
        if previous.valkey is not None:
            _shut_down_valkey(previous.valkey, self.valkey_dir)
        self._remove_files()

    def _remove_files(self) -> None:
        self.kubeconfig.unlink(missing_ok=True)
        for name in VALKEY_FILES:
            (self.valkey_dir / name).unlink(missing_ok=True)

    def release(self) -> None:
        """Remove what the demo wrote, then the lock, then the directories it created
        (those still empty: a directory shared with something else stays)."""
        if self._descriptor is None:
            return
        self._remove_files()
        with contextlib.suppress(OSError):
            self.valkey_dir.rmdir()
        self.lock.unlink(missing_ok=True)
        os.close(self._descriptor)
        self._descriptor = None
        for directory in reversed(self._created):
            with contextlib.suppress(OSError):
                directory.rmdir()


def _make_directories(directory: Path) -> list[Path]:
    """mkdir -p, returning the directories it created, outermost first."""
    missing = [d for d in (directory, *directory.parents) if not d.exists()]
    directory.mkdir(parents=True, exist_ok=True)
    return list(reversed(missing))


def _lock(path: Path) -> int:
    """An open descriptor holding the exclusive flock on ``path``.

    The file may be removed by the demo releasing it between our open and our flock:
    then we hold a lock on a file nobody else can see, so we open it again."""
    while True:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = Holder.parse(os.pread(descriptor, 4096, 0).decode(errors="replace"))
            os.close(descriptor)
            raise DemoStateError(_running(path.parent, holder)) from None
        except BaseException:
            os.close(descriptor)
            raise
        try:
            same = os.stat(path).st_ino == os.fstat(descriptor).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return descriptor
        os.close(descriptor)


def _running(directory: Path, holder: Holder | None) -> str:
    who = (
        f"pid {holder.pid}, serving http://127.0.0.1:{holder.port}/board"
        if holder is not None
        else "it is still starting"
    )
    return (
        f"another demo is running on {directory} ({who}): stop it first, "
        "or give this one its own --state-dir"
    )


def _shut_down_valkey(port: int, directory: Path) -> None:
    """Shut down the Valkey server a killed demo left running, if it is still there: it is
    the one whose data directory is ours (a server on that port now may be anyone's).
    redis-py is imported here, on this rare path, so that starting a demo need not wait."""
    import redis

    client = redis.Redis(
        host="127.0.0.1",
        port=port,
        socket_timeout=2,
        socket_connect_timeout=1,
        decode_responses=True,
    )
    try:
        found = client.config_get("dir").get("dir")
        if found is None or Path(found).resolve() != directory.resolve():
            return
        client.shutdown(nosave=True)
    except redis.RedisError:
        return
    finally:
        client.close()
    log.info("shut down the previous demo's Valkey server", extra={"port": port})
