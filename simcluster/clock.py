"""Simulated time: wall-clock time sped up by a factor, plus jumps tests can make.

Every timestamp the simulator writes and every delay of its lifecycle (a container
starting, a back-off, a CronJob schedule) is measured on this clock, so a test at
``time_scale=50`` sees a pod become ready in tens of milliseconds and can jump an
hour ahead to the next CronJob run without sleeping.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

LOG = logging.getLogger(__name__)


def format_time(seconds: float) -> str:
    """RFC 3339 with second precision, as metadata timestamps are written."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: object) -> float | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


class SimClock:
    """Seconds since the epoch, running ``time_scale`` times faster than real time."""

    def __init__(self, time_scale: float = 1.0, start: float | None = None) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.time_scale = time_scale
        self._real_origin = time.monotonic()
        self._sim_origin = time.time() if start is None else start
        self._jumped = 0.0
        self._on_jump: list[Callable[[], None]] = []

    def time(self) -> float:
        elapsed = time.monotonic() - self._real_origin
        return self._sim_origin + elapsed * self.time_scale + self._jumped

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    def timestamp(self) -> str:
        return format_time(self.time())

    def real_seconds(self, sim_seconds: float) -> float:
        return max(sim_seconds, 0.0) / self.time_scale

    def advance(self, seconds: float) -> None:
        """Jump ahead; everything due in between happens at once."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._jumped += seconds
        for listener in list(self._on_jump):
            listener()

    def on_jump(self, listener: Callable[[], None]) -> None:
        self._on_jump.append(listener)


class Timers:
    """Callbacks due at simulated times, run by one task in time order.

    Controllers ask to be called back ("re-check this Deployment at its progress
    deadline") instead of polling, so an idle cluster with thousands of objects
    costs nothing.
    """

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._counter = itertools.count()
        self._wake = asyncio.Event()
        clock.on_jump(self._wake.set)

    def call_at(self, when: float, callback: Callable[[], None]) -> None:
        heapq.heappush(self._heap, (when, next(self._counter), callback))
        if self._heap[0][2] is callback:
            self._wake.set()

    def call_later(self, delay: float, callback: Callable[[], None]) -> None:
        self.call_at(self.clock.time() + delay, callback)

    def run_due(self) -> float | None:
        """Run what is due; the simulated seconds until the next timer, or None."""
        now = self.clock.time()
        while self._heap and self._heap[0][0] <= now:
            _, _, callback = heapq.heappop(self._heap)
            try:
                callback()
            except Exception:
                LOG.exception("simulated cluster timer failed")
        return self._heap[0][0] - now if self._heap else None

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._wake.clear()
            wait = self.run_due()
            alarm = None
            if wait is not None:
                alarm = loop.call_later(self.clock.real_seconds(wait), self._wake.set)
            try:
                await self._wake.wait()
            finally:
                if alarm is not None:
                    alarm.cancel()
