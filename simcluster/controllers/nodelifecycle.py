"""The node lifecycle controller: what happens to pods when their node goes away.

When a node stops being Ready its pods are marked not ready at once; once their
toleration of the ``not-ready``/``unreachable`` NoExecute taint runs out (300s by
default, never for DaemonSet pods) they are evicted: deleted, and on an unreachable
node also given phase Unknown and reason NodeLost, since no kubelet will confirm
they stopped. They stay Terminating until the node is back or they are deleted
with ``--force``. Nodes created without a status are given a Ready one, as kwok
does for the nodes it manages.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from simcluster.clock import parse_time
from simcluster.controllers.base import Controller
from simcluster.controllers.common import TERMINAL
from simcluster.events import NORMAL
from simcluster.nodes import TAINT_KEYS, NodeState, node_state, set_node_state
from simcluster.podstatus import set_condition
from simcluster.registry import DeleteOptions
from simcluster.resources import NODES, PODS
from simcluster.store import Change, StoredObject


def toleration_seconds(pod: dict[str, Any], taint_key: str) -> float | None:
    """How long the pod tolerates the NoExecute taint; None forever, 0 not at all."""
    best: float | None = 0.0
    for toleration in (pod.get("spec") or {}).get("tolerations") or ():
        if toleration.get("effect") not in (None, "", "NoExecute"):
            continue
        key = toleration.get("key")
        if key not in (None, "", taint_key) or (not key and toleration.get("operator") != "Exists"):
            continue
        seconds = toleration.get("tolerationSeconds")
        if seconds is None:
            return None
        if best is not None:
            best = max(best, float(seconds))
    return best


class NodeLifecycleController(Controller):
    name = "node-controller"
    watches = (NODES,)

    def keys_for(self, change: Change) -> Iterable[str]:
        return (change.obj.key,)

    def reconcile(self, key: str) -> None:
        stored = self.store.get(NODES, "", key)
        if stored is None:
            return
        node = stored.load()
        if not (node.get("status") or {}).get("conditions"):
            set_node_state(node, NodeState.READY, self.context.now())
            self.registry.write(NODES, node)
            return
        state = node_state(node)
        if state is NodeState.READY:
            return
        taint_key = TAINT_KEYS[state]
        since = self._taint_time(node, taint_key)
        now = self.context.clock.time()
        for pod_stored in self.store.pods_on(stored.name):
            if pod_stored.fields["status.phase"] in TERMINAL:
                continue
            pod = pod_stored.load()
            tolerated = toleration_seconds(pod, taint_key)
            if tolerated is not None and now >= since + tolerated and not pod_stored.deleting:
                self._evict(stored, pod_stored, pod, state)
                continue
            self._mark_not_ready(pod)
            if tolerated is not None and not pod_stored.deleting:
                self.enqueue_at(key, since + tolerated)

    def _taint_time(self, node: dict[str, Any], taint_key: str) -> float:
        for taint in (node.get("spec") or {}).get("taints") or ():
            if taint.get("key") == taint_key and taint.get("effect") == "NoExecute":
                when = parse_time(taint.get("timeAdded"))
                if when is not None:
                    return when
        return self.context.clock.time()

    def _mark_not_ready(self, pod: dict[str, Any]) -> None:
        conditions = pod.setdefault("status", {}).setdefault("conditions", [])
        for condition in conditions:
            if condition.get("type") == "Ready" and condition.get("status") == "True":
                set_condition(conditions, "Ready", "False", self.context.now())
                self.registry.write(PODS, pod)
                return

    def _evict(
        self, node: StoredObject, stored: StoredObject, pod: dict[str, Any], state: NodeState
    ) -> None:
        if state is NodeState.UNREACHABLE:
            status = pod.setdefault("status", {})
            status["phase"] = "Unknown"
            status["reason"] = "NodeLost"
            status["message"] = (
                f"Node {node.name} which was running pod {stored.name} is unresponsive"
            )
            conditions = status.setdefault("conditions", [])
            set_condition(conditions, "Ready", "False", self.context.now())
            stored = self.registry.write(PODS, pod)
        self.context.events.record(
            stored,
            NORMAL,
            "TaintManagerEviction",
            f"Marking for deletion Pod {stored.namespace}/{stored.name}",
            "taint-eviction-controller",
        )
        self.registry.delete(PODS, stored.namespace, stored.name, DeleteOptions())
