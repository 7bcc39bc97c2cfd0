"""How fast the status engine is against a loop that only reads each pod's phase.

Run: ``python bench/status_engine.py [--workloads N] [--pods-per-workload K] [--rounds R]``.
The fleet is generated (mostly healthy, with a realistic share of broken pods); the
bare baseline walks the same workloads and pods and reads ``status.phase``. Both are
timed in the same run, best of R rounds, and the ratio is printed.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.status import evaluate_pod, evaluate_workload, index_nodes

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
STAMP = (NOW - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")

Fleet = list[tuple[dict[str, Any], list[dict[str, Any]]]]


def _container_status(name: str, broken: int) -> dict[str, Any]:
    if broken == 1:
        return {
            "name": name,
            "image": "registry.local/app:1.4.2",
            "imageID": "registry.local/app@sha256:" + "a" * 64,
            "ready": False,
            "restartCount": 7,
            "started": False,
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": STAMP}},
        }
    return {
        "name": name,
        "image": "registry.local/app:1.4.2",
        "imageID": "registry.local/app@sha256:" + "a" * 64,
        "ready": True,
        "restartCount": 0,
        "started": True,
        "state": {"running": {"startedAt": STAMP}},
        "lastState": {},
    }


def _pod(namespace: str, owner: str, index: int, node: str, broken: int) -> dict[str, Any]:
    ready = "False" if broken else "True"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"{owner}-{index}",
            "namespace": namespace,
            "uid": f"{owner}-{index}-uid",
            "labels": {"app": owner, "pod-template-hash": "5d8f7c9b6"},
            "creationTimestamp": STAMP,
            "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": f"{owner}-5d8f7c9b6"}
            ],
        },
        "spec": {
            "nodeName": node,
            "containers": [{"name": "app", "image": "registry.local/app:1.4.2"}],
        },
        "status": {
            "phase": "Running",
            "conditions": [
                {"type": "Initialized", "status": "True", "lastTransitionTime": STAMP},
                {"type": "Ready", "status": ready, "lastTransitionTime": STAMP},
                {"type": "ContainersReady", "status": ready, "lastTransitionTime": STAMP},
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": STAMP},
            ],
            "hostIP": "10.0.0.1",
            "podIP": "10.1.0.1",
            "startTime": STAMP,
            "containerStatuses": [_container_status("app", broken)],
        },
    }


def _deployment(namespace: str, name: str, replicas: int, ready: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": f"{name}-uid",
            "generation": 3,
            "creationTimestamp": STAMP,
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"spec": {"containers": [{"name": "app", "image": "app"}]}},
        },
        "status": {
            "observedGeneration": 3,
            "replicas": replicas,
            "updatedReplicas": replicas,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "conditions": [
                {"type": "Available", "status": "True", "lastTransitionTime": STAMP},
                {"type": "Progressing", "status": "True", "lastTransitionTime": STAMP},
            ],
        },
    }


def generate(workloads: int, pods_per_workload: int) -> Fleet:
    """Every 20th workload has one crash-looping pod; pods spread over 100 nodes."""
    fleet: Fleet = []
    for w in range(workloads):
        namespace = f"team-{w % 50}"
        name = f"svc-{w}"
        broken_at = 0 if w % 20 == 0 else -1
        pods = [
            _pod(namespace, name, i, f"node-{(w + i) % 100}", 1 if i == broken_at else 0)
            for i in range(pods_per_workload)
        ]
        ready = pods_per_workload - (1 if broken_at >= 0 else 0)
        fleet.append((_deployment(namespace, name, pods_per_workload, ready), pods))
    return fleet


def nodes() -> list[dict[str, Any]]:
    return [
        {
            "kind": "Node",
            "metadata": {"name": f"node-{i}"},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]},
        }
        for i in range(100)
    ]


def bare(fleet: Fleet) -> int:
    phases: dict[str, int] = {}
    for _, pods in fleet:
        for pod in pods:
            phase = pod.get("status", {}).get("phase", "")
            phases[phase] = phases.get(phase, 0) + 1
    return sum(phases.values())


def engine(fleet: Fleet) -> int:
    health = index_nodes(nodes())
    abnormal = 0
    for workload, pods in fleet:
        states = [evaluate_pod(pod, health, NOW) for pod in pods]
        if evaluate_workload(workload, NOW, pods=states).abnormal:
            abnormal += 1
    return abnormal


def best_of(rounds: int, run: Callable[[Fleet], int], fleet: Fleet) -> float:
    best = float("inf")
    for _ in range(rounds):
        gc.collect()
        started = time.perf_counter()
        run(fleet)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workloads", type=int, default=10_000)
    parser.add_argument("--pods-per-workload", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    fleet = generate(args.workloads, args.pods_per_workload)
    objects = args.workloads * (1 + args.pods_per_workload)
    expected_abnormal = len(range(0, args.workloads, 20))
    found = engine(fleet)
    if found != expected_abnormal:
        raise SystemExit(f"engine found {found} abnormal workloads, expected {expected_abnormal}")
    baseline = best_of(args.rounds, bare, fleet)
    measured = best_of(args.rounds, engine, fleet)
    print(f"fleet: {args.workloads} workloads, {args.workloads * args.pods_per_workload} pods")
    for label, seconds in (
        ("bare loop (read each pod's phase)", baseline),
        ("status engine (pods + workloads) ", measured),
    ):
        print(f"{label}: {seconds * 1000:8.1f} ms  {objects / seconds:12,.0f} objects/s")
    print(f"ratio engine/bare: {measured / baseline:.1f}x (target: within 10x)")


if __name__ == "__main__":
    main()
