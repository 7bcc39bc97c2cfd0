"""Percentiles of timed samples and the comparison table the API benchmark prints."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(samples: Sequence[float], share: float) -> float:
    """Linear interpolation between closest ranks (``share`` in 0..1), as numpy's default."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    position = share * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True, slots=True)
class Spread:
    """Seconds: the median, tail and extremes of one series of samples."""

    count: int
    p50: float
    p95: float
    p99: float
    best: float
    worst: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Spread:
        return cls(
            len(samples),
            percentile(samples, 0.5),
            percentile(samples, 0.95),
            percentile(samples, 0.99),
            min(samples, default=math.nan),
            max(samples, default=math.nan),
        )


def ms(seconds: float) -> str:
    if math.isnan(seconds):
        return "-"
    value = seconds * 1000
    return (
        f"{value:.2f} ms"
        if value < 10
        else f"{value:.1f} ms"
        if value < 1000
        else f"{value:,.0f} ms"
    )


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    baseline: str
    gateway: str
    ratio: str = ""
    target: str = ""
    met: str = ""


def verdict(met: bool) -> str:
    return "yes" if met else "NO"


def compared(
    label: str, baseline: float, ours: float, target: str = "", met: bool | None = None
) -> Row:
    """A row of two timings (seconds) with their ratio, and a target if it has one."""
    return Row(
        label,
        ms(baseline),
        ms(ours),
        f"{ours / baseline:.1f}x",
        target,
        "" if met is None else verdict(met),
    )


def table(rows: Sequence[Row]) -> str:
    header = Row("measurement", "baseline", "gateway", "ratio", "target", "met")
    cells = [(r.label, r.baseline, r.gateway, r.ratio, r.target, r.met) for r in (header, *rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(6)]
    lines = []
    for index, row in enumerate(cells):
        left = row[0].ljust(widths[0])
        rest = "  ".join(cell.rjust(widths[i + 1]) for i, cell in enumerate(row[1:]))
        lines.append(f"{left}  {rest}".rstrip())
        if index == 0:
            lines.append("-" * len(lines[0]))
    return "\n".join(lines)
