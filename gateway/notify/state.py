"""The bot's small state file: cursors, posted transition ids, open incidents.

Delivery is at least once, with at most one duplicate per crash. A webhook has no
idempotency key, so "post, then save" and "save, then post" are the only choices:
saving first loses a message when the bot dies before posting, posting first repeats
one when it dies before saving. A lost alert is worse than a repeated one, so the bot
saves the ids it is about to post as ``inflight``, posts, then records them as
posted. After a crash, a replayed transition whose id is still in ``inflight`` is
posted again once, marked as possibly repeated.

The file is replaced atomically (write a temporary file, fsync, rename, fsync the
directory), so a crash leaves either the old state or the new one, never half.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

log = logging.getLogger(__name__)

VERSION = 1
MAX_POSTED = 20_000
"""Enough for every transition between the durable cursor and a crash, many times over."""
MAX_INCIDENTS = 5_000


@dataclass(slots=True)
class Incident:
    """Something abnormal the bot knows about, so a recovery can say how long it lasted."""

    status: str
    reason: str
    message: str
    since: str
    """ISO time the problem began ("" when unknown)."""
    announced: str | None = None
    """The status the channel was last told about; None when it was never told."""


@dataclass(slots=True)
class NotifierState:
    cursors: dict[str, str] = field(default_factory=dict)
    posted: dict[str, None] = field(default_factory=dict)
    inflight: list[str] = field(default_factory=list)
    incidents: dict[str, Incident] = field(default_factory=dict)
    fresh: bool = True
    """No state was found: this is the bot's first start with this state file."""

    def remember_posted(self, ids: list[str]) -> None:
        for posted in ids:
            self.posted.pop(posted, None)
            self.posted[posted] = None
        while len(self.posted) > MAX_POSTED:
            del self.posted[next(iter(self.posted))]

    def open_incident(self, key: str, incident: Incident) -> None:
        self.incidents.pop(key, None)
        self.incidents[key] = incident
        while len(self.incidents) > MAX_INCIDENTS:
            del self.incidents[next(iter(self.incidents))]

    def to_bytes(self) -> bytes:
        return orjson.dumps(
            {
                "version": VERSION,
                "cursors": self.cursors,
                "posted": list(self.posted),
                "inflight": self.inflight,
                "incidents": {k: asdict(v) for k, v in self.incidents.items()},
            }
        )

    @classmethod
    def from_bytes(cls, raw: bytes) -> NotifierState:
        data: Any = orjson.loads(raw)
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise ValueError("not a notifier state file of version 1")
        return cls(
            cursors={str(k): str(v) for k, v in data["cursors"].items()},
            posted=dict.fromkeys(str(p) for p in data["posted"]),
            inflight=[str(p) for p in data["inflight"]],
            incidents={str(k): Incident(**v) for k, v in data["incidents"].items()},
            fresh=False,
        )


class StateFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = asyncio.Lock()
        self.saves = 0

    def load(self) -> NotifierState:
        """The saved state; a fresh one if there is none or it is unreadable (moved aside)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return NotifierState()
        try:
            return NotifierState.from_bytes(raw)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            aside = self.path.with_name(f"{self.path.name}.unreadable-{int(time.time())}")
            os.replace(self.path, aside)
            log.error(
                "notifier state file unreadable; starting afresh",
                extra={"path": str(self.path), "moved_to": str(aside), "cause": str(error)},
            )
            return NotifierState()

    async def save(self, state: NotifierState) -> None:
        data = state.to_bytes()
        async with self._lock:
            await asyncio.to_thread(_replace, self.path, data)
            self.saves += 1


def _replace(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)
    with contextlib.suppress(OSError):
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
