"""Cron schedules as the CronJob controller reads them, to say when a job will run.

Five fields (minute hour day-of-month month day-of-week) with ``*``, ``?``, ranges,
steps, lists, month and weekday names, the ``@hourly``-style macros and ``@every``.
The rules are the controller's parser's (robfig/cron v3), not crontab(5)'s, because
a schedule the API server accepts must read here as the controller will run it:
day of week is 0-6 (``7`` is an error), macros are case-sensitive, and day of month
and day of week combine with AND when either carries a star (``*`` or ``?`` without
a step), with OR otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1
    )
}
_DAYS = {
    name: number for number, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))
}
_NO_NAMES: dict[str, int] = {}
_BOUNDS: tuple[tuple[int, int, dict[str, int]], ...] = (
    (0, 59, _NO_NAMES),
    (0, 23, _NO_NAMES),
    (1, 31, _NO_NAMES),
    (1, 12, _MONTHS),
    (0, 6, _DAYS),
)
_SEARCH_LIMIT = timedelta(days=366 * 5)


class ScheduleError(ValueError):
    """The schedule cannot be parsed; the message says which part and why."""


@dataclass(frozen=True, slots=True)
class Schedule:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    any_day: bool
    any_weekday: bool

    def _day_matches(self, when: datetime) -> bool:
        day_ok = when.day in self.days
        weekday_ok = (when.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return day_ok and weekday_ok
        return day_ok or weekday_ok

    def next_after(self, after: datetime, zone: str | None = None) -> datetime | None:
        """The first run strictly after ``after``, in UTC; None if none within five years."""
        tz = _zone(zone)
        local = after.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0)
        local += timedelta(minutes=1)
        limit = local + _SEARCH_LIMIT
        while local < limit:
            if local.month not in self.months:
                year, month = (
                    (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
                )
                local = datetime(year, month, 1)
                continue
            if not self._day_matches(local):
                local = datetime(local.year, local.month, local.day) + timedelta(days=1)
                continue
            if local.hour not in self.hours:
                local = local.replace(minute=0) + timedelta(hours=1)
                continue
            if local.minute not in self.minutes:
                local += timedelta(minutes=1)
                continue
            found = local.replace(tzinfo=tz).astimezone(UTC)
            if found.astimezone(tz).replace(tzinfo=None) != local:
                # A wall time inside a spring-forward gap never happens; the controller skips it.
                local += timedelta(minutes=1)
                continue
            return found
        return None


@dataclass(frozen=True, slots=True)
class Every:
    """``@every 1h30m``: a fixed delay after the previous run (or the creation), in any zone."""

    delay: timedelta

    def next_after(self, after: datetime, zone: str | None = None) -> datetime | None:
        return after.replace(microsecond=0).astimezone(UTC) + self.delay


_DURATION_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}


def _every(text: str) -> Every:
    """Go's ``time.ParseDuration``, then the library's rounding: whole seconds, at least one."""
    body = text.lstrip("+-")
    if body == "0":
        return Every(timedelta(seconds=1))
    seconds = 0.0
    position = 0
    while position < len(body):
        found = _DURATION_PART.match(body, position)
        if found is None:
            raise ScheduleError(f"invalid duration {text!r} in @every (use units h, m, s)")
        seconds += float(found.group(1)) * _UNIT_SECONDS[found.group(2)]
        position = found.end()
    if not body:
        raise ScheduleError("@every needs a duration, such as @every 1h30m")
    whole = int(seconds) if not text.startswith("-") else 0
    return Every(timedelta(seconds=max(whole, 1)))


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ScheduleError(f"unknown time zone {name!r}") from error


def check_zone(name: str | None) -> None:
    _zone(name)


def parse_schedule(text: str) -> Schedule | Every:
    if "TZ" in text:
        raise ScheduleError("time zones belong in spec.timeZone, not in the schedule (TZ=)")
    if text.startswith("@every "):
        return _every(text.removeprefix("@every "))
    if text.startswith("@"):
        if text not in MACROS:
            raise ScheduleError(f"unknown macro {text!r}")
        text = MACROS[text]
    spec = " ".join(text.split())
    parts = spec.split(" ")
    if len(parts) != 5:
        raise ScheduleError(f"expected 5 fields, found {len(parts)}")
    names = ("minute", "hour", "day of month", "month", "day of week")
    fields: list[tuple[frozenset[int], bool]] = []
    for part, name, (low, high, aliases) in zip(parts, names, _BOUNDS, strict=True):
        try:
            fields.append(_parse_field(part, low, high, aliases))
        except ValueError as error:
            raise ScheduleError(f"{name} field {part!r}: {error}") from error
    return Schedule(
        minutes=fields[0][0],
        hours=fields[1][0],
        days=fields[2][0],
        months=fields[3][0],
        weekdays=fields[4][0],
        any_day=fields[2][1],
        any_weekday=fields[4][1],
    )


def _parse_field(
    part: str, low: int, high: int, aliases: dict[str, int]
) -> tuple[frozenset[int], bool]:
    values: set[int] = set()
    star = False
    for item in part.split(","):
        if not item:
            continue
        span, _, step_text = item.partition("/")
        step = 1
        if step_text:
            step = _number(step_text, aliases={})
            if step < 1:
                raise ValueError("step must be positive")
        if span in ("*", "?"):
            start, end = low, high
            star = star or step == 1
        elif "-" in span:
            first, _, last = span.partition("-")
            start, end = _number(first, aliases), _number(last, aliases)
        else:
            start = _number(span, aliases)
            end = high if step_text else start
        if not low <= start <= high or not low <= end <= high:
            raise ValueError(f"out of range {low}-{high}")
        if start > end:
            raise ValueError(f"range {start}-{end} runs backwards")
        values.update(range(start, end + 1, step))
    return frozenset(values), star


def _number(text: str, aliases: dict[str, int]) -> int:
    upper = text.upper()
    if upper in aliases:
        return aliases[upper]
    if not text.isdigit():
        raise ValueError(f"{text!r} is not a number")
    return int(text)
