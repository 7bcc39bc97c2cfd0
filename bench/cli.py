"""How long ``python -m gateway explain`` takes to answer, against bare interpreter starts.

Run: ``python bench/cli.py [--runs N] [--file PATH]``. Each round starts, one after the
other, ``python -c pass`` (the interpreter alone), ``python -c 'import gateway.status'``
(the status engine's own imports) and ``python -m gateway explain FILE`` on one small
file; rounds alternate so that a busy neighbour slows all of them alike.

Two settings are measured. With a bytecode cache (the usual case: Python writes
``__pycache__`` on first use, pip compiles at install), kept in a private directory so
the benchmark leaves no files behind. Without one (``PYTHONDONTWRITEBYTECODE=1`` on a
source checkout, as some shells and CI images set), every module of the project is
compiled at every start. Medians and ratios are printed (target: explain under 0.5 s).
"""

from __future__ import annotations

import sys
from pathlib import Path

# ``python bench/cli.py`` puts bench/ first on the path; the helpers import as ``bench.*``.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import os
import subprocess
import tempfile
import time
from collections.abc import Mapping

from bench.measure import Row, Spread, ms, table, verdict

ROOT = Path(__file__).resolve().parents[1]
TARGET = 0.5
"""Seconds: a command typed at a terminal should answer before its user starts to wait."""


def timed(arguments: list[str], environment: Mapping[str, str]) -> float:
    """Seconds from start to exit of ``python arguments...``; a failure stops the benchmark."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *arguments], cwd=ROOT, env=environment, capture_output=True, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"python {' '.join(arguments)} exited {done.returncode}: {done.stderr!r}")
    return elapsed


def environments(cache: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(with a bytecode cache in ``cache``, without any)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    return {**base, "PYTHONPYCACHEPREFIX": str(cache)}, {**base, "PYTHONDONTWRITEBYTECODE": "1"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--file", type=Path, default=ROOT / "examples" / "01-shop-healthy.yaml")
    args = parser.parse_args()
    bare = ["-c", "pass"]
    engine = ["-c", "import gateway.status"]
    explain = ["-m", "gateway", "explain", str(args.file)]
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as cache:
        cached, uncached = environments(Path(cache))
        series = {
            "bare": (bare, cached),
            "engine": (engine, cached),
            "explain": (explain, cached),
            "engine, compiled": (engine, uncached),
            "explain, compiled": (explain, uncached),
        }
        for arguments, environment in series.values():
            timed(arguments, environment)  # fills the bytecode cache and the page cache
        samples: dict[str, list[float]] = {name: [] for name in series}
        for _ in range(args.runs):
            for name, (arguments, environment) in series.items():
                samples[name].append(timed(arguments, environment))
    found = {name: Spread.of(values) for name, values in samples.items()}
    interpreter, imports, answer = found["bare"], found["engine"], found["explain"]
    imports_compiled, compiled = found["engine, compiled"], found["explain, compiled"]
    print(f"{args.runs} runs of each, alternating; explain reads {args.file.name}")
    print(
        table(
            [
                Row(
                    "explain vs python -c pass, median",
                    ms(interpreter.p50),
                    ms(answer.p50),
                    f"{answer.p50 / interpreter.p50:.1f}x",
                    f"< {ms(TARGET)}",
                    verdict(answer.p50 < TARGET),
                ),
                Row(
                    "explain vs import gateway.status, median",
                    ms(imports.p50),
                    ms(answer.p50),
                    f"{answer.p50 / imports.p50:.2f}x",
                ),
                Row("    p95", ms(imports.p95), ms(answer.p95), f"{answer.p95 / imports.p95:.2f}x"),
                Row(
                    "no bytecode cache: explain vs import gateway.status, median",
                    ms(imports_compiled.p50),
                    ms(compiled.p50),
                    f"{compiled.p50 / imports_compiled.p50:.2f}x",
                    f"< {ms(TARGET)}",
                    verdict(compiled.p50 < TARGET),
                ),
            ]
        )
    )


if __name__ == "__main__":
    main()
