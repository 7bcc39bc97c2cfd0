"""The bot's state file: a consistent picture of where it is, saved atomically.

For each feed it holds the last cursor received and every transition received up to
it that is neither posted nor deliberately dropped yet (``pending``). A restart
re-judges the pending transitions and resumes each feed right after its cursor, so
nothing received is lost, even when the gateway no longer holds those changes.

Delivery is at least once, with at most one duplicate per crash. A webhook has no
idempotency key, so "post, then save" and "save, then post" are the only choices:
saving first loses a message when the bot dies before posting, posting first repeats
one when it dies before saving. A lost alert is worse than a repeated one, so the bot
saves the ids it is about to post as ``inflight``, posts, then moves them to
``posted``. After a crash, a pending transition still in ``inflight`` is posted again
once, marked as possibly repeated. ``posted`` (bounded) also turns away a transition
the gateway might replay again after its cursor.

``incidents`` are what the channel has been told is wrong (and since when): they
change only when a post is accepted, so a notice judged but not yet posted at a
crash is judged again, and posted, after the restart.

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

from gateway.notify import journal
from gateway.notify.model import Transition

log = logging.getLogger(__name__)

VERSION = 1
MAX_POSTED = 20_000
"""Far more than one replay can bring back; the oldest ids are forgotten first."""
MAX_INCIDENTS = 5_000


@dataclass(slots=True)
class Incident:
    """Something abnormal the channel knows about, so a recovery can say how long it lasted."""

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
    pending: dict[str, tuple[str, Transition]] = field(default_factory=dict)
    """Transition id -> (feed, transition): received, not yet posted or dropped."""
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

    def set_incident(self, key: str, incident: Incident | None) -> None:
        self.incidents.pop(key, None)
        if incident is None:
            return
        self.incidents[key] = incident
        while len(self.incidents) > MAX_INCIDENTS:
            del self.incidents[next(iter(self.incidents))]

    def to_bytes(self) -> bytes:
        return orjson.dumps(
            {
                "version": VERSION,
                "cursors": self.cursors,
                "pending": [
                    {"feed": feed, "transition": journal.encode(transition)}
                    for feed, transition in self.pending.values()
                ],
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
        pending = {}
        for entry in data["pending"]:
            transition = journal.decode(entry["transition"])
            pending[transition.id] = (str(entry["feed"]), transition)
        return cls(
            cursors={str(k): str(v) for k, v in data["cursors"].items()},
            pending=pending,
            posted=dict.fromkeys(str(p) for p in data["posted"]),
            inflight=[str(p) for p in data["inflight"]],
            incidents={str(k): Incident(**v) for k, v in data["incidents"].items()},
            fresh=False,
        )


class StateFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = asyncio.Lock()

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
