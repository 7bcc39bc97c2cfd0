"""The ``demo`` scenario: a small, lively fleet showing every status within a minute.

Five namespaces of Deployments, StatefulSets, DaemonSets, Jobs and CronJobs whose
pod behaviour annotations make them run, crash-loop, fail to pull, lack config,
get OOM-killed, start slowly or never get scheduled; objects held by a finalizer
so Deleting lasts; and an edge node that goes unreachable every two minutes, which
turns its workloads to Exception and its pods to Unknown. A driver on the
simulated clock keeps things moving: rolling updates, scaling, deletions and
re-creations, Jobs started again.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from simcluster.behaviours import (
    BEHAVIOR,
    EXIT_CODE,
    READY_AFTER,
    RUN_SECONDS,
    TERMINATE_SECONDS,
)
from simcluster.cluster import SimulatedCluster
from simcluster.nodes import NodeState

HOLD_FINALIZER = "simcluster.kube-status-gateway.io/demo-hold"
RESTARTED_AT = "simcluster.kube-status-gateway.io/restarted-at"
EDGE_LABEL = "simcluster.kube-status-gateway.io/pool"
CYCLE = 120.0
"""Seconds of simulated time after which the demo's changes repeat."""


def _pod_template(
    app: str, image: str, annotations: dict[str, str] | None = None, **spec: Any
) -> dict[str, Any]:
    container: dict[str, Any] = {"name": app.split("-", 1)[0], "image": image}
    resources = spec.pop("resources", None)
    if resources:
        container["resources"] = resources
    meta: dict[str, Any] = {"labels": {"app": app}}
    if annotations:
        meta["annotations"] = annotations
    return {"metadata": meta, "spec": {"containers": [container], **spec}}


def _workload(
    kind: str, namespace: str, name: str, spec: dict[str, Any], **meta: Any
) -> dict[str, Any]:
    api = "batch/v1" if kind in ("Job", "CronJob") else "apps/v1"
    return {
        "apiVersion": api,
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}, **meta},
        "spec": spec,
    }


def _replicated(
    kind: str, namespace: str, name: str, template: dict[str, Any], **spec: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"selector": {"matchLabels": {"app": name}}, "template": template}
    body.update(spec)
    if kind == "StatefulSet":
        body.setdefault("serviceName", name)
    return _workload(kind, namespace, name, body)


def _job(namespace: str, name: str, template: dict[str, Any], **spec: Any) -> dict[str, Any]:
    template["spec"].setdefault("restartPolicy", "Never")
    return _workload("Job", namespace, name, {"template": template, **spec})


def _cronjob(namespace: str, name: str, schedule: str, **spec: Any) -> dict[str, Any]:
    template = _pod_template(name, "busybox:1.36", {RUN_SECONDS: "5"}, restartPolicy="OnFailure")
    job = {"template": template, "backoffLimit": 2}
    return _workload(
        "CronJob", namespace, name, {"schedule": schedule, "jobTemplate": {"spec": job}, **spec}
    )


EDGE_TOLERATION = {"key": EDGE_LABEL, "operator": "Equal", "value": "edge", "effect": "NoSchedule"}


def _edge(template: dict[str, Any], toleration: int = 30) -> dict[str, Any]:
    """Pinned to the edge node, evicted 30s after it becomes unreachable."""
    template["spec"]["nodeSelector"] = {EDGE_LABEL: "edge"}
    template["spec"]["tolerations"] = [
        dict(EDGE_TOLERATION),
        *(
            {
                "key": f"node.kubernetes.io/{key}",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": toleration,
            }
            for key in ("not-ready", "unreachable")
        ),
    ]
    return template


