"""StatefulSet specifics: ordered pods, revisions, partitions and OnDelete."""

from __future__ import annotations

from collections.abc import Sequence

from gateway.status.fields import EMPTY, Obj, as_int, as_str
from gateway.status.model import Counts, Kind
from gateway.status.replicated import (
    Finding,
    ReplicatedRules,
    generation_pending,
    replica_failure,
)


def _counts(obj: Obj) -> Counts:
    spec: Obj = obj.get("spec") or EMPTY
    status: Obj = obj.get("status") or EMPTY
    replicas = spec.get("replicas")
    ready = as_int(status.get("readyReplicas"))
    available = status.get("availableReplicas")
    return Counts(
        desired=1 if replicas is None else as_int(replicas),
        current=as_int(status.get("replicas")),
        ready=ready,
        updated=as_int(status.get("updatedReplicas")),
        available=ready if available is None else as_int(available),
    )


def _strategy(obj: Obj) -> tuple[str, int]:
    strategy: Obj = (obj.get("spec") or EMPTY).get("updateStrategy") or EMPTY
    rolling: Obj = strategy.get("rollingUpdate") or EMPTY
    return as_str(strategy.get("type")) or "RollingUpdate", as_int(rolling.get("partition"))


def _failures(obj: Obj, replica_sets: Sequence[Obj]) -> list[Finding]:
    failure = replica_failure((obj.get("status") or EMPTY).get("conditions"))
    return [failure] if failure is not None else []


def _rolling(obj: Obj, counts: Counts) -> Finding | None:
    pending = generation_pending("statefulset", obj)
    if pending is not None:
        return pending
    status: Obj = obj.get("status") or EMPTY
    desired, current = counts.desired or 0, counts.current or 0
    strategy, partition = _strategy(obj)
    update_revision = as_str(status.get("updateRevision"))
    current_revision = as_str(status.get("currentRevision"))
    target = max(desired - partition, 0)
    # With a partition the counters say it when the revisions are not named (yet): fewer
    # updated pods than the ordinals at or above the partition is a rollout under way.
    revisions_differ = bool(update_revision) and update_revision != current_revision
    unnamed = partition > 0 and not (update_revision and current_revision)
    if strategy != "OnDelete" and (revisions_differ or unnamed) and (counts.updated or 0) < target:
        revision = f"revision {update_revision}" if update_revision else "a new revision"
        text = f"Rolling out {revision}: {counts.updated} of {target} pods updated"
        if partition:
            text += f" (partition {partition} keeps ordinals below {partition} on the old revision)"
        return Finding("RollingUpdate", text + ".")
    ordered = (obj.get("spec") or EMPTY).get("podManagementPolicy") != "Parallel"
    if current < desired:
        text = f"Scaling up to {desired} replicas: {current} created, {counts.ready} ready"
        text += "; pods start one at a time in order." if ordered else "."
        return Finding("ScalingUp", text)
    if current > desired:
        return Finding(
            "ScalingDown", f"Scaling down to {desired} replicas: {current} still running."
        )
    return None


def _waiting(obj: Obj, counts: Counts) -> Finding | None:
    desired = counts.desired or 0
    if (counts.ready or 0) < desired or (counts.available or 0) < desired:
        return Finding(
            "Progressing",
            f"Waiting for pods to become ready: {counts.ready} of {desired} ready, "
            f"{counts.available} available.",
        )
    return None


def _warnings(obj: Obj, counts: Counts) -> list[str]:
    status: Obj = obj.get("status") or EMPTY
    strategy, _ = _strategy(obj)
    update_revision = as_str(status.get("updateRevision"))
    outdated = (counts.current or 0) - (counts.updated or 0)
    if (
        strategy == "OnDelete"
        and update_revision
        and update_revision != as_str(status.get("currentRevision"))
        and outdated > 0
    ):
        return [
            f"{outdated} pods still run the old revision: with updateStrategy OnDelete they "
            f"change to {update_revision} only when deleted."
        ]
    return []


RULES = ReplicatedRules(
    kind=Kind.STATEFULSET.value,
    counts=_counts,
    failures=_failures,
    rolling=_rolling,
    waiting=_waiting,
    warnings=_warnings,
)
