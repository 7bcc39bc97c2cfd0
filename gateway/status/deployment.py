"""Deployment specifics: rollouts through ReplicaSets, the progress deadline, quotas."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gateway.status.fields import (
    EMPTY,
    Obj,
    as_int,
    as_str,
    condition_is,
    condition_time,
    quote,
    sentence,
)
from gateway.status.model import Counts, Kind
from gateway.status.replicated import (
    Finding,
    ReplicatedRules,
    generation_pending,
    replica_failure,
)

PAUSED_WARNING = (
    "Rollouts are paused (spec.paused is true): changes to the pod template are not "
    "rolled out until it is resumed."
)


def _counts(obj: Obj) -> Counts:
    spec: Obj = obj.get("spec") or EMPTY
    status: Obj = obj.get("status") or EMPTY
    replicas = spec.get("replicas")
    return Counts(
        desired=1 if replicas is None else as_int(replicas),
        current=as_int(status.get("replicas")),
        ready=as_int(status.get("readyReplicas")),
        updated=as_int(status.get("updatedReplicas")),
        available=as_int(status.get("availableReplicas")),
    )


def _failures(obj: Obj, replica_sets: Sequence[Obj]) -> list[Finding]:
    found: list[Finding] = []
    spec: Obj = obj.get("spec") or EMPTY
    conditions = (obj.get("status") or EMPTY).get("conditions")
    failure = replica_failure(conditions)
    for replica_set in replica_sets:
        if failure is not None:
            break
        if isinstance(replica_set, Mapping):
            rs_status = replica_set.get("status")
            if isinstance(rs_status, Mapping):
                failure = replica_failure(rs_status.get("conditions"))
    if failure is not None:
        found.append(failure)
    progressing = condition_is(conditions, "Progressing", "False")
    if progressing is not None and progressing.get("reason") == "ReplicaSetCreateError":
        # The controller cannot even make the new ReplicaSet (an admission webhook or a
        # quota on ReplicaSets refused it): no pod will come, and the refusal says why.
        own = quote(as_str(progressing.get("message")), 400) or "no reason given"
        text = f"The new ReplicaSet cannot be created: {sentence(own)}"
        found.append(Finding("ReplicaSetCreateError", text, condition_time(progressing)))
    if progressing is not None and progressing.get("reason") == "ProgressDeadlineExceeded":
        deadline = as_int(spec.get("progressDeadlineSeconds"), 600)
        own = quote(as_str(progressing.get("message")))
        text = f"The rollout made no progress within progressDeadlineSeconds ({deadline}s)"
        text = f"{text}: {sentence(own)}" if own else f"{text}."
        found.append(Finding("ProgressDeadlineExceeded", text, condition_time(progressing)))
    return found


def _rolling(obj: Obj, counts: Counts) -> Finding | None:
    pending = generation_pending("deployment", obj)
    if pending is not None:
        return pending
    desired, current = counts.desired or 0, counts.current or 0
    updated, available = counts.updated or 0, counts.available or 0
    old = current - updated
    finding: Finding | None = None
    if old > 0:
        finding = Finding(
            "RollingUpdate",
            f"Rolling out a new revision: {updated} of {desired} replicas updated, "
            f"{available} available, {old} old replicas still running.",
        )
    elif updated < desired or current < desired:
        finding = Finding(
            "ScalingUp",
            f"Scaling up to {desired} replicas: {current} created, {available} available.",
        )
    elif current > desired:
        finding = Finding(
            "ScalingDown", f"Scaling down to {desired} replicas: {current} still running."
        )
    if finding is not None and (obj.get("spec") or EMPTY).get("paused") is True:
        return Finding("Paused", f"Rollouts are paused part way. {finding.message}")
    return finding


def _waiting(obj: Obj, counts: Counts) -> Finding | None:
    if (obj.get("spec") or EMPTY).get("paused") is True:
        return Finding("Paused", PAUSED_WARNING)
    desired = counts.desired or 0
    if (counts.available or 0) < desired or (counts.ready or 0) < desired:
        return Finding(
            "Progressing",
            f"Waiting for replicas to become available: {counts.available} of {desired} "
            f"available, {counts.ready} ready.",
        )
    return None


def _warnings(obj: Obj, counts: Counts) -> list[str]:
    if (obj.get("spec") or EMPTY).get("paused") is True:
        return [PAUSED_WARNING]
    return []


RULES = ReplicatedRules(
    kind=Kind.DEPLOYMENT.value,
    counts=_counts,
    failures=_failures,
    rolling=_rolling,
    waiting=_waiting,
    warnings=_warnings,
)