def demo_objects() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The demo's steady objects, and the ones the driver deletes and re-creates."""
    slow = {READY_AFTER: "45"}
    steady = [
        _replicated(
            "Deployment",
            "shop",
            "web",
            _pod_template("web", "nginx:1.27", {READY_AFTER: "5"}),
            replicas=3,
        ),
        _replicated(
            "Deployment",
            "shop",
            "checkout",
            _pod_template("checkout", "ghcr.io/example/checkout:3.1.4", {BEHAVIOR: "crash-loop"}),
            replicas=2,
        ),
        _replicated(
            "Deployment",
            "shop",
            "search",
            _pod_template(
                "search",
                "registry.example.com/shop/search:2.0.0-rc1",
                {BEHAVIOR: "image-pull-error"},
            ),
        ),
        _replicated(
            "Deployment",
            "shop",
            "payments",
            _pod_template("payments", "ghcr.io/example/payments:1.9.0", slow),
            replicas=2,
        ),
        _replicated(
            "Deployment",
            "shop",
            "recommender",
            _pod_template(
                "recommender",
                "ghcr.io/example/recommender:0.7.2",
                {BEHAVIOR: "oom-kill", RUN_SECONDS: "8"},
                resources={"limits": {"memory": "256Mi"}, "requests": {"memory": "256Mi"}},
            ),
        ),
        _replicated(
            "Deployment",
            "shop",
            "frontend-canary",
            _pod_template("frontend-canary", "nginx:1.27"),
            replicas=1,
            paused=True,
        ),
        _replicated(
            "Deployment",
            "shop",
            "edge-cache",
            _edge(_pod_template("edge-cache", "varnish:7.5")),
            replicas=2,
        ),
        _replicated(
            "Deployment",
            "ml",
            "trainer",
            _pod_template(
                "trainer",
                "ghcr.io/example/trainer:2.2",
                resources={"requests": {"memory": "512Gi", "cpu": "2"}},
            ),
        ),
        _replicated(
            "StatefulSet",
            "data",
            "postgres",
            _pod_template("postgres", "postgres:16.4", {READY_AFTER: "3"}),
            replicas=3,
        ),
        _replicated(
            "StatefulSet",
            "data",
            "kafka",
            _pod_template("kafka", "apache/kafka:3.8.0", {READY_AFTER: "15"}),
            replicas=3,
        ),
        _replicated(
            "StatefulSet",
            "data",
            "redis",
            _pod_template("redis", "redis:7.4-missing", {BEHAVIOR: "image-pull-error"}),
        ),
        _replicated(
            "StatefulSet", "data", "zookeeper", _edge(_pod_template("zookeeper", "zookeeper:3.9"))
        ),
        _replicated(
            "DaemonSet",
            "monitoring",
            "node-exporter",
            _pod_template(
                "node-exporter", "prom/node-exporter:v1.8.2", tolerations=[dict(EDGE_TOLERATION)]
            ),
        ),
        _replicated(
            "DaemonSet",
            "monitoring",
            "log-agent",
            _pod_template("log-agent", "fluent/fluent-bit:3.1", {BEHAVIOR: "config-error"}),
        ),
        _replicated(
            "DaemonSet",
            "monitoring",
            "trace-agent",
            _pod_template(
                "trace-agent", "otel/opentelemetry-collector:0.110.0", {READY_AFTER: "30"}
            ),
        ),
        _job("batch", "seed-data", _pod_template("seed-data", "busybox:1.36", {RUN_SECONDS: "5"})),
        _job(
            "batch",
            "import-orders",
            _pod_template(
                "import-orders",
                "ghcr.io/example/importer:1.0",
                {BEHAVIOR: "exit", EXIT_CODE: "2", RUN_SECONDS: "3"},
            ),
            backoffLimit=1,
        ),
        _job(
            "batch",
            "report-backfill",
            _pod_template("report-backfill", "busybox:1.36"),
            suspend=True,
        ),
        _cronjob("batch", "heartbeat", "* * * * *"),
        _cronjob("batch", "nightly-report", "0 3 * * *"),
        _cronjob("batch", "cleanup", "*/5 * * * *", suspend=True),
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "gpu-trainer",
                "namespace": "ml",
                "annotations": {BEHAVIOR: "unschedulable"},
            },
            "spec": {
                "containers": [
                    {
                        "name": "trainer",
                        "image": "ghcr.io/example/trainer:2.2",
                        "resources": {"requests": {"memory": "96Gi", "nvidia.com/gpu": "1"}},
                    }
                ],
                "restartPolicy": "Never",
            },
        },
    ]
    held = [
        _replicated(
            "Deployment",
            "shop",
            "legacy-frontend",
            _pod_template("legacy-frontend", "nginx:1.25", {TERMINATE_SECONDS: "20"}),
        ),
        _replicated(
            "StatefulSet",
            "data",
            "etcd-old",
            _pod_template("etcd-old", "quay.io/coreos/etcd:v3.4.34"),
        ),
        _replicated(
            "DaemonSet",
            "monitoring",
            "old-agent",
            _pod_template("old-agent", "datadog/agent:6.53.0"),
        ),
        _job("batch", "archive", _pod_template("archive", "busybox:1.36", {RUN_SECONDS: "600"})),
        _cronjob("batch", "old-sync", "*/10 * * * *"),
    ]
    for obj in held:
        obj["metadata"]["finalizers"] = [HOLD_FINALIZER]
    return steady, held


