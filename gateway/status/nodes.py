"""Node health: whether the pods a node runs can be observed at all.

The manual's Exception is "communication with the pod's host has failed"; a node
whose Ready condition is not True is exactly that host.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from gateway.status.fields import Obj, condition_time, find_condition, quote


@dataclass(frozen=True, slots=True)
class NodeHealth:
    name: str
    ready: bool
    reason: str
    message: str
    since: datetime | None
    unschedulable: bool = False


def node_health(node: Obj) -> NodeHealth:
    meta = node.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    name = name if isinstance(name, str) else ""
    status = node.get("status")
    spec = node.get("spec")
    unschedulable = isinstance(spec, Mapping) and spec.get("unschedulable") is True
    conditions = status.get("conditions") if isinstance(status, Mapping) else None
    ready = find_condition(conditions, "Ready")
    if ready is None:
        return NodeHealth(
            name,
            False,
            "NodeStatusUnknown",
            f"node {name} has never reported a Ready condition",
            None,
            unschedulable,
        )
    since = condition_time(ready)
    state = ready.get("status")
    if state == "True":
        return NodeHealth(name, True, "", "", since, unschedulable)
    text = ready.get("message")
    detail = quote(text) if isinstance(text, str) and text else "no reason given"
    if state == "False":
        return NodeHealth(
            name, False, "NodeNotReady", f"node {name} is NotReady ({detail})", since, unschedulable
        )
    return NodeHealth(
        name, False, "NodeLost", f"node {name} is unreachable ({detail})", since, unschedulable
    )


def index_nodes(nodes: Iterable[Obj]) -> dict[str, NodeHealth]:
    health = (node_health(n) for n in nodes if isinstance(n, Mapping))
    return {h.name: h for h in health if h.name}
