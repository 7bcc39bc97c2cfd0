"""How far each feed is handled for good: the cursor to resume from after a crash.

Events arrive in feed order but finish out of order (a burst waits for its grouping
window, a post waits for retries), so the durable cursor is a low-water mark: the
cursor of the last event such that it and every earlier one is posted or deliberately
dropped. Resuming there may replay events that were posted after it; the state's set
of posted transition ids filters those out.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(slots=True)
class _Pending:
    seq: int
    cursor: str
    done: bool = False


class StreamProgress:
    def __init__(self, durable: str | None) -> None:
        self.durable = durable
        self.latest = durable
        """The last cursor received: where a reconnect (same process) resumes."""
        self._pending: deque[_Pending] = deque()
        self._by_seq: dict[int, _Pending] = {}
        self._next = 0

    def received(self, cursor: str) -> int:
        self._next += 1
        entry = _Pending(self._next, cursor)
        self._pending.append(entry)
        self._by_seq[entry.seq] = entry
        self.latest = cursor
        return entry.seq

    def done(self, seq: int) -> bool:
        """Mark one event handled; True when the durable cursor moved."""
        entry = self._by_seq.pop(seq, None)
        if entry is None:
            return False
        entry.done = True
        moved = False
        while self._pending and self._pending[0].done:
            self.durable = self._pending.popleft().cursor
            moved = True
        return moved

    def restart(self, durable: str | None) -> None:
        """Forget everything in flight: the feed starts over from ``durable`` (or from now)."""
        self._pending.clear()
        self._by_seq.clear()
        self.durable = self.latest = durable

    @property
    def in_flight(self) -> int:
        return len(self._by_seq)
