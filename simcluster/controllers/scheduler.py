"""The scheduler: binds pending pods to nodes that fit, or says why none does.

Checks what makes most real pods unschedulable: node readiness and cordons,
taints without tolerations, nodeSelector and node affinity, pod count and CPU and
memory requests against allocatable. A pod that fits nowhere gets the scheduler's
own message (``0/3 nodes are available: 3 Insufficient memory. preemption: ...``)
in its PodScheduled condition and a FailedScheduling event, and is retried when
nodes or pods change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from simcluster.behaviours import BEHAVIOR, Behavior
from simcluster.controllers.base import Controller
from simcluster.events import NORMAL, WARNING
from simcluster.podstatus import set_condition
from simcluster.quantities import cpu_millis, memory_bytes
from simcluster.resources import NODES, PODS
from simcluster.store import DELETED, Change, StoredObject

_NOT_HELPFUL = "Preemption is not helpful for scheduling"
_NO_VICTIMS = "No preemption victims found for incoming pod"


def _requests(spec: Mapping[str, Any]) -> tuple[int, int]:
    cpu = memory = 0
    for container in spec.get("containers") or ():
        requests = (container.get("resources") or {}).get("requests") or {}
        cpu += cpu_millis(requests.get("cpu"))
        memory += memory_bytes(requests.get("memory"))
    return cpu, memory


def _tolerates(tolerations: Iterable[Mapping[str, Any]], taint: Mapping[str, Any]) -> bool:
    for toleration in tolerations:
        effect = toleration.get("effect")
        if effect and effect != taint.get("effect"):
            continue
        key = toleration.get("key")
        if toleration.get("operator") == "Exists":
            if not key or key == taint.get("key"):
                return True
        elif key == taint.get("key") and (toleration.get("value") or "") == (
            taint.get("value") or ""
        ):
            return True
    return False


def _expression_matches(expression: Mapping[str, Any], value: str | None) -> bool:
    operator = expression.get("operator")
    values = [str(v) for v in expression.get("values") or ()]
    if operator == "In":
        return value is not None and value in values
    if operator == "NotIn":
        return value is None or value not in values
    if operator == "Exists":
        return value is not None
    if operator == "DoesNotExist":
        return value is None
    return False


def affinity_matches(spec: Mapping[str, Any], node_name: str, labels: Mapping[str, str]) -> bool:
    """nodeSelector and required node affinity (any term; every expression of a term)."""
    for key, value in (spec.get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    terms = required.get("nodeSelectorTerms") or []
    if not terms:
        return True
    for term in terms:
        expressions = term.get("matchExpressions") or []
        fields = term.get("matchFields") or []
        if all(_expression_matches(e, labels.get(e.get("key"))) for e in expressions) and all(
            _expression_matches(f, node_name if f.get("key") == "metadata.name" else None)
            for f in fields
        ):
            return True
    return False


def tolerated(
    spec: Mapping[str, Any], taints: Iterable[Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    """The first NoSchedule/NoExecute taint the pod does not tolerate, or None."""
    tolerations = spec.get("tolerations") or []
    for taint in taints:
        if taint.get("effect") in ("NoSchedule", "NoExecute") and not _tolerates(
            tolerations, taint
        ):
            return taint
    return None


class Scheduler(Controller):
    name = "default-scheduler"
    watches = (PODS, NODES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._waiting: set[str] = set()
        self._requested: dict[str, tuple[int, int, int]] = {}
        """Pod key -> (resourceVersion, CPU, memory) of what its containers request.
        Fitting a pod sums the requests of every pod on every node: decoding each of
        them for each pod placed made scaling to 1,000 replicas take 8 s of scheduling."""

    def keys_for(self, change: Change) -> Iterable[str]:
        obj = change.obj
        if change.type == DELETED and obj.resource is PODS:
            self._requested.pop(obj.key, None)
        if obj.resource is NODES or (change.type == DELETED and obj.resource is PODS):
            return list(self._waiting)
        if not obj.fields["spec.nodeName"] and not obj.deleting:
            return (obj.key,)
        return ()

    def reconcile(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        stored = self.store.get(PODS, namespace, name)
        if stored is None or stored.deleting or stored.fields["spec.nodeName"]:
            self._waiting.discard(key)
            return
        if stored.fields["spec.schedulerName"] not in ("", "default-scheduler"):
            return
        pod = stored.load()
        node, message = self._place(pod)
        if node is None:
            self._waiting.add(key)
            self._unschedulable(stored, pod, message)
            return
        self._waiting.discard(key)
        pod["spec"]["nodeName"] = node
        status = pod.setdefault("status", {})
        conditions = status.setdefault("conditions", [])
        set_condition(conditions, "PodScheduled", "True", self.context.now())
        bound = self.registry.write(PODS, pod)
        self.event(bound, NORMAL, "Scheduled", f"Successfully assigned {key} to {node}")

    def _unschedulable(self, stored: StoredObject, pod: dict[str, Any], message: str) -> None:
        conditions = pod.setdefault("status", {}).setdefault("conditions", [])
        before = [dict(c) for c in conditions]
        set_condition(
            conditions,
            "PodScheduled",
            "False",
            self.context.now(),
            reason="Unschedulable",
            message=message,
        )
        if conditions != before:
            stored = self.registry.write(PODS, pod)
            self.event(stored, WARNING, "FailedScheduling", message)

    def _place(self, pod: dict[str, Any]) -> tuple[str | None, str]:
        nodes = sorted(self.store.items(NODES), key=lambda n: n.name)
        spec = pod.get("spec") or {}
        forced = ((pod.get("metadata") or {}).get("annotations") or {}).get(BEHAVIOR)
        if forced == Behavior.UNSCHEDULABLE.value:
            reasons: Counter[str] = Counter({"Insufficient memory": len(nodes)})
            return None, _message(len(nodes), reasons, len(nodes))
        cpu, memory = _requests(spec)
        reasons = Counter()
        preemptable = 0
        best: tuple[int, str] | None = None
        for node_stored in nodes:
            node = node_stored.load()
            reason, load = self._fit(node_stored, node, spec, cpu, memory)
            if reason is None:
                if best is None or load < best[0]:
                    best = (load, node_stored.name)
                continue
            reasons[reason] += 1
            if reason.startswith("Insufficient") or reason == "Too many pods":
                preemptable += 1
        if best is not None:
            return best[1], ""
        if not nodes:
            return None, "no nodes available to schedule pods"
        return None, _message(len(nodes), reasons, preemptable)

    def _fit(
        self,
        stored: StoredObject,
        node: dict[str, Any],
        spec: Mapping[str, Any],
        cpu: int,
        memory: int,
    ) -> tuple[str | None, int]:
        node_spec = node.get("spec") or {}
        if node_spec.get("unschedulable") and tolerated(
            spec, [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]
        ):
            return "node(s) were unschedulable", 0
        taint = tolerated(spec, node_spec.get("taints") or ())
        if taint is not None:
            value = taint.get("value") or ""
            return f"node(s) had untolerated taint {{{taint.get('key')}: {value}}}", 0
        if not affinity_matches(spec, stored.name, stored.labels):
            return "node(s) didn't match Pod's node affinity/selector", 0
        allocatable = (node.get("status") or {}).get("allocatable") or {}
        used_cpu = used_memory = count = 0
        for pod in self.store.pods_on(stored.name):
            if pod.fields["status.phase"] in ("Succeeded", "Failed"):
                continue
            count += 1
            pod_cpu, pod_memory = self._requests_of(pod)
            used_cpu += pod_cpu
            used_memory += pod_memory
        if count + 1 > int(allocatable.get("pods") or 110):
            return "Too many pods", count
        if cpu and used_cpu + cpu > cpu_millis(allocatable.get("cpu")):
            return "Insufficient cpu", count
        if memory and used_memory + memory > memory_bytes(allocatable.get("memory")):
            return "Insufficient memory", count
        return None, count

    def _requests_of(self, pod: StoredObject) -> tuple[int, int]:
        found = self._requested.get(pod.key)
        if found is None or found[0] != pod.rv:
            cpu, memory = _requests(pod.load().get("spec") or {})
            found = (pod.rv, cpu, memory)
            self._requested[pod.key] = found
        return found[1], found[2]


def _message(total: int, reasons: Counter[str], preemptable: int) -> str:
    """The scheduler's FitError text: "N reason" strings sorted, then the preemption verdict."""
    parts = sorted(f"{count} {reason}" for reason, count in reasons.items())
    verdicts = []
    if preemptable:
        verdicts.append(f"{preemptable} {_NO_VICTIMS}")
    if total - preemptable:
        verdicts.append(f"{total - preemptable} {_NOT_HELPFUL}")
    return (
        f"0/{total} nodes are available: {', '.join(parts)}. preemption: 0/{total} nodes are "
        f"available: {', '.join(sorted(verdicts))}."
    )
