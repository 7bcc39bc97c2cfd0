"""The ``scale:N`` scenario: N workloads of about ten pods each, created in their final state.

Stepping 100,000 pods through the scheduler and kubelet would take minutes; here
every Deployment, ReplicaSet, StatefulSet and pod is written directly as the
controllers would leave it once everything runs (same names, hashes, labels,
owner references, status and conditions), with the controllers not woken, so the
fleet is ready in seconds and the controllers find nothing to change afterwards.
"""

from __future__ import annotations

import math
from typing import Any

from simcluster.cluster import SimulatedCluster
from simcluster.controllers.deployment import DESIRED, HASH_LABEL, MAX_REPLICAS, REVISION
from simcluster.controllers.statefulset import (
    POD_INDEX_LABEL,
    POD_NAME_LABEL,
    REVISION_LABEL,
)
from simcluster.defaults import DEFAULT_TOLERATIONS, apply_defaults, pod_spec
from simcluster.names import new_uid, random_suffix, template_hash
from simcluster.nodes import make_node, pod_cidr, pod_ip
from simcluster.podstatus import running_pod_status
from simcluster.podtemplates import owner_reference
from simcluster.resources import (
    DEPLOYMENTS,
    NAMESPACES,
    NODES,
    PODS,
    REPLICASETS,
    STATEFULSETS,
)
from simcluster.store import StoredObject

REPLICAS = 10
PER_NAMESPACE = 100
PODS_PER_NODE = 100
STATEFUL_EVERY = 10
"""One workload in this many is a StatefulSet, the others Deployments."""


def _template(app: str, image: str) -> dict[str, Any]:
    template: dict[str, Any] = {
        "metadata": {"labels": {"app": app}},
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": image,
                    "ports": [{"containerPort": 8080}],
                    "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}},
                }
            ]
        },
    }
    pod_spec(template["spec"])
    return template


class _Placement:
    """Round-robin nodes and per-node pod IPs for the pods being written."""

    def __init__(self, cluster: SimulatedCluster, pods: int) -> None:
        start = cluster.store.count(NODES)
        count = max(math.ceil(pods / PODS_PER_NODE), 1)
        now = cluster.clock.timestamp()
        self.nodes: list[tuple[str, str, str]] = []
        for index in range(start, start + count):
            name = f"{cluster.name}-scale-node-{index - start + 1}"
            node = make_node(name, index, now, cpu="64", memory="256Gi", pods=PODS_PER_NODE + 10)
            cluster.store.put(NODES, node)
            host = node["status"]["addresses"][0]["address"]
            self.nodes.append((name, host, pod_cidr(index)))
        self._next = 0
        self._ips = [0] * count

    def place(self) -> tuple[str, str, str]:
        index = self._next % len(self.nodes)
        self._next += 1
        name, host, cidr = self.nodes[index]
        self._ips[index] += 1
        return name, host, pod_ip(cidr, self._ips[index])


