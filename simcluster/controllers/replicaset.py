"""The ReplicaSet controller: keep ``spec.replicas`` active pods, report their readiness.

Surplus pods are chosen as the real controller ranks them (unscheduled before
scheduled, pending before running, not ready before ready, newest first).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from simcluster.clock import parse_time
from simcluster.controllers.base import Controller
from simcluster.controllers.common import Readiness, compact, is_active, owned, owner_of
from simcluster.events import NORMAL
from simcluster.podtemplates import pod_from_template
from simcluster.registry import DeleteOptions
from simcluster.resources import PODS, REPLICASETS
from simcluster.store import Change, StoredObject

BURST = 500
"""Pods created or deleted per reconcile at most, as the real controller's burst."""
_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}


def _deletion_rank(pod: StoredObject, ready: set[str]) -> tuple[int, int, int, float]:
    created = parse_time(pod.load()["metadata"].get("creationTimestamp")) or 0.0
    return (
        1 if pod.fields["spec.nodeName"] else 0,
        _PHASE_RANK.get(pod.fields["status.phase"], 2),
        1 if pod.name in ready else 0,
        -created,
    )


class ReplicaSetController(Controller):
    name = "replicaset-controller"
    watches = (REPLICASETS, PODS)

    def keys_for(self, change: Change) -> Iterable[str]:
        obj = change.obj
        if obj.resource is REPLICASETS:
            return (obj.key,)
        owner = owner_of(self.store, obj, REPLICASETS)
        return (owner.key,) if owner is not None else ()

    def reconcile(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        stored = self.store.get(REPLICASETS, namespace, name)
        if stored is None:
            return
        rs = stored.load()
        spec = rs.get("spec") or {}
        wanted = int(spec.get("replicas", 1))
        min_ready = int(spec.get("minReadySeconds") or 0)
        now = self.context.clock.time()
        active = [p for p in owned(self.store, stored) if is_active(p)]
        if not stored.deleting:
            active = self._scale(stored, spec, active, wanted, now)
        readiness = Readiness(active, min_ready, now)
        template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        labelled = sum(
            1 for p in active if all(p.labels.get(k) == v for k, v in template_labels.items())
        )
        status: dict[str, Any] = {
            "replicas": len(active),
            "fullyLabeledReplicas": labelled,
            "readyReplicas": readiness.ready,
            "availableReplicas": readiness.available,
            "observedGeneration": rs["metadata"].get("generation", 1),
        }
        conditions = (rs.get("status") or {}).get("conditions")
        if conditions:
            status["conditions"] = conditions
        rs["status"] = compact(status, "replicas")
        self.registry.write(REPLICASETS, rs)
        if readiness.next_available is not None:
            self.enqueue_at(key, readiness.next_available)

    def _scale(
        self,
        stored: StoredObject,
        spec: dict[str, Any],
        active: list[StoredObject],
        wanted: int,
        now: float,
    ) -> list[StoredObject]:
        missing = wanted - len(active)
        if missing > 0:
            template = spec.get("template") or {}
            for _ in range(min(missing, BURST)):
                pod = pod_from_template(template, stored, generate_name=f"{stored.name}-")
                created = self.registry.create(PODS, stored.namespace, pod)
                active.append(created)
                self.event(stored, NORMAL, "SuccessfulCreate", f"Created pod: {created.name}")
            if missing > BURST:
                self.enqueue(stored.key)
        elif missing < 0:
            ready = Readiness(active, 0, now).ready_names
            victims = sorted(active, key=lambda p: _deletion_rank(p, ready))[: min(-missing, BURST)]
            for victim in victims:
                self.registry.delete(PODS, victim.namespace, victim.name, DeleteOptions())
                self.event(stored, NORMAL, "SuccessfulDelete", f"Deleted pod: {victim.name}")
            gone = {v.key for v in victims}
            active = [p for p in active if p.key not in gone]
        return active
