"""What the workload controllers share: owned objects, pod readiness, ints-or-percents."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from simcluster.clock import parse_time
from simcluster.resources import PODS, ResourceType
from simcluster.store import Store, StoredObject

TERMINAL = ("Succeeded", "Failed")


def owned(store: Store, owner: StoredObject, resource: ResourceType = PODS) -> list[StoredObject]:
    """Objects whose controller ownerReference is ``owner``."""
    return [
        d
        for d in store.dependents(owner.uid)
        if d.resource is resource and d.controller == owner.uid
    ]


def owner_of(store: Store, obj: StoredObject, resource: ResourceType) -> StoredObject | None:
    if not obj.controller:
        return None
    owner = store.by_uid(obj.controller)
    return owner if owner is not None and owner.resource is resource else None


def is_active(pod: StoredObject) -> bool:
    return not pod.deleting and pod.fields["status.phase"] not in TERMINAL


def ready_since(pod: Mapping[str, Any]) -> float | None:
    """When the pod's Ready condition turned True, or None if it is not ready."""
    for condition in (pod.get("status") or {}).get("conditions") or ():
        if condition.get("type") == "Ready":
            if condition.get("status") != "True":
                return None
            return parse_time(condition.get("lastTransitionTime")) or 0.0
    return None


class Readiness:
    """Ready and available counts of a set of pods, and when the next one becomes available."""

    def __init__(self, pods: list[StoredObject], min_ready: int, now: float) -> None:
        self.ready = 0
        self.available = 0
        self.next_available: float | None = None
        self.ready_names: set[str] = set()
        for stored in pods:
            since = ready_since(stored.load())
            if since is None:
                continue
            self.ready += 1
            self.ready_names.add(stored.name)
            if since + min_ready <= now:
                self.available += 1
            else:
                due = since + min_ready
                self.next_available = (
                    due if self.next_available is None else min(self.next_available, due)
                )


def int_or_percent(value: object, total: int, *, round_up: bool) -> int:
    if isinstance(value, str) and value.endswith("%"):
        try:
            percent = float(value[:-1])
        except ValueError:
            return 0
        exact = percent * total / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return 0


def compact(status: dict[str, Any], *always: str) -> dict[str, Any]:
    """Drop zero counters, as the API's omitempty does, except the ``always`` ones."""
    return {k: v for k, v in status.items() if k in always or v not in (0, None, [], "")}


def set_workload_condition(
    conditions: list[dict[str, Any]],
    kind: str,
    status: str,
    reason: str,
    message: str,
    *,
    now: str,
    with_update_time: bool = False,
    progressed: bool = False,
) -> None:
    """Set a workload condition in place. lastTransitionTime moves when the status flips;
    Deployment conditions also carry lastUpdateTime, which moves when anything changes
    or, for Progressing, when the rollout made progress."""
    for condition in conditions:
        if condition.get("type") != kind:
            continue
        changed = condition.get("reason") != reason or condition.get("message") != message
        if condition.get("status") != status:
            condition["lastTransitionTime"] = now
            changed = True
        condition.update(status=status, reason=reason, message=message)
        if with_update_time and (changed or progressed):
            condition["lastUpdateTime"] = now
        return
    fresh: dict[str, Any] = {"type": kind, "status": status}
    if with_update_time:
        fresh["lastUpdateTime"] = now
    fresh.update(lastTransitionTime=now, reason=reason, message=message)
    conditions.append(fresh)
