"""Is a cluster's API server reachable? Every request's outcome, summed up per cluster.

A cluster is unreachable once requests have failed without a single success for
longer than the grace period: one dropped watch is noise, a minute of refused
connections is an outage people must be told about.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(slots=True)
class ContactTracker:
    grace_seconds: float = 30.0
    last_success: float = 0.0
    failing_since: float | None = None
    last_error: str = ""

    def succeeded(self) -> None:
        self.last_success = time.monotonic()
        self.failing_since = None

    def failed(self, error: str) -> None:
        self.last_error = error
        if self.failing_since is None:
            self.failing_since = time.monotonic()

    def outage_seconds(self) -> float:
        """How long requests have been failing without a success; 0 when they are not."""
        if self.failing_since is None:
            return 0.0
        return time.monotonic() - self.failing_since

    @property
    def unreachable(self) -> bool:
        return self.outage_seconds() > self.grace_seconds