class DemoDriver:
    """Keeps the demo changing on the simulated clock, in a cycle of CYCLE seconds."""

    def __init__(self, cluster: SimulatedCluster, held: list[dict[str, Any]]) -> None:
        self.cluster = cluster
        self.held = held
        self.edge = f"{cluster.name}-edge-1"
        self.rollouts = 0

    def every(self, start: float, action: Callable[[], object], period: float = CYCLE) -> None:
        def tick() -> None:
            action()
            self.cluster.timers.call_later(period, tick)

        self.cluster.timers.call_later(start, tick)

    def start(self) -> None:
        self.every(15, self.delete_held)
        self.every(75, self.release_held)
        self.every(90, self.recreate_held)
        self.every(20, lambda: self.cluster.set_node_state(self.edge, NodeState.UNREACHABLE))
        self.every(80, lambda: self.cluster.set_node_state(self.edge, NodeState.READY))
        self.every(60, self.roll_web, 90)
        self.every(50, self.restart_payments)
        self.every(30, self.rerun_migration)

    def delete_held(self) -> None:
        for obj in self.held:
            meta = obj["metadata"]
            if self.cluster.get(obj["kind"], meta["name"], meta["namespace"]) is not None:
                self.cluster.delete(obj["kind"], meta["name"], meta["namespace"])

    def release_held(self) -> None:
        for obj in self.held:
            meta = obj["metadata"]
            current = self.cluster.get(obj["kind"], meta["name"], meta["namespace"])
            if current is None or "deletionTimestamp" not in current["metadata"]:
                continue
            finalizers = current["metadata"].get("finalizers") or []
            current["metadata"]["finalizers"] = [f for f in finalizers if f != HOLD_FINALIZER]
            self.cluster.apply(current)

    def recreate_held(self) -> None:
        for obj in self.held:
            meta = obj["metadata"]
            if self.cluster.get(obj["kind"], meta["name"], meta["namespace"]) is None:
                self.cluster.create(copy.deepcopy(obj))

    def _restart(self, kind: str, namespace: str, name: str) -> None:
        current = self.cluster.get(kind, name, namespace)
        if current is None:
            return
        template_meta = current["spec"]["template"].setdefault("metadata", {})
        template_meta.setdefault("annotations", {})[RESTARTED_AT] = self.cluster.clock.timestamp()
        self.cluster.apply(current)

    def roll_web(self) -> None:
        self._restart("Deployment", "shop", "web")

    def restart_payments(self) -> None:
        self._restart("Deployment", "shop", "payments")

    def rerun_migration(self) -> None:
        current = self.cluster.get("Job", "db-migrate", "batch")
        if current is not None:
            self.cluster.delete("Job", "db-migrate", "batch", propagation="Background")
        self.cluster.create(
            _job(
                "batch",
                "db-migrate",
                _pod_template("db-migrate", "ghcr.io/example/migrate:5.2", {RUN_SECONDS: "100"}),
            )
        )


def install_demo(cluster: SimulatedCluster) -> None:
    cluster.add_node(
        f"{cluster.name}-edge-1",
        labels={EDGE_LABEL: "edge"},
        taints=[{"key": EDGE_LABEL, "value": "edge", "effect": "NoSchedule"}],
    )
    steady, held = demo_objects()
    for obj in steady + held:
        cluster.create(copy.deepcopy(obj))
    driver = DemoDriver(cluster, held)
    driver.rerun_migration()
    driver.start()
