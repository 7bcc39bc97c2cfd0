"""A cluster of Deployments for the notifier's tests, each with its ReplicaSet and pods."""

from __future__ import annotations

from typing import Any

from gateway.watch.mirror import ClusterMirror
from tests.status import objects as o

HASH = "7d9f8b6c5d"


def shop(names: list[str], replicas: int = 1, cluster: str = "sim-1") -> ClusterMirror:
    mirror = ClusterMirror(cluster, lambda: o.NOW)
    mirror.replace("Node", [o.node(f"worker-{i}") for i in (1, 2, 3)])
    mirror.replace(
        "ReplicaSet",
        [o.replica_set(f"{n}-{HASH}", deployment_name=n, replicas=replicas) for n in names],
    )
    mirror.replace("Deployment", [o.deployment(n, replicas=replicas) for n in names])
    mirror.replace("Pod", [pod_of(n, i) for n in names for i in range(replicas)])
    return mirror


def pod_of(name: str, index: int, **changes: Any) -> dict[str, Any]:
    return o.pod(
        f"{name}-{HASH}-p{index}",
        node=f"worker-{index % 3 + 1}",
        owned_by=o.owner("ReplicaSet", f"{name}-{HASH}"),
        labels={"app": name, "pod-template-hash": HASH},
        **changes,
    )


def crash(mirror: ClusterMirror, name: str, index: int = 0) -> None:
    mirror.apply("Pod", "MODIFIED", pod_of(name, index, statuses=[o.crash_loop("web")]))


def heal(mirror: ClusterMirror, name: str, index: int = 0) -> None:
    mirror.apply("Pod", "MODIFIED", pod_of(name, index))