class _Writer:
    def __init__(self, cluster: SimulatedCluster, placement: _Placement) -> None:
        self.cluster = cluster
        self.store = cluster.store
        self.placement = placement
        self.now = cluster.clock.timestamp()

    def put(self, resource: Any, obj: dict[str, Any]) -> StoredObject:
        return self.store.put(resource, obj)

    def meta(self, name: str, namespace: str, **extra: Any) -> dict[str, Any]:
        return {
            "name": name,
            "namespace": namespace,
            "uid": new_uid(),
            "creationTimestamp": self.now,
            **extra,
        }

    def pod(
        self,
        name: str,
        owner: StoredObject,
        labels: dict[str, str],
        spec: dict[str, Any],
    ) -> None:
        node, host, ip = self.placement.place()
        pod: dict[str, Any] = {
            "kind": "Pod",
            "apiVersion": "v1",
            "metadata": self.meta(
                name,
                owner.namespace,
                labels=labels,
                ownerReferences=[owner_reference(owner)],
            ),
            "spec": {**spec, "nodeName": node},
        }
        pod["status"] = running_pod_status(pod, host, ip, self.now, "Burstable")
        self.put(PODS, pod)

    def deployment(self, namespace: str, name: str, template: dict[str, Any]) -> None:
        digest = template_hash(template)
        body: dict[str, Any] = {
            "kind": "Deployment",
            "apiVersion": "apps/v1",
            "metadata": self.meta(
                name,
                namespace,
                generation=1,
                labels={"app": name},
                annotations={REVISION: "1"},
            ),
            "spec": {
                "replicas": REPLICAS,
                "selector": {"matchLabels": {"app": name}},
                "template": template,
            },
        }
        apply_defaults(DEPLOYMENTS, body)
        conditions = [
            _condition(
                "Available",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
                self.now,
            ),
            _condition(
                "Progressing",
                "NewReplicaSetAvailable",
                f'ReplicaSet "{name}-{digest}" has successfully progressed.',
                self.now,
            ),
        ]
        body["status"] = {
            "observedGeneration": 1,
            "replicas": REPLICAS,
            "updatedReplicas": REPLICAS,
            "readyReplicas": REPLICAS,
            "availableReplicas": REPLICAS,
            "conditions": conditions,
        }
        owner = self.put(DEPLOYMENTS, body)
        labels = {**template["metadata"]["labels"], HASH_LABEL: digest}
        rs_template = {**template, "metadata": {"labels": labels}}
        replica_set = {
            "kind": "ReplicaSet",
            "apiVersion": "apps/v1",
            "metadata": self.meta(
                f"{name}-{digest}",
                namespace,
                generation=1,
                labels=labels,
                annotations={
                    DESIRED: str(REPLICAS),
                    MAX_REPLICAS: str(REPLICAS + math.ceil(REPLICAS / 4)),
                    REVISION: "1",
                },
                ownerReferences=[owner_reference(owner)],
            ),
            "spec": {
                "replicas": REPLICAS,
                "selector": {"matchLabels": {"app": name, HASH_LABEL: digest}},
                "template": rs_template,
            },
            "status": {
                "replicas": REPLICAS,
                "fullyLabeledReplicas": REPLICAS,
                "readyReplicas": REPLICAS,
                "availableReplicas": REPLICAS,
                "observedGeneration": 1,
            },
        }
        rs = self.put(REPLICASETS, replica_set)
        spec = {**template["spec"], "serviceAccountName": "default", "serviceAccount": "default"}
        spec["tolerations"] = [dict(t) for t in DEFAULT_TOLERATIONS]
        spec.update(enableServiceLinks=True, preemptionPolicy="PreemptLowerPriority", priority=0)
        for _ in range(REPLICAS):
            self.pod(f"{rs.name}-{random_suffix()}", rs, labels, spec)

    def statefulset(self, namespace: str, name: str, template: dict[str, Any]) -> None:
        revision = f"{name}-{template_hash(template)}"
        body: dict[str, Any] = {
            "kind": "StatefulSet",
            "apiVersion": "apps/v1",
            "metadata": self.meta(name, namespace, generation=1, labels={"app": name}),
            "spec": {
                "replicas": REPLICAS,
                "serviceName": name,
                "selector": {"matchLabels": {"app": name}},
                "template": template,
            },
        }
        apply_defaults(STATEFULSETS, body)
        body["status"] = {
            "observedGeneration": 1,
            "replicas": REPLICAS,
            "readyReplicas": REPLICAS,
            "currentReplicas": REPLICAS,
            "updatedReplicas": REPLICAS,
            "currentRevision": revision,
            "updateRevision": revision,
            "collisionCount": 0,
            "availableReplicas": REPLICAS,
        }
        owner = self.put(STATEFULSETS, body)
        base = {**template["spec"], "serviceAccountName": "default", "serviceAccount": "default"}
        base["tolerations"] = [dict(t) for t in DEFAULT_TOLERATIONS]
        base.update(enableServiceLinks=True, preemptionPolicy="PreemptLowerPriority", priority=0)
        for ordinal in range(REPLICAS):
            pod_name = f"{name}-{ordinal}"
            labels = {
                **template["metadata"]["labels"],
                REVISION_LABEL: revision,
                POD_NAME_LABEL: pod_name,
                POD_INDEX_LABEL: str(ordinal),
            }
            spec = {**base, "hostname": pod_name, "subdomain": name}
            self.pod(pod_name, owner, labels, spec)


def _condition(kind: str, reason: str, message: str, now: str) -> dict[str, Any]:
    return {
        "type": kind,
        "status": "True",
        "lastUpdateTime": now,
        "lastTransitionTime": now,
        "reason": reason,
        "message": message,
    }


def install_scale(cluster: SimulatedCluster, workloads: int) -> None:
    """Create ``workloads`` running workloads (about ten pods each) in their final state."""
    placement = _Placement(cluster, workloads * REPLICAS)
    writer = _Writer(cluster, placement)
    with cluster.controllers.quiet():
        cluster.events.enabled = False
        try:
            for index in range(workloads):
                namespace = f"scale-{index // PER_NAMESPACE + 1:03d}"
                if cluster.store.get(NAMESPACES, "", namespace) is None:
                    cluster.registry.create(NAMESPACES, "", {"metadata": {"name": namespace}})
                name = f"app-{index + 1:05d}"
                template = _template(name, f"registry.example.com/shop/{name}:1.{index % 7}.0")
                if index % STATEFUL_EVERY == STATEFUL_EVERY - 1:
                    writer.statefulset(namespace, name, template)
                else:
                    writer.deployment(namespace, name, template)
        finally:
            cluster.events.enabled = True
