"""DaemonSet specifics: one pod per eligible node, counted by the controller."""

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
    status: Obj = obj.get("status") or EMPTY
    return Counts(
        desired=as_int(status.get("desiredNumberScheduled")),
        current=as_int(status.get("currentNumberScheduled")),
        ready=as_int(status.get("numberReady")),
        updated=as_int(status.get("updatedNumberScheduled")),
        available=as_int(status.get("numberAvailable")),
    )


def _on_delete(obj: Obj) -> bool:
    strategy: Obj = (obj.get("spec") or EMPTY).get("updateStrategy") or EMPTY
    return as_str(strategy.get("type")) == "OnDelete"


def _failures(obj: Obj, replica_sets: Sequence[Obj]) -> list[Finding]:
    failure = replica_failure((obj.get("status") or EMPTY).get("conditions"))
    return [failure] if failure is not None else []


def _rolling(obj: Obj, counts: Counts) -> Finding | None:
    pending = generation_pending("daemonset", obj)
    if pending is not None:
        return pending
    if "desiredNumberScheduled" not in (obj.get("status") or EMPTY):
        # Not zero nodes: nothing counted yet. Calling it "scaled to zero" would say Running.
        return Finding(
            "NotObserved",
            "The daemonset controller has not reported how many nodes should run it yet "
            "(status.desiredNumberScheduled is missing).",
        )
    desired = counts.desired or 0
    if (counts.current or 0) < desired:
        return Finding(
            "Scheduling", f"{counts.current} of {desired} eligible nodes run a pod so far."
        )
    if not _on_delete(obj) and (counts.updated or 0) < desired:
        return Finding(
            "RollingUpdate",
            f"Rolling out: {counts.updated} of {desired} nodes run the updated pod, "
            f"{counts.available} available.",
        )
    return None


def _waiting(obj: Obj, counts: Counts) -> Finding | None:
    desired = counts.desired or 0
    if (counts.ready or 0) < desired or (counts.available or 0) < desired:
        return Finding(
            "Progressing",
            f"Waiting for pods to become ready: {counts.ready} of {desired} nodes ready, "
            f"{counts.available} available.",
        )
    return None


def _warnings(obj: Obj, counts: Counts) -> list[str]:
    status: Obj = obj.get("status") or EMPTY
    found: list[str] = []
    misscheduled = as_int(status.get("numberMisscheduled"))
    if misscheduled:
        found.append(
            f"{misscheduled} pods run on nodes that should not run this DaemonSet "
            "(numberMisscheduled); check node labels and taints."
        )
    if "desiredNumberScheduled" in status and (counts.desired or 0) == 0:
        found.append(
            "No node is eligible to run this DaemonSet (desiredNumberScheduled is 0); "
            "check its nodeSelector, affinity and tolerations."
        )
    return found


RULES = ReplicatedRules(
    kind=Kind.DAEMONSET.value,
    counts=_counts,
    failures=_failures,
    rolling=_rolling,
    waiting=_waiting,
    warnings=_warnings,
)
