"""What each fuzz test sent and got back, for the failure message and the run's summary.

Masked internal errors are not leaks but are bugs all the same: each is kept with
the request that caused it, and the test fails on any. The summary (examples,
seconds, outcomes) is printed at the end of the pytest run by tests/fuzz/conftest.py,
so a long run says what it covered.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

LEDGERS: list[Ledger] = []


@dataclass
class Ledger:
    name: str
    examples: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    internal_errors: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0

    @classmethod
    def open(cls, name: str) -> Ledger:
        ledger = cls(name)
        LEDGERS.append(ledger)
        return ledger

    def outcome(self, what: str) -> None:
        self.examples += 1
        self.outcomes[what] += 1

    def internal_error(self, request: str, response: str) -> None:
        self.internal_errors.append(f"request: {request}\nresponse: {response[:2000]}")

    def close(self) -> None:
        """Stop the clock; AssertionError listing the requests that hit internal errors."""
        self.seconds = time.monotonic() - self.started
        count = len(self.internal_errors)
        listing = "\n\n".join(self.internal_errors[:20])
        assert not count, f"{count} masked internal error(s):\n\n{listing}"

    def summary(self) -> str:
        common = ", ".join(f"{what}: {n}" for what, n in self.outcomes.most_common(10))
        return (
            f"{self.name}: {self.examples} examples in {self.seconds:.1f} s, "
            f"{len(self.internal_errors)} internal errors; {common}"
        )
