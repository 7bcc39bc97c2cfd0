"""Cron schedules as the CronJob controller reads them, to say when a job will run.

Five fields (minute hour day-of-month month day-of-week) with ``*``, ``?``, ranges,
steps, lists, month and weekday names, and the ``@hourly``-style macros. Day of
month and day of week combine like the controller's parser: if either is a bare
star both must match, otherwise either may.
"""

from __future__ import annotations

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
    (0, 7, _DAYS),
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
            return local.replace(tzinfo=tz).astimezone(UTC)
        return None


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ScheduleError(f"unknown time zone {name!r}") from error


def check_zone(name: str | None) -> None:
    _zone(name)


def parse_schedule(text: str) -> Schedule:
    spec = " ".join(text.split())
    if spec.startswith(("TZ=", "CRON_TZ=")):
        raise ScheduleError("time zones belong in spec.timeZone, not in the schedule")
    spec = MACROS.get(spec.lower(), spec)
    if spec.startswith("@"):
        raise ScheduleError(f"unknown macro {spec!r}")
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
    weekdays = frozenset(0 if day == 7 else day for day in fields[4][0])
    return Schedule(
        minutes=fields[0][0],
        hours=fields[1][0],
        days=fields[2][0],
        months=fields[3][0],
        weekdays=weekdays,
        any_day=fields[2][1],
        any_weekday=fields[4][1],
    )


def _parse_field(
    part: str, low: int, high: int, aliases: dict[str, int]
) -> tuple[frozenset[int], bool]:
    values: set[int] = set()
    star = False
    for item in part.split(","):
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
