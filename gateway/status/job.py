"""Job rules (first match wins).

Deleting; Failed or FailureTarget -> Exception; Complete or SuccessCriteriaMet ->
Execution Complete; a pod that cannot be observed -> Exception; suspended with no
active pods -> Waiting; active pods or a start time -> Executing; else Waiting.
Failing pods of a Job that still runs are warnings: the Job may yet succeed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from gateway.status.fields import (
    EMPTY,
    Obj,
    as_int,
    as_str,
    condition_is,
    condition_time,
    format_time,
    newest_transition,
    parse_time,
    plural,
    quote,
    sentence,
    text_of,
)
from gateway.status.model import Counts, Kind, PodIssue, PodState, Status, WorkloadState
from gateway.status.replicated import Finding
from gateway.status.verdict import deleting_message, newest_since, pods_with, summarize


def job_counts(obj: Obj) -> Counts:
    spec: Obj = obj.get("spec") or EMPTY
    status: Obj = obj.get("status") or EMPTY
    completions = spec.get("completions")
    parallelism = spec.get("parallelism")
    if completions is None and parallelism is None:
        completions = 1
    return Counts(
        desired=None if completions is None else as_int(completions),
        active=as_int(status.get("active")),
        ready=as_int(status.get("ready")),
        succeeded=as_int(status.get("succeeded")),
        failed=as_int(status.get("failed")),
        completions=None if completions is None else as_int(completions),
    )


def evaluate_job(obj: Obj, pods: Sequence[PodState]) -> WorkloadState:
    meta: Obj = obj.get("metadata") or EMPTY
    spec: Obj = obj.get("spec") or EMPTY
    status: Obj = obj.get("status") or EMPTY
    conditions = status.get("conditions")
    counts = job_counts(obj)
    warnings: list[str] = []

    def verdict(state: Status, reason: str, message: str, since: datetime | None) -> WorkloadState:
        return WorkloadState(
            kind=Kind.JOB.value,
            namespace=text_of(meta.get("namespace")),
            name=text_of(meta.get("name")),
            uid=text_of(meta.get("uid")),
            status=state,
            reason=reason,
            message=message,
            warnings=tuple(warnings),
            counts=counts,
            since=since
            or newest_transition(conditions)
            or parse_time(meta.get("creationTimestamp")),
            recheck_at=min((p.recheck_at for p in pods if p.recheck_at), default=None),
        )

    if meta.get("deletionTimestamp") is not None:
        return verdict(
            Status.DELETING,
            "Deleting",
            deleting_message(
                "Job", meta, [p for p in pods if p.phase.value in ("Pending", "Running")]
            ),
            parse_time(meta["deletionTimestamp"]),
        )

    failed = condition_is(conditions, "Failed") or condition_is(conditions, "FailureTarget")
    if failed is not None:
        reason = as_str(failed.get("reason")) or "Failed"
        own = quote(as_str(failed.get("message"))) or "the Job failed"
        if reason == "DeadlineExceeded":
            limit = as_int(spec.get("activeDeadlineSeconds"))
            began = format_time(parse_time(status.get("startTime")))
            text = f"{sentence(own)} It started at {began}"
            text += f" and may run {limit}s (activeDeadlineSeconds)." if limit else "."
        else:
            text = f"{sentence(own)} {_failure_tally(spec, counts)}"
        return verdict(Status.EXCEPTION, reason, text + last_failure(pods), condition_time(failed))

    complete = condition_is(conditions, "Complete") or condition_is(
        conditions, "SuccessCriteriaMet"
    )
    if complete is not None:
        finished = parse_time(status.get("completionTime")) or condition_time(complete)
        target = counts.completions or counts.succeeded
        text = f"Completed {counts.succeeded} of {target} at {format_time(finished)}"
        started = parse_time(status.get("startTime"))
        if started is not None and finished is not None:
            text += f" after {_duration(finished - started)}"
        return verdict(
            Status.EXECUTION_COMPLETE,
            as_str(complete.get("reason")) or "Completed",
            text + ".",
            finished,
        )

    lost = lost_pods(pods)
    if lost is not None:
        return verdict(Status.EXCEPTION, lost.reason, lost.message, lost.since)

    warnings.extend(troubled_pods(pods))
    if counts.failed:
        failures = pods_with(pods, PodIssue.FAILED)
        tally = _failure_tally(spec, counts)
        warnings.append(f"{tally} Last: {_latest(failures).message}" if failures else tally)

    if spec.get("suspend") is True and not counts.active:
        return verdict(
            Status.WAITING,
            "Suspended",
            "The Job is suspended (spec.suspend is true): no pods run until it is resumed.",
            condition_time(condition_is(conditions, "Suspended")),
        )
    started_at = parse_time(status.get("startTime"))
    if counts.active or started_at is not None:
        out_of = f" of {counts.completions}" if counts.completions is not None else ""
        text = (
            f"{plural(counts.active, 'pod')} active ({counts.ready} ready), "
            f"{counts.succeeded}{out_of} succeeded, "
            f"{counts.failed} failed"
        )
        if started_at is not None:
            text += f"; started at {format_time(started_at)}"
        return verdict(Status.EXECUTING, "Running", text + ".", started_at)
    if not status:
        return verdict(
            Status.WAITING,
            "NotObserved",
            "The Job controller has not reported any status for this object yet.",
            parse_time(meta.get("creationTimestamp")),
        )
    return verdict(
        Status.WAITING,
        "Created",
        "The Job was created and has not started any pod yet.",
        parse_time(meta.get("creationTimestamp")),
    )


def last_failure(pods: Sequence[PodState]) -> str:
    """What a failed run's message ends with: the latest pod failure, if any pod failed."""
    culprits = pods_with(pods, PodIssue.FAILED, PodIssue.CONTAINER_ERROR, PodIssue.UNSCHEDULABLE)
    return f" Last failure: {_latest(culprits).message}" if culprits else ""


def lost_pods(pods: Sequence[PodState]) -> Finding | None:
    """Pods that cannot be observed: the run's state is not known, whatever it reports."""
    lost = pods_with(pods, PodIssue.UNOBSERVABLE)
    if not lost:
        return None
    first = lost[0].problem
    return Finding(first.reason if first else "NodeLost", summarize(lost), newest_since(lost))


def troubled_pods(pods: Sequence[PodState]) -> list[str]:
    """Failing pods of a run still under way are warnings: it may yet succeed."""
    troubled = pods_with(pods, PodIssue.CONTAINER_ERROR, PodIssue.UNSCHEDULABLE, PodIssue.NOT_READY)
    return [summarize(troubled)] if troubled else []


def failed_pods(pods: Sequence[PodState]) -> list[str]:
    """Pods that failed, as a warning, for a run without a Job's failure count."""
    failures = pods_with(pods, PodIssue.FAILED)
    if not failures:
        return []
    return [f"{plural(len(failures), 'pod')} failed. Last: {_latest(failures).message}"]


def _failure_tally(spec: Obj, counts: Counts) -> str:
    limit = as_int(spec.get("backoffLimit"), 6)
    return f"{plural(counts.failed, 'pod')} failed (backoffLimit {limit})."


def _latest(pods: Sequence[PodState]) -> PodState:
    return max(
        pods,
        key=lambda p: (
            p.problem.since.timestamp() if p.problem and p.problem.since else 0.0,
            p.name,
        ),
    )


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 120:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
