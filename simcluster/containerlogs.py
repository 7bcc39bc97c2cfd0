"""The log of one container run, computed from the simulated clock and never stored.

A run is one start of a container: its container ID, when it started and, once it
stopped, when, with which exit code and why. Its lines are its script's start-up
lines, periodic lines and last words (logscripts.py); line i's time and text are
functions of i, so the number of lines written by a time, the tail, the first line
since a time and a follower's next line are all found by arithmetic, and a pod
that has logged for a month costs no more memory than one that just started. Like
the kubelet rotating a container's log file, only the last RETAINED_LINES are kept.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from simcluster.clock import parse_time
from simcluster.logscripts import MS, NS, SHUTDOWN, Writer, as_json, mix, script_for

RETAINED_LINES = 100_000
END_MARGIN = 100 * MS
"""Last words are written within the last 100 ms of a run, after every other line."""
_JITTER = 0x5DEECE66D
_FINE = 0x2545F4914F6CDD1D


def nanos(text: object) -> int | None:
    """A status timestamp (RFC 3339) as nanoseconds since the epoch."""
    seconds = parse_time(text)
    return None if seconds is None else round(seconds * NS)


def rfc3339_nano(at: int) -> str:
    """The kubelet's timestamp prefix: RFC 3339 with exactly nine fractional digits."""
    seconds, fraction = divmod(at, NS)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{fraction:09d}Z"


@dataclass(frozen=True, slots=True)
class Run:
    container_id: str
    started: int
    """Nanoseconds since the epoch."""
    ended: int | None = None
    exit_code: int | None = None
    reason: str | None = None

    @property
    def running(self) -> bool:
        return self.ended is None


class ContainerLog:
    """Every line of one run: ``count(now)`` of them so far, each by its index."""

    def __init__(self, writer: Writer, run: Run) -> None:
        self.writer = writer
        self.run = run
        self._seed = int.from_bytes(
            hashlib.blake2b(run.container_id.encode(), digest_size=8).digest()
        )
        self._script = script_for(writer, self._seed)
        self._head_times = [
            run.started + offset + self._fine(index)
            for index, (offset, _) in enumerate(self._script.head)
        ]
        self._body_start = run.started + self._script.body_start
        self._period = self._script.body_period
        self._last: tuple[str, ...] = ()
        self._last_at = 0
        run_seconds = writer.behavior.run_seconds
        if run.ended is not None:
            self._limit: int | None = run.ended - END_MARGIN
            self.end_index = self._lines_before(self._limit)
            self._last = self._last_words(self.end_index - len(self._head_times))
            self._last_at = max(run.started, run.ended - END_MARGIN)
        elif run_seconds is not None and not writer.init:
            natural_end = math.floor(run.started / NS + run_seconds) * NS
            self._limit = natural_end - END_MARGIN
            self.end_index = self._lines_before(self._limit)
        else:
            self._limit = None
            self.end_index = -1

    def _last_words(self, periodic: int) -> tuple[str, ...]:
        """What the run said last: nothing if OOM-killed, shutdown lines if stopped."""
        run, behavior = self.run, self.writer.behavior
        if run.reason == "OOMKilled":
            return ()
        code = run.exit_code or 0
        by_itself = self.writer.init or (
            behavior.run_seconds is not None and code == behavior.exit_code
        )
        if not by_itself:
            return SHUTDOWN
        return self._script.last_words(max(periodic, 0), code)

    def _fine(self, index: int) -> int:
        """Under a millisecond, so lines at fixed offsets do not all end in zeros."""
        return mix(_FINE ^ self._seed, index) % (900 * 1000)

    def _body_time(self, k: int) -> int:
        return (
            self._body_start + k * self._period + mix(_JITTER ^ self._seed, k) % (self._period // 2)
        )

    def _lines_before(self, limit: int) -> int:
        heads = 0
        for at in self._head_times:
            if at >= limit:
                return heads
            heads += 1
        if limit <= self._body_start:
            return heads
        k = (limit - 1 - self._body_start) // self._period
        return heads + (k + 1 if self._body_time(k) < limit else k)

    def count(self, now: int) -> int:
        """How many lines the run has written by ``now`` (nanoseconds), rotated ones included."""
        if self.run.ended is not None:
            return self.end_index + len(self._last)
        limit = now + 1 if self._limit is None else min(now + 1, self._limit)
        return self._lines_before(limit)

    def first(self, count: int) -> int:
        """The oldest line still kept of ``count``."""
        return max(0, count - RETAINED_LINES)

    def line(self, index: int) -> tuple[int, str]:
        """Line ``index``: when it was written and its text."""
        if 0 <= self.end_index <= index and self.run.ended is not None:
            offset = index - self.end_index
            return self._last_at + offset * MS + self._fine(-1 - offset), self._last[offset]
        head = self._script.head
        if index < len(head):
            return self._head_times[index], head[index][1]
        k = index - len(head)
        return self._body_time(k), self._script.body(k)

    def time_of(self, index: int) -> int | None:
        """When line ``index`` is due; None if the run, as known so far, never writes it."""
        if 0 <= self.end_index <= index:
            return None
        return self.line(index)[0]

    def index_at(self, since: int, low: int, high: int) -> int:
        """The first index in [low, high) written at or after ``since`` (high if none)."""
        while low < high:
            middle = (low + high) // 2
            if self.line(middle)[0] < since:
                low = middle + 1
            else:
                high = middle
        return low

    def render(self, index: int, timestamps: bool) -> bytes:
        at, text = self.line(index)
        stamp = rfc3339_nano(at) if timestamps or self.writer.json_lines else ""
        if self.writer.json_lines:
            text = as_json(text, stamp[:23] + "Z")
        return f"{stamp} {text}\n".encode() if timestamps else f"{text}\n".encode()
