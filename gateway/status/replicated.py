"""The rule chain for Deployments, StatefulSets and DaemonSets (first match wins).

1. deletionTimestamp -> Deleting
2. an owned pod that cannot be observed -> Exception
3. the kind's own failures, failing containers, unschedulable pods, or a pod that
   fell out of readiness while nothing rolls out -> Not Ready
4. generation not observed, paused, rollout or scale under way -> Waiting
5. otherwise Running (0/0 included)

What differs per kind (counts, failure conditions, what "rolling out" means) comes
from a ``ReplicatedRules`` given by deployment.py, statefulset.py and daemonset.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from gateway.status.fields import (
    EMPTY,
    Obj,
    as_str,
    condition_is,
    condition_time,
    newest,
    newest_transition,
    parse_time,
    quote,
    sentence,
    text_of,
)
from gateway.status.model import Counts, PodIssue, PodState, Status, WorkloadState
from gateway.status.verdict import deleting_message, newest_since, pods_with, summarize


@dataclass(frozen=True, slots=True)
class Finding:
    """A reason and its message, found by a kind's own rules."""

    reason: str
    message: str
    since: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReplicatedRules:
    kind: str
    counts: Callable[[Obj], Counts]
    failures: Callable[[Obj, Sequence[Obj]], list[Finding]]
    """Not Ready evidence on the object itself (deadline exceeded, quota errors)."""
    rolling: Callable[[Obj, Counts], Finding | None]
    """A rollout, scale or unobserved change under way: Waiting, and not-ready pods are expected."""
    waiting: Callable[[Obj, Counts], Finding | None]
    """Other reasons to wait once nothing rolls out: paused, replicas becoming available."""
    warnings: Callable[[Obj, Counts], list[str]]


def evaluate_replicated(
    rules: ReplicatedRules,
    obj: Obj,
    pods: Sequence[PodState],
    replica_sets: Sequence[Obj],
    extra_warnings: Sequence[str] = (),
) -> WorkloadState:
    meta: Obj = obj.get("metadata") or EMPTY
    status: Obj = obj.get("status") or EMPTY
    counts = rules.counts(obj)
    warnings = [*rules.warnings(obj, counts), *extra_warnings]

    def verdict(state: Status, finding: Finding, since: datetime | None = None) -> WorkloadState:
        when = since or finding.since or newest_transition(status.get("conditions"))
        return WorkloadState(
            kind=rules.kind,
            namespace=text_of(meta.get("namespace")),
            name=text_of(meta.get("name")),
            uid=text_of(meta.get("uid")),
            status=state,
            reason=finding.reason,
            message=finding.message,
            warnings=tuple(warnings),
            counts=counts,
            since=when or parse_time(meta.get("creationTimestamp")),
            recheck_at=_earliest_recheck(pods),
        )

    if meta.get("deletionTimestamp") is not None:
        text = deleting_message(rules.kind, meta, pods)
        return verdict(
            Status.DELETING, Finding("Deleting", text), parse_time(meta["deletionTimestamp"])
        )

    rolling = rules.rolling(obj, counts)
    waiting = rules.waiting(obj, counts) if rolling is None else None
    found = pod_verdict(pods, rules.failures(obj, replica_sets), rolling, waiting)
    if found is not None:
        return verdict(*found)
    desired = counts.desired or 0
    text = "Scaled to zero replicas."
    if desired:
        text = "The replica is ready." if desired == 1 else f"All {desired} replicas are ready."
    return verdict(Status.RUNNING, Finding("Ready" if desired else "ScaledToZero", text))


def pod_verdict(
    pods: Sequence[PodState],
    failures: Sequence[Finding],
    rolling: Finding | None,
    waiting: Finding | None,
) -> tuple[Status, Finding] | None:
    """Steps 2 to 4 of the chain, given what a kind's own rules found on the object (or a
    custom kind's rule, gateway/rules/custom.py); None when the workload is Running."""
    lost = pods_with(pods, PodIssue.UNOBSERVABLE)
    if lost:
        first = lost[0].problem
        reason = first.reason if first else "NodeLost"
        return Status.EXCEPTION, Finding(reason, summarize(lost), newest_since(lost))

    failing = pods_with(pods, PodIssue.CONTAINER_ERROR, PodIssue.UNSCHEDULABLE)
    if rolling is None:
        failing += pods_with(pods, PodIssue.NOT_READY)
    if failures:
        first_failure = failures[0]
        text = " ".join(sentence(f.message) for f in failures)
        cause = failing or pods_with(pods, PodIssue.NOT_READY, PodIssue.STARTING)
        if cause and cause[0].message not in text:  # a custom rule may quote the pod
            text = f"{sentence(text)} Cause: {summarize(cause)}"
        return Status.NOT_READY, Finding(first_failure.reason, text, first_failure.since)
    if failing:
        first = failing[0].problem
        reason = first.reason if first else "PodFailing"
        return Status.NOT_READY, Finding(reason, summarize(failing), newest_since(failing))

    if rolling is not None:
        return Status.WAITING, _with_starting(rolling, pods)
    starting = pods_with(pods, PodIssue.STARTING)
    if waiting is not None or starting:
        finding = waiting or Finding("Starting", summarize(starting), newest_since(starting))
        return Status.WAITING, _with_starting(finding, pods)
    return None


def generation_pending(kind: str, obj: Obj) -> Finding | None:
    """No status yet, or a spec change the controller has not seen: nothing else is known."""
    status = obj.get("status")
    if not status:
        return Finding(
            "NotObserved",
            f"The {kind} controller has not reported any status for this object yet.",
        )
    generation = (obj.get("metadata") or EMPTY).get("generation")
    observed = status.get("observedGeneration")
    if isinstance(generation, int) and isinstance(observed, int) and observed < generation:
        return Finding(
            "GenerationNotObserved",
            f"The {kind} controller has not yet acted on generation {generation} "
            f"(last observed: {observed}).",
        )
    return None


def replica_failure(conditions: object) -> Finding | None:
    """A ReplicaFailure condition: the controller cannot create pods (quota, admission)."""
    failure = condition_is(conditions, "ReplicaFailure")
    if failure is None:
        return None
    own = quote(as_str(failure.get("message")), 400) or "no reason given"
    return Finding(
        "ReplicaFailure",
        f"Pods cannot be created ({as_str(failure.get('reason')) or 'FailedCreate'}): "
        f"{sentence(own)}",
        condition_time(failure),
    )


def _with_starting(finding: Finding, pods: Sequence[PodState]) -> Finding:
    starting = pods_with(pods, PodIssue.STARTING, PodIssue.NOT_READY)
    if not starting or starting[0].message in finding.message:
        return finding
    return Finding(
        finding.reason,
        f"{sentence(finding.message)} {summarize(starting)}",
        newest(finding.since, newest_since(starting)),
    )


def _earliest_recheck(pods: Sequence[PodState]) -> datetime | None:
    times = [p.recheck_at for p in pods if p.recheck_at is not None]
    return min(times) if times else None
