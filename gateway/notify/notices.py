"""What the bot tells a channel, before any chat's formatting: one notice per post.

A notice has a plain-text headline, facts (label and value), the gateway's message
quoted as is, and detail lines (affected pods, a digest's entries). Formats turn it
into a Slack, Mattermost, Teams or generic payload; the words stay the same, in the
manual's vocabulary ("Not Ready").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from gateway.kinds import is_custom, split
from gateway.notify.model import (
    STANDALONE_KIND,
    PodTransition,
    ReachabilityTransition,
    Severity,
    WorkloadKey,
    WorkloadTransition,
    status_severity,
)
from gateway.notify.state import Incident

MESSAGE_LIMIT = 1500
LINE_LIMIT = 300
MAX_LINES = 25
NAMES_PER_LINE = 8


_SEVERITY_WORDS = {
    Severity.EXCEPTION: "Exception",
    Severity.NOT_READY: "Not Ready",
    Severity.WARNING: "Warning",
    Severity.INFO: "Other",
}


class NoticeKind(StrEnum):
    PROBLEM = "problem"
    RECOVERY = "recovery"
    CLUSTER_DOWN = "cluster-down"
    CLUSTER_UP = "cluster-up"
    POD_WARNING = "pod-warning"
    SUMMARY = "summary"
    DIGEST = "digest"


@dataclass(frozen=True, slots=True)
class Notice:
    kind: NoticeKind
    severity: Severity
    headline: str
    one_line: str
    """The notice as one entry of a digest."""
    facts: tuple[tuple[str, str], ...] = ()
    message: str = ""
    lines: tuple[str, ...] = ()
    items: tuple[dict[str, Any], ...] = ()
    """The transitions behind the notice, structured, for the generic JSON format."""
    ids: tuple[str, ...] = ()
    """Transition ids: recorded as posted once the webhook accepts the notice."""
    incidents: tuple[tuple[str, Incident | None], ...] = ()
    """What the channel knows once the notice is accepted (None: the incident is over)."""
    resent: bool = False
    """Some of it may have been posted before a crash (see ``state``)."""
    recovered: bool = False
    parts: tuple[Notice, ...] = ()
    """A digest's notices, so a digest of digests lists every entry."""

    def marked_resent(self) -> Notice:
        return replace(self, resent=True)


def clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def duration(start: datetime | None, end: datetime | None) -> str:
    if start is None or end is None:
        return ""
    seconds = max(int((end - start).total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {seconds}s"
    return f"{seconds}s"


def parse_time(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def workload_name(key: WorkloadKey) -> str:
    """A custom kind by its manifest kind alone (Rollout): the facts give its group."""
    cluster, kind, namespace, name = key
    return f"{split(kind).kind} {namespace}/{name} in {cluster}"


def _arrow(old: str | None, new: str | None) -> str:
    return f"{old or 'new'} → {new or 'deleted'}"


def _item(t: WorkloadTransition) -> dict[str, Any]:
    return {
        "id": t.id,
        "type": "workload",
        "cluster": t.cluster,
        "kind": t.kind,
        "namespace": t.namespace,
        "name": t.name,
        "oldStatus": t.old_status,
        "newStatus": t.new_status,
        "oldReason": t.old_reason,
        "reason": t.reason,
        "message": t.message,
        "time": t.time.isoformat() if t.time else None,
    }


def _pod_item(t: PodTransition) -> dict[str, Any]:
    return {
        "id": t.id,
        "type": "pod",
        "cluster": t.cluster,
        "namespace": t.namespace,
        "name": t.name,
        "owner": t.owner,
        "phase": t.phase,
        "reason": t.reason,
        "message": t.message,
        "time": t.time.isoformat() if t.time else None,
    }


def _cluster_item(t: ReachabilityTransition) -> dict[str, Any]:
    return {
        "id": t.id,
        "type": "cluster",
        "cluster": t.cluster,
        "reachable": t.reachable,
        "error": t.error,
        "since": t.since.isoformat() if t.since else None,
        "time": t.time.isoformat() if t.time else None,
    }


def pod_lines(pods: Sequence[PodTransition], said: str = "") -> tuple[str, ...]:
    """Pods grouped by what is wrong with them: 30 crash-looping pods are one line.

    Each line quotes one pod's message, unless it is ``said`` already (the workload's).
    """
    latest: dict[str, PodTransition] = {}
    for pod in pods:
        latest[pod.name] = pod
    by_reason: dict[str, list[PodTransition]] = defaultdict(list)
    for pod in latest.values():
        by_reason[pod.reason or pod.phase or "Unknown"].append(pod)
    lines = []
    for reason, group in sorted(by_reason.items(), key=lambda item: -len(item[1])):
        names = sorted(p.name for p in group)
        shown = ", ".join(names[:NAMES_PER_LINE])
        more = f" and {len(names) - NAMES_PER_LINE} more" if len(names) > NAMES_PER_LINE else ""
        count = f"{len(names)} pod" + ("s" if len(names) > 1 else "")
        sample = "" if group[0].message == said else clip(group[0].message, 160)
        lines.append(
            clip(
                f"{reason} ({count}): {shown}{more}" + (f" — {sample}" if sample else ""),
                LINE_LIMIT,
            )
        )
    return tuple(lines)


def _workload_facts(first: WorkloadTransition, last: WorkloadTransition) -> list[tuple[str, str]]:
    """Where the workload is and how its status moved over the window: every workload notice."""
    what = (
        ("Pod", last.name)
        if last.kind == STANDALONE_KIND
        else ("Workload", f"{split(last.kind).kind} {last.name}")
    )
    group = [("API group", split(last.kind).group)] if is_custom(last.kind) else []
    return [
        ("Cluster", last.cluster),
        ("Namespace", last.namespace),
        what,
        *group,
        ("Status", _arrow(first.old_status, last.new_status)),
    ]


def _affected(pods: Sequence[PodTransition]) -> int:
    return len({p.name for p in pods})


def problem(
    transitions: Sequence[WorkloadTransition],
    pods: Sequence[PodTransition],
    ids: Sequence[str],
) -> Notice:
    first, last = transitions[0], transitions[-1]
    name = workload_name(last.key)
    facts = _workload_facts(first, last)
    if last.reason:
        facts.append(("Reason", last.reason))
    if last.ready is not None and last.desired is not None:
        facts.append(("Ready", f"{last.ready}/{last.desired}"))
    if pods:
        facts.append(("Pods affected", str(_affected(pods))))
    lines = pod_lines(pods, last.message) + tuple(
        clip(f"Warning: {w}", LINE_LIMIT) for w in last.warnings
    )
    return Notice(
        kind=NoticeKind.PROBLEM,
        severity=status_severity(last.new_status),
        headline=f"{last.new_status}: {name}",
        one_line=f"{name}: {_arrow(first.old_status, last.new_status)}"
        + (f" ({last.reason})" if last.reason else ""),
        facts=tuple(facts),
        message=clip(last.message, MESSAGE_LIMIT),
        lines=lines[:MAX_LINES],
        items=tuple(_item(t) for t in transitions) + tuple(_pod_item(p) for p in pods),
        ids=tuple(ids),
    )


def recovery(
    transitions: Sequence[WorkloadTransition],
    began: datetime | None,
    problem_reason: str,
    ids: Sequence[str],
) -> Notice:
    first, last = transitions[0], transitions[-1]
    name = workload_name(last.key)
    lasted = duration(began, last.time)
    verb = "Deleted" if last.deleted else "Recovered"
    after = f" after {lasted}" if lasted else ""
    facts = _workload_facts(first, last)
    if problem_reason:
        facts.append(("Problem was", problem_reason))
    if lasted:
        facts.append(("Down for", lasted))
    if last.ready is not None and last.desired is not None:
        facts.append(("Ready", f"{last.ready}/{last.desired}"))
    state = (
        f"while {first.old_status}"
        if last.deleted
        else f"{_arrow(first.old_status, last.new_status)}"
    )
    return Notice(
        kind=NoticeKind.RECOVERY,
        severity=status_severity(first.old_status),
        headline=f"{verb}: {name}{after}",
        one_line=f"{name}: {verb.lower()} {state}{after}",
        facts=tuple(facts),
        message=clip(last.message, MESSAGE_LIMIT),
        items=tuple(_item(t) for t in transitions),
        ids=tuple(ids),
        recovered=True,
    )


def cluster_down(change: ReachabilityTransition, workloads: int, ids: Sequence[str]) -> Notice:
    facts = [("Cluster", change.cluster)]
    if change.since:
        facts.append(("Unreachable since", change.since.isoformat(timespec="seconds")))
    if workloads:
        facts.append(("Workloads now Exception", str(workloads)))
    return Notice(
        kind=NoticeKind.CLUSTER_DOWN,
        severity=Severity.EXCEPTION,
        headline=f"Cluster {change.cluster} is unreachable",
        one_line=f"cluster {change.cluster}: unreachable",
        facts=tuple(facts),
        message=clip(change.error, MESSAGE_LIMIT),
        lines=(
            "Its workloads show Exception (ClusterUnreachable) until the API server answers; "
            "they are not posted one by one.",
        ),
        items=(_cluster_item(change),),
        ids=tuple(ids),
    )


def cluster_up(
    change: ReachabilityTransition, began: datetime | None, ids: Sequence[str]
) -> Notice:
    lasted = duration(began, change.time)
    after = f" after {lasted}" if lasted else ""
    facts = [("Cluster", change.cluster)]
    if lasted:
        facts.append(("Unreachable for", lasted))
    return Notice(
        kind=NoticeKind.CLUSTER_UP,
        severity=Severity.EXCEPTION,
        headline=f"Cluster {change.cluster} is reachable again{after}",
        one_line=f"cluster {change.cluster}: reachable again{after}",
        facts=tuple(facts),
        items=(_cluster_item(change),),
        ids=tuple(ids),
        recovered=True,
    )


def pod_warning(
    owner: WorkloadKey,
    cluster: str,
    namespace: str,
    pods: Sequence[PodTransition],
    ids: Sequence[str],
) -> Notice:
    where = workload_name(owner)
    count = _affected(pods)
    noun = "pod" if count == 1 else "pods"
    facts = [("Cluster", cluster), ("Namespace", namespace), ("Workload", f"{owner[1]} {owner[3]}")]
    facts.append(("Pods affected", str(count)))
    return Notice(
        kind=NoticeKind.POD_WARNING,
        severity=Severity.WARNING,
        headline=f"{count} {noun} in trouble: {where}",
        one_line=f"{where}: {count} {noun} in trouble",
        facts=tuple(facts),
        lines=pod_lines(pods)[:MAX_LINES],
        items=tuple(_pod_item(p) for p in pods),
        ids=tuple(ids),
    )


def summary(
    abnormal: Sequence[WorkloadTransition],
    *,
    gap: bool,
    error: str,
    ids: Sequence[str],
) -> Notice:
    """The state of things when the bot starts afresh or finds a hole in the history."""
    ranked = sorted(
        abnormal,
        key=lambda t: (-status_severity(t.new_status), t.cluster, t.kind, t.namespace, t.name),
    )
    count = len(ranked)
    noun = "workload" if count == 1 else "workloads"
    now = "the current state could not be listed" if error else f"{count} {noun} abnormal now"
    if gap:
        headline = f"Notifier missed part of the history; {now}"
        message = (
            "The gateway no longer holds every change since the notifier's last position "
            "(its history was reset, or the notifier was away too long); what is abnormal "
            "now is listed instead of every change."
        )
    else:
        headline = f"Notifier started; {now}"
        message = ""
    if error:
        message = clip(f"{message} The gateway said: {error}", MESSAGE_LIMIT)
    facts = []
    for status in sorted({t.new_status or "" for t in ranked}, key=lambda s: -status_severity(s)):
        facts.append((status, str(sum(1 for t in ranked if t.new_status == status))))
    lines = [
        clip(f"{workload_name(t.key)}: {t.new_status} ({t.reason})", LINE_LIMIT)
        for t in ranked[:MAX_LINES]
    ]
    if count > MAX_LINES:
        lines.append(f"… and {count - MAX_LINES} more")
    severity = max((status_severity(t.new_status) for t in ranked), default=Severity.INFO)
    return Notice(
        kind=NoticeKind.SUMMARY,
        severity=severity,
        headline=headline,
        one_line=headline,
        facts=tuple(facts),
        message=message.strip(),
        lines=tuple(lines),
        items=tuple(_item(t) for t in ranked),
        ids=tuple(ids),
        recovered=not ranked and not error,
    )


def digest(notices: Sequence[Notice], why: str) -> Notice:
    """Several notices as one post: a burst across workloads, or a throttled channel."""
    notices = [part for n in notices for part in (n.parts or (n,))]
    problems = sum(1 for n in notices if not n.recovered)
    recoveries = len(notices) - problems
    parts = []
    if problems:
        parts.append(f"{problems} problem" + ("s" if problems > 1 else ""))
    if recoveries:
        parts.append(f"{recoveries} recover" + ("ies" if recoveries > 1 else "y"))
    ranked = sorted(notices, key=lambda n: (n.recovered, -n.severity))
    lines = [clip(n.one_line, LINE_LIMIT) for n in ranked[:MAX_LINES]]
    if len(ranked) > MAX_LINES:
        lines.append(f"… and {len(ranked) - MAX_LINES} more")
    by_severity: dict[str, int] = defaultdict(int)
    for n in notices:
        by_severity["Recovered" if n.recovered else _SEVERITY_WORDS[n.severity]] += 1
    return Notice(
        kind=NoticeKind.DIGEST,
        severity=max(n.severity for n in notices),
        headline=f"{', '.join(parts)} ({why})",
        one_line=", ".join(parts),
        facts=tuple((label, str(count)) for label, count in by_severity.items()),
        lines=tuple(lines),
        items=tuple(item for n in notices for item in n.items),
        ids=tuple(i for n in notices for i in n.ids),
        incidents=tuple(i for n in notices for i in n.incidents),
        resent=any(n.resent for n in notices),
        recovered=problems == 0,
        parts=tuple(notices),
    )
