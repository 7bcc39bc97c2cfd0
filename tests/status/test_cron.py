"""The cron parser reads schedules as the CronJob controller (robfig/cron v3) does."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from gateway.status.cron import Every, Schedule, ScheduleError, check_zone, parse_schedule

START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday


def _runs(text: str, count: int = 3, after: datetime = START, zone: str | None = None) -> list[str]:
    schedule = parse_schedule(text)
    found: list[str] = []
    when: datetime | None = after
    for _ in range(count):
        assert when is not None
        when = schedule.next_after(when, zone)
        assert when is not None
        found.append(when.strftime("%Y-%m-%d %H:%M %a"))
    return found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("*/15 * * * *", ["2026-11-25 12:15 Wed", "2026-11-25 12:30 Wed", "2026-11-25 12:45 Wed"]),
        ("30 2 * * *", ["2026-11-26 02:30 Thu", "2026-11-27 02:30 Fri", "2026-11-28 02:30 Sat"]),
        (
            "0 9-17/4 * * *",
            ["2026-11-25 13:00 Wed", "2026-11-25 17:00 Wed", "2026-11-26 09:00 Thu"],
        ),
        ("5/20 * * * *", ["2026-11-25 12:05 Wed", "2026-11-25 12:25 Wed", "2026-11-25 12:45 Wed"]),
        (
            "0 0 * * MON-FRI",
            ["2026-11-26 00:00 Thu", "2026-11-27 00:00 Fri", "2026-11-30 00:00 Mon"],
        ),
        (
            "0 0 * * sat,sun",
            ["2026-11-28 00:00 Sat", "2026-11-29 00:00 Sun", "2026-12-05 00:00 Sat"],
        ),
        (
            "0 0 1 jan,Jul *",
            ["2027-01-01 00:00 Fri", "2027-07-01 00:00 Thu", "2028-01-01 00:00 Sat"],
        ),
        ("0 12 ? * ?", ["2026-11-26 12:00 Thu", "2026-11-27 12:00 Fri", "2026-11-28 12:00 Sat"]),
        ("0 0 1,15 * *", ["2026-12-01 00:00 Tue", "2026-12-15 00:00 Tue", "2027-01-01 00:00 Fri"]),
        ("0 0 29 2 *", ["2028-02-29 00:00 Tue", "2032-02-29 00:00 Sun", "2036-02-29 00:00 Fri"]),
        ("0 0 31 * *", ["2026-12-31 00:00 Thu", "2027-01-31 00:00 Sun", "2027-03-31 00:00 Wed"]),
        ("*/90 * * * *", ["2026-11-25 13:00 Wed", "2026-11-25 14:00 Wed", "2026-11-25 15:00 Wed"]),
        ("1,,2 0 * * *", ["2026-11-26 00:01 Thu", "2026-11-26 00:02 Thu", "2026-11-27 00:01 Fri"]),
    ],
)
def test_next_runs(text: str, expected: list[str]) -> None:
    assert _runs(text) == expected


@pytest.mark.parametrize(
    ("macro", "first"),
    [
        ("@yearly", "2027-01-01 00:00 Fri"),
        ("@annually", "2027-01-01 00:00 Fri"),
        ("@monthly", "2026-12-01 00:00 Tue"),
        ("@weekly", "2026-11-29 00:00 Sun"),
        ("@daily", "2026-11-26 00:00 Thu"),
        ("@midnight", "2026-11-26 00:00 Thu"),
        ("@hourly", "2026-11-25 13:00 Wed"),
    ],
)
def test_macros(macro: str, first: str) -> None:
    assert _runs(macro, 1) == [first]


def test_day_of_month_or_day_of_week_when_neither_is_a_star() -> None:
    # The 13th of the month, or any Friday.
    assert _runs("0 0 13 * 5", 4) == [
        "2026-11-27 00:00 Fri",
        "2026-12-04 00:00 Fri",
        "2026-12-11 00:00 Fri",
        "2026-12-13 00:00 Sun",
    ]


def test_day_of_month_and_day_of_week_when_one_is_a_star() -> None:
    assert _runs("0 0 * * 5", 2) == ["2026-11-27 00:00 Fri", "2026-12-04 00:00 Fri"]
    assert _runs("0 0 13 * *", 1) == ["2026-12-13 00:00 Sun"]


def test_star_with_a_step_is_not_a_star_for_the_day_rule() -> None:
    # dom */2 carries no star: odd days OR Fridays.
    schedule = parse_schedule("0 0 */2 * FRI")
    assert isinstance(schedule, Schedule)
    assert not schedule.any_day
    assert _runs("0 0 */2 * FRI", 3) == [
        "2026-11-27 00:00 Fri",
        "2026-11-29 00:00 Sun",
        "2026-12-01 00:00 Tue",
    ]


def test_a_star_in_a_list_still_counts() -> None:
    schedule = parse_schedule("0 0 5,* * MON")
    assert isinstance(schedule, Schedule)
    assert schedule.any_day


def test_time_zone() -> None:
    assert _runs("0 3 * * *", 1, zone="Europe/Berlin") == ["2026-11-26 02:00 Thu"]
    assert _runs("0 3 * * *", 1, zone="America/New_York") == ["2026-11-26 08:00 Thu"]
    summer = datetime(2026, 7, 1, tzinfo=UTC)
    assert _runs("0 3 * * *", 1, after=summer, zone="Europe/Berlin") == ["2026-07-01 01:00 Wed"]


def test_a_run_inside_the_spring_forward_gap_is_skipped() -> None:
    before = datetime(2026, 3, 7, 17, 0, tzinfo=UTC)  # 12:00 in New York, the day before
    assert _runs("30 2 * * *", 2, after=before, zone="America/New_York") == [
        "2026-03-09 06:30 Mon",
        "2026-03-10 06:30 Tue",
    ]
    assert _runs(
        "30 * * * *", 2, after=datetime(2026, 3, 8, 6, 0, tzinfo=UTC), zone="America/New_York"
    ) == [
        "2026-03-08 06:30 Sun",
        "2026-03-08 07:30 Sun",
    ]


def test_results_are_utc() -> None:
    found = parse_schedule("0 3 * * *").next_after(START, "Asia/Tokyo")
    assert found is not None
    assert found.tzinfo is UTC


def test_whitespace_between_fields_is_free() -> None:
    assert _runs("0\t0   * *  *", 1) == ["2026-11-26 00:00 Thu"]


def test_every() -> None:
    assert parse_schedule("@every 1h30m") == Every(timedelta(hours=1, minutes=30))
    assert parse_schedule("@every 1500ms") == Every(timedelta(seconds=1))
    assert parse_schedule("@every 100ms") == Every(timedelta(seconds=1))
    assert parse_schedule("@every 2.5h") == Every(timedelta(hours=2, minutes=30))
    assert _runs("@every 45m", 2) == ["2026-11-25 12:45 Wed", "2026-11-25 13:30 Wed"]


def test_a_schedule_that_never_matches() -> None:
    assert parse_schedule("0 0 30 2 *").next_after(START) is None


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "expected 5 fields, found 1"),
        ("* * * *", "expected 5 fields, found 4"),
        ("* * * * * *", "expected 5 fields, found 6"),
        ("60 * * * *", "minute field '60': out of range 0-59"),
        ("* 24 * * *", "hour field '24': out of range 0-23"),
        ("* * 0 * *", "day of month field '0': out of range 1-31"),
        ("* * * 13 *", "month field '13': out of range 1-12"),
        ("* * * * 7", "day of week field '7': out of range 0-6"),
        ("* * * * SAT-SUN", "range 6-0 runs backwards"),
        ("*/0 * * * *", "step must be positive"),
        ("*/x * * * *", "'x' is not a number"),
        ("* * * FOO *", "'FOO' is not a number"),
        ("@reboot", "unknown macro '@reboot'"),
        ("@DAILY", "unknown macro '@DAILY'"),
        ("@every", "unknown macro '@every'"),
        ("@every 1d", "invalid duration '1d'"),
        ("TZ=Europe/Berlin 0 3 * * *", "spec.timeZone"),
        ("CRON_TZ=UTC 0 3 * * *", "spec.timeZone"),
    ],
)
def test_errors_say_which_field_and_why(text: str, error: str) -> None:
    with pytest.raises(ScheduleError, match=re.escape(error)):
        parse_schedule(text)


def test_unknown_zone() -> None:
    with pytest.raises(ScheduleError, match="unknown time zone 'Mars/Base'"):
        check_zone("Mars/Base")
    check_zone("Asia/Kolkata")
    check_zone(None)
