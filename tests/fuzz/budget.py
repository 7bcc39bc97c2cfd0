"""How long the fuzzers run: a fixed, reproducible budget in CI, any length on demand.

``FUZZ_EXAMPLES=5000 .venv/bin/pytest tests/fuzz -q`` runs each fuzz test for that
many examples with fresh randomness (and no per-test timeout); without it every
test runs its small CI budget, derandomized so CI sees the same inputs every time.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

LONG_RUN = os.environ.get("FUZZ_EXAMPLES", "").strip()


def budget(ci_examples: int) -> settings:
    examples = int(LONG_RUN) if LONG_RUN else ci_examples
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=not LONG_RUN,
        database=None,
        print_blob=bool(LONG_RUN),
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


timeout = pytest.mark.timeout(0 if LONG_RUN else 180)
"""Long runs take as long as they take; pytest-timeout's 0 means no limit."""
