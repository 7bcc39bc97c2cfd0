"""When an object must be judged again though nothing about it changed.

A verdict can depend on the clock (a start-up grace period ending, a CronJob's first
run): the rules say when (``recheck_at``), and the first flush at or after that time
re-judges the object.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from datetime import datetime

RecheckKey = tuple[str, ...]


class Rechecks:
    def __init__(self) -> None:
        self._timers: list[tuple[datetime, str, RecheckKey]] = []
        self._due: dict[RecheckKey, datetime] = {}

    def schedule(self, due: datetime, kind: str, key: RecheckKey) -> None:
        """One timer per object and due time, however often the object is re-judged."""
        if self._due.get(key) == due:
            return
        self._due[key] = due
        heapq.heappush(self._timers, (due, kind, key))

    def due(self, now: datetime) -> Iterator[tuple[str, RecheckKey]]:
        """The timers due by ``now``, including those scheduled while they are handled."""
        while self._timers and self._timers[0][0] <= now:
            due, kind, key = heapq.heappop(self._timers)
            if self._due.get(key) == due:
                del self._due[key]
            yield kind, key

    def next(self) -> datetime | None:
        return self._timers[0][0] if self._timers else None
