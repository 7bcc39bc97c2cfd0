"""Simulated nodes: Node objects as a kubelet registers them, and their health.

Nodes have capacity (the scheduler fits pods by their requests), a pod CIDR (pods
get IPs from it) and the conditions a kubelet reports. ``node_condition_status``
turns a node Ready, NotReady (kubelet reports a problem) or Unknown (kubelet
stopped reporting: unreachable).
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
from enum import StrEnum
from typing import Any

from simcluster.names import new_uid

KUBELET_VERSION = "v1.32.0"


class NodeState(StrEnum):
    READY = "Ready"
    NOT_READY = "NotReady"
    UNREACHABLE = "Unreachable"


_PRESSURE = (
    ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
)
NOT_READY_MESSAGE = (
    "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
    "message:Network plugin returns error: cni plugin not initialized"
)
UNREACHABLE_MESSAGE = "Kubelet stopped posting node status."
TAINT_KEYS = {
    NodeState.NOT_READY: "node.kubernetes.io/not-ready",
    NodeState.UNREACHABLE: "node.kubernetes.io/unreachable",
}
TAINT_VALUES = frozenset(TAINT_KEYS.values())


def pod_cidr(index: int) -> str:
    return f"10.{64 + index // 256}.{index % 256}.0/24"


def host_ip(index: int) -> str:
    return str(ipaddress.IPv4Address("172.18.0.2") + index)


@functools.lru_cache(maxsize=4096)
def _network(cidr: str) -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network(cidr, strict=False)


def pod_ip(cidr: str, number: int) -> str:
    return str(_network(cidr).network_address + 2 + number % 250)


def make_node(
    name: str,
    index: int,
    now: str,
    *,
    cpu: str = "8",
    memory: str = "32Gi",
    pods: int = 110,
    labels: dict[str, str] | None = None,
    taints: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    uid = new_uid()
    digest = hashlib.sha256(name.encode()).hexdigest()
    boot_id = "-".join((digest[:8], digest[8:12], digest[12:16], digest[16:20], digest[20:32]))
    node_labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "topology.kubernetes.io/zone": f"zone-{'abc'[index % 3]}",
        **(labels or {}),
    }
    capacity = {
        "cpu": cpu,
        "ephemeral-storage": "102687672Ki",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        "memory": memory,
        "pods": str(pods),
    }
    spec: dict[str, Any] = {"podCIDR": pod_cidr(index), "podCIDRs": [pod_cidr(index)]}
    spec["providerID"] = f"simcluster://{name}"
    if taints:
        spec["taints"] = taints
    return {
        "kind": "Node",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "uid": uid,
            "creationTimestamp": now,
            "labels": node_labels,
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": spec,
        "status": {
            "addresses": [
                {"type": "InternalIP", "address": host_ip(index)},
                {"type": "Hostname", "address": name},
            ],
            "allocatable": dict(capacity),
            "capacity": capacity,
            "conditions": ready_conditions(now),
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": boot_id,
                "containerRuntimeVersion": "containerd://1.7.24",
                "kernelVersion": "6.1.0-28-amd64",
                "kubeProxyVersion": KUBELET_VERSION,
                "kubeletVersion": KUBELET_VERSION,
                "machineID": digest[32:64],
                "operatingSystem": "linux",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "systemUUID": uid,
            },
        },
    }


def ready_conditions(now: str) -> list[dict[str, Any]]:
    conditions = [
        {
            "type": kind,
            "status": "False",
            "lastHeartbeatTime": now,
            "lastTransitionTime": now,
            "reason": reason,
            "message": message,
        }
        for kind, reason, message in _PRESSURE
    ]
    conditions.append(
        {
            "type": "Ready",
            "status": "True",
            "lastHeartbeatTime": now,
            "lastTransitionTime": now,
            "reason": "KubeletReady",
            "message": "kubelet is posting ready status",
        }
    )
    return conditions


def node_state(node: dict[str, Any]) -> NodeState:
    for condition in (node.get("status") or {}).get("conditions") or ():
        if condition.get("type") == "Ready":
            return {"True": NodeState.READY, "False": NodeState.NOT_READY}.get(
                condition.get("status"), NodeState.UNREACHABLE
            )
    return NodeState.UNREACHABLE


def set_node_state(node: dict[str, Any], state: NodeState, now: str) -> None:
    """Conditions and taints as the kubelet and node lifecycle controller leave them."""
    status = node.setdefault("status", {})
    conditions = status.get("conditions") or ready_conditions(now)
    for condition in conditions:
        kind = condition.get("type")
        if state is NodeState.UNREACHABLE:
            if condition.get("status") != "Unknown":
                condition["lastTransitionTime"] = now
            condition.update(
                status="Unknown", reason="NodeStatusUnknown", message=UNREACHABLE_MESSAGE
            )
            continue
        condition["lastHeartbeatTime"] = now
        if kind == "Ready":
            wanted = "True" if state is NodeState.READY else "False"
            reason = "KubeletReady" if wanted == "True" else "KubeletNotReady"
            message = "kubelet is posting ready status" if wanted == "True" else NOT_READY_MESSAGE
        else:
            wanted, reason, message = next(("False", r, m) for k, r, m in _PRESSURE if k == kind)
        if condition.get("status") != wanted:
            condition["lastTransitionTime"] = now
        condition.update(status=wanted, reason=reason, message=message)
    status["conditions"] = conditions
    spec = node.setdefault("spec", {})
    key = TAINT_KEYS.get(state)
    current = list(spec.get("taints") or ())
    taints = [t for t in current if t.get("key") == key or t.get("key") not in TAINT_VALUES]
    if key is not None and not any(t.get("key") == key for t in taints):
        taints.append({"key": key, "effect": "NoSchedule", "timeAdded": now})
        taints.append({"key": key, "effect": "NoExecute", "timeAdded": now})
    if taints:
        spec["taints"] = taints
    else:
        spec.pop("taints", None)
