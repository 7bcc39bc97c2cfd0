"""Building blocks every kind's rules share: pod evidence and the Deleting verdict."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from gateway.status.fields import Obj, as_str, format_time, name_list, parse_time, plural
from gateway.status.model import PodIssue, PodState

ISSUE_ORDER = {
    PodIssue.UNOBSERVABLE: 0,
    PodIssue.CONTAINER_ERROR: 1,
    PodIssue.UNSCHEDULABLE: 2,
    PodIssue.NOT_READY: 3,
    PodIssue.FAILED: 4,
    PodIssue.STARTING: 5,
}


def pods_with(pods: Iterable[PodState], *issues: PodIssue) -> list[PodState]:
    """Pods with one of these issues, worst first, then by name, so messages are stable."""
    found = [p for p in pods if p.problem is not None and p.problem.issue in issues]
    found.sort(key=lambda p: (ISSUE_ORDER[p.problem.issue] if p.problem else 9, p.name))
    return found


def summarize(pods: Sequence[PodState]) -> str:
    """The first pod's sentence, then who else is affected, so one message names them all."""
    first = pods[0]
    text = first.message
    rest = pods[1:]
    if not rest:
        return text
    same = [
        p.name
        for p in rest
        if p.problem and first.problem and p.problem.reason == first.problem.reason
    ]
    other = [p for p in rest if p.name not in same]
    if same:
        text += f" Same for {name_list(same)}."
    if other:
        text += (
            " Also: "
            + name_list(
                [f"{p.name} ({p.problem.reason if p.problem else p.display_reason})" for p in other]
            )
            + "."
        )
    return text


def newest_since(pods: Sequence[PodState]) -> datetime | None:
    times = [p.problem.since for p in pods if p.problem is not None and p.problem.since]
    return max(times) if times else None


def deleting_message(kind: str, meta: Obj, pods: Sequence[PodState]) -> str:
    when = format_time(parse_time(meta.get("deletionTimestamp")))
    text = f"{kind} deletion was requested at {when}"
    finalizers = [as_str(f) for f in meta.get("finalizers") or () if isinstance(f, str)]
    live = [p.name for p in pods]
    waits = []
    if finalizers:
        waits.append(f"finalizers {name_list(finalizers)}")
    if live:
        waits.append(f"{plural(len(live), 'pod')} to terminate ({name_list(live)})")
    if waits:
        text += "; waiting for " + " and ".join(waits)
    return text + "."
