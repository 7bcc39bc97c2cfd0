"""CronJob rules: Deleting; suspended -> Stopped; scheduled before or running -> Started;
never scheduled -> Waiting, saying when the first run is due.

Next-run times are computed from the object's own timestamps (creation, last
schedule), never from the clock, so the message only changes when the object does.
The clock only decides whether a first run is overdue (a warning).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from gateway.status.cron import ScheduleError, check_zone, parse_schedule
from gateway.status.fields import (
    EMPTY,
    Obj,
    as_str,
    condition_is,
    format_time,
    newest,
    parse_time,
    plural,
    quote,
    sentence,
    text_of,
)
from gateway.status.model import Counts, Kind, Status, WorkloadState
from gateway.status.verdict import deleting_message

OVERDUE_AFTER = timedelta(minutes=2)
"""How late a first run may be before the controller is suspected (it runs every 10s)."""


def cronjob_counts(obj: Obj) -> Counts:
    status: Obj = obj.get("status") or EMPTY
    active = status.get("active")
    return Counts(
        active=len(active) if isinstance(active, list) else 0,
        last_schedule=parse_time(status.get("lastScheduleTime")),
        last_success=parse_time(status.get("lastSuccessfulTime")),
    )


def evaluate_cronjob(obj: Obj, jobs: Sequence[Obj], now: datetime) -> WorkloadState:
    meta: Obj = obj.get("metadata") or EMPTY
    spec: Obj = obj.get("spec") or EMPTY
    counts = cronjob_counts(obj)
    schedule_text = as_str(spec.get("schedule"))
    zone = as_str(spec.get("timeZone")) or None
    warnings: list[str] = []
    recheck: datetime | None = None
    created = parse_time(meta.get("creationTimestamp"))

    def verdict(state: Status, reason: str, message: str, since: datetime | None) -> WorkloadState:
        return WorkloadState(
            kind=Kind.CRONJOB.value,
            namespace=text_of(meta.get("namespace")),
            name=text_of(meta.get("name")),
            uid=text_of(meta.get("uid")),
            status=state,
            reason=reason,
            message=message,
            warnings=tuple(warnings),
            counts=counts,
            since=since or created,
            recheck_at=recheck,
        )

    if meta.get("deletionTimestamp") is not None:
        return verdict(
            Status.DELETING,
            "Deleting",
            deleting_message("CronJob", meta, ()),
            parse_time(meta["deletionTimestamp"]),
        )

    where = f'schedule "{schedule_text}" in {zone or "UTC"}'
    try:
        schedule = parse_schedule(schedule_text)
        check_zone(zone)
        schedule_error = ""
    except ScheduleError as error:
        schedule = None
        schedule_error = f"The {where} cannot be used: {error}; no Job will be created."
        warnings.append(schedule_error)

    last_run = _last_finished_job(jobs)
    if last_run is not None:
        failed = condition_is((last_run.get("status") or EMPTY).get("conditions"), "Failed")
        if failed is not None:
            name = as_str((last_run.get("metadata") or EMPTY).get("name"))
            detail = quote(as_str(failed.get("message"))) or "no reason given"
            warnings.append(
                f"The last run, Job {name}, failed ({as_str(failed.get('reason')) or 'Failed'}): "
                f"{sentence(detail)}"
            )

    if spec.get("suspend") is True:
        text = "Suspended (spec.suspend is true): no new Jobs are created"
        if counts.last_schedule is not None:
            text += f"; it last ran at {format_time(counts.last_schedule)}"
        return verdict(Status.STOPPED, "Suspended", text + ".", counts.last_schedule)

    if counts.last_schedule is not None or counts.active:
        reason = "Active" if counts.active else "Scheduled"
        parts = []
        if counts.active:
            parts.append(f"{plural(counts.active, 'Job')} running")
        if counts.last_schedule is not None:
            parts.append(f"last scheduled at {format_time(counts.last_schedule)}")
        if schedule is not None and counts.last_schedule is not None:
            upcoming = schedule.next_after(counts.last_schedule, zone)
            if upcoming is not None:
                parts.append(f"next run due at {format_time(upcoming)}")
        if counts.last_success is not None:
            parts.append(f"last success at {format_time(counts.last_success)}")
        text = "; ".join(parts)
        return verdict(
            Status.STARTED, reason, text[0].upper() + text[1:] + ".", newest(counts.last_schedule)
        )

    if schedule is None:
        return verdict(Status.WAITING, "InvalidSchedule", schedule_error, created)
    first = schedule.next_after(created or now, zone)
    if first is None:
        return verdict(
            Status.WAITING,
            "NeverScheduled",
            f"The {where} matches no time in the next five years; no Job will be created.",
            created,
        )
    if now >= first + OVERDUE_AFTER:
        warnings.append(
            f"The first run was due at {format_time(first)} and has not happened; check "
            "startingDeadlineSeconds and that the CronJob controller is running."
        )
    else:
        recheck = first + OVERDUE_AFTER
    return verdict(
        Status.WAITING,
        "NotYetScheduled",
        f"Waiting for the first run, due at {format_time(first)} ({where}).",
        created,
    )


def _last_finished_job(jobs: Sequence[Obj]) -> Obj | None:
    """The newest finished Job; Jobs too malformed to date are no evidence and are skipped."""
    finished = []
    for job in jobs:
        status = job.get("status") if isinstance(job, Mapping) else None
        meta = job.get("metadata") if isinstance(job, Mapping) else None
        if not isinstance(status, Mapping) or not isinstance(meta, Mapping):
            continue
        conditions = status.get("conditions")
        if condition_is(conditions, "Complete") or condition_is(conditions, "Failed"):
            start = parse_time(status.get("startTime")) or parse_time(meta.get("creationTimestamp"))
            finished.append((start.timestamp() if start else 0.0, as_str(meta.get("name")), job))
    if not finished:
        return None
    return max(finished, key=lambda entry: (entry[0], entry[1]))[2]
