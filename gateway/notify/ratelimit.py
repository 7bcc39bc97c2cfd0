"""A token bucket per channel: short bursts pass, a sustained flood waits its turn."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class TokenBucket:
    def __init__(
        self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("the rate must be positive and the burst at least 1")
        self.rate = per_minute / 60.0
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._at = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now

    @property
    def available(self) -> int:
        """Whole tokens now: how many posts may go out without waiting."""
        self._refill()
        return int(self._tokens)

    def try_take(self) -> bool:
        self._refill()
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False

    async def take(self) -> float:
        """Wait for a token and take it; returns how long it waited."""
        waited = 0.0
        while not self.try_take():
            delay = (1 - self._tokens) / self.rate
            await asyncio.sleep(delay)
            waited += delay
        return waited
