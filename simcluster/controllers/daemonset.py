"""The DaemonSet controller: one pod on every node that matches and tolerates.

Pods are pinned to their node with required node affinity on ``metadata.name``,
as the real controller does, and tolerate the node problem taints it adds. A
template change replaces pods maxUnavailable at a time (RollingUpdate) or only
when someone deletes them (OnDelete).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from simcluster.controllers.base import Controller
from simcluster.controllers.common import (
    Readiness,
    compact,
    int_or_percent,
    is_active,
    owned,
    owner_of,
)
from simcluster.controllers.scheduler import affinity_matches, tolerated
from simcluster.events import NORMAL
from simcluster.names import template_hash
from simcluster.podtemplates import pod_from_template
from simcluster.registry import DeleteOptions
from simcluster.resources import DAEMONSETS, NODES, PODS
from simcluster.store import Change, StoredObject

REVISION_LABEL = "controller-revision-hash"
GENERATION_LABEL = "pod-template-generation"
DAEMON_TOLERATIONS = (
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
)


def _with_daemon_tolerations(spec: dict[str, Any]) -> dict[str, Any]:
    tolerations = list(spec.get("tolerations") or [])
    present = {(t.get("key"), t.get("effect")) for t in tolerations}
    tolerations.extend(
        dict(t) for t in DAEMON_TOLERATIONS if (t["key"], t["effect"]) not in present
    )
    return {**spec, "tolerations": tolerations}


def _pinned_node(pod: dict[str, Any]) -> str:
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return str(spec["nodeName"])
    affinity = (spec.get("affinity") or {}).get("nodeAffinity") or {}
    terms = (affinity.get("requiredDuringSchedulingIgnoredDuringExecution") or {}).get(
        "nodeSelectorTerms"
    ) or []
    for term in terms:
        for field in term.get("matchFields") or ():
            if field.get("key") == "metadata.name" and field.get("values"):
                return str(field["values"][0])
    return ""


class DaemonSetController(Controller):
    name = "daemonset-controller"
    watches = (DAEMONSETS, PODS, NODES)

    def keys_for(self, change: Change) -> Iterable[str]:
        obj = change.obj
        if obj.resource is DAEMONSETS:
            return (obj.key,)
        if obj.resource is NODES:
            old = change.old
            if old is not None and old.labels == obj.labels and old.deleting == obj.deleting:
                same_taints = (old.load().get("spec") or {}).get("taints") == (
                    obj.load().get("spec") or {}
                ).get("taints")
                if same_taints:
                    return ()
            return [d.key for d in self.store.items(DAEMONSETS)]
        owner = owner_of(self.store, obj, DAEMONSETS)
        return (owner.key,) if owner is not None else ()

    def reconcile(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        stored = self.store.get(DAEMONSETS, namespace, name)
        if stored is None:
            return
        ds = stored.load()
        spec = ds.get("spec") or {}
        template = spec.get("template") or {}
        pod_spec = _with_daemon_tolerations(template.get("spec") or {})
        revision = template_hash(template)
        generation = str(ds["metadata"].get("generation", 1))
        eligible = [
            node
            for node in sorted(self.store.items(NODES), key=lambda n: n.name)
            if not node.deleting
            and affinity_matches(pod_spec, node.name, node.labels)
            and tolerated(pod_spec, (node.load().get("spec") or {}).get("taints") or ()) is None
        ]
        eligible_names = {n.name for n in eligible}
        by_node: dict[str, list[StoredObject]] = {}
        for pod in owned(self.store, stored):
            if is_active(pod) or pod.deleting:
                by_node.setdefault(_pinned_node(pod.load()), []).append(pod)
        if not stored.deleting:
            self._sync(
                stored,
                spec,
                {**template, "spec": pod_spec},
                eligible=eligible,
                by_node=by_node,
                revision=revision,
                generation=generation,
            )
        now = self.context.clock.time()
        scheduled = [pods for node, pods in by_node.items() if node in eligible_names and pods]
        current = [p for pods in scheduled for p in pods if is_active(p)]
        readiness = Readiness(current, int(spec.get("minReadySeconds") or 0), now)
        updated = sum(1 for p in current if p.labels.get(REVISION_LABEL) == revision)
        desired = len(eligible)
        status: dict[str, Any] = {
            "currentNumberScheduled": len([p for p in scheduled if any(map(is_active, p))]),
            "desiredNumberScheduled": desired,
            "numberMisscheduled": len([n for n in by_node if n not in eligible_names]),
            "numberReady": readiness.ready,
            "observedGeneration": ds["metadata"].get("generation", 1),
            "updatedNumberScheduled": updated,
            "numberAvailable": readiness.available,
            "numberUnavailable": max(desired - readiness.available, 0),
        }
        ds["status"] = compact(
            status,
            "currentNumberScheduled",
            "desiredNumberScheduled",
            "numberMisscheduled",
            "numberReady",
        )
        self.registry.write(DAEMONSETS, ds)
        if readiness.next_available is not None:
            self.enqueue_at(key, readiness.next_available)

    def _sync(
        self,
        owner: StoredObject,
        spec: dict[str, Any],
        template: dict[str, Any],
        *,
        eligible: list[StoredObject],
        by_node: dict[str, list[StoredObject]],
        revision: str,
        generation: str,
    ) -> None:
        eligible_names = {n.name for n in eligible}
        for node in eligible:
            if any(is_active(p) for p in by_node.get(node.name, ())):
                continue
            if any(p.deleting for p in by_node.get(node.name, ())):
                continue
            affinity = {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [
                            {
                                "matchFields": [
                                    {
                                        "key": "metadata.name",
                                        "operator": "In",
                                        "values": [node.name],
                                    }
                                ]
                            }
                        ]
                    }
                }
            }
            body = pod_from_template(
                {**template, "spec": {**template["spec"], "affinity": affinity}},
                owner,
                generate_name=f"{owner.name}-",
                labels={REVISION_LABEL: revision, GENERATION_LABEL: generation},
            )
            created = self.registry.create(PODS, owner.namespace, body)
            by_node.setdefault(node.name, []).append(created)
            self.event(owner, NORMAL, "SuccessfulCreate", f"Created pod: {created.name}")
        for node_name, pods in by_node.items():
            if node_name in eligible_names:
                continue
            for pod in pods:
                if not pod.deleting:
                    self.registry.delete(PODS, pod.namespace, pod.name, DeleteOptions())
                    self.event(owner, NORMAL, "SuccessfulDelete", f"Deleted pod: {pod.name}")
        strategy = spec.get("updateStrategy") or {}
        if strategy.get("type") == "OnDelete":
            return
        budget = (
            int_or_percent(
                (strategy.get("rollingUpdate") or {}).get("maxUnavailable", 1),
                len(eligible),
                round_up=False,
            )
            or 1
        )
        now = self.context.clock.time()
        active = [p for n in eligible for p in by_node.get(n.name, ()) if is_active(p)]
        unavailable = len(eligible) - Readiness(active, 0, now).ready
        for pod in active:
            if budget - unavailable <= 0:
                break
            if pod.labels.get(REVISION_LABEL) != revision:
                self.registry.delete(PODS, pod.namespace, pod.name, DeleteOptions())
                self.event(owner, NORMAL, "SuccessfulDelete", f"Deleted pod: {pod.name}")
                unavailable += 1
