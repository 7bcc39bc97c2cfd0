"""The bundled examples show the whole vocabulary, each workload with its intended status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.commands.explain import evaluate_fleet
from gateway.manifests import SUFFIXES, load_paths
from gateway.ownership import group
from gateway.report import Row
from gateway.status import STATUSES_BY_KIND, PodPhase, PodState, WorkloadState

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SNAPSHOTS = sorted(path for path in EXAMPLES.iterdir() if path.suffix in SUFFIXES)
"""The files directly in examples/, objects as a cluster shows them; examples/demo/ holds
manifests to apply to the demo, which are not part of the snapshot."""
SNAPSHOT = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)

EXPECTED: dict[tuple[str, str, str], tuple[str, str]] = {
    ("CronJob", "batch", "hourly-sync"): ("Started", "Active"),
    ("CronJob", "batch", "legacy-export"): ("Stopped", "Suspended"),
    ("CronJob", "batch", "nightly-report"): ("Started", "Scheduled"),
    ("CronJob", "batch", "quarterly-archive"): ("Waiting", "NotYetScheduled"),
    ("Job", "batch", "db-restore-drill"): ("Waiting", "Suspended"),
    ("Job", "batch", "db-vacuum"): ("Exception", "DeadlineExceeded"),
    ("Job", "batch", "hourly-sync-29404440"): ("Executing", "Running"),
    ("Job", "batch", "invoice-export"): ("Exception", "BackoffLimitExceeded"),
    ("Job", "batch", "nightly-report-29404050"): ("Execution Complete", "CompletionsReached"),
    ("Job", "batch", "thumbnails"): ("Executing", "Running"),
    ("Job", "batch", "video-transcode"): ("Executing", "Running"),
    ("Deployment", "checkout", "cart"): ("Waiting", "GenerationNotObserved"),
    ("Deployment", "checkout", "checkout"): ("Waiting", "RollingUpdate"),
    ("Deployment", "checkout", "pricing"): ("Waiting", "Paused"),
    ("Deployment", "checkout", "search"): ("Waiting", "Progressing"),
    ("StatefulSet", "checkout", "kafka"): ("Waiting", "RollingUpdate"),
    ("StatefulSet", "checkout", "zookeeper"): ("Running", "Ready"),
    ("DaemonSet", "checkout", "log-shipper"): ("Waiting", "RollingUpdate"),
    ("Deployment", "edge", "edge-proxy"): ("Exception", "NodeLost"),
    ("StatefulSet", "edge", "mqtt-broker"): ("Exception", "NodeLost"),
    ("DaemonSet", "edge", "node-agent"): ("Exception", "NodeLost"),
    ("Job", "edge", "edge-sync-29404290"): ("Exception", "NodeNotReady"),
    ("DaemonSet", "ingress", "ingress-controller"): ("Running", "Ready"),
    ("Deployment", "payments", "fraud-model"): ("Not Ready", "OOMKilled"),
    ("Deployment", "payments", "gateway"): ("Not Ready", "ContainersNotReady"),
    ("Deployment", "payments", "invoice"): ("Not Ready", "ReplicaFailure"),
    ("Deployment", "payments", "ledger"): ("Not Ready", "ImagePullBackOff"),
    ("Deployment", "payments", "ml-inference"): ("Not Ready", "Unschedulable"),
    ("Deployment", "payments", "notifier"): ("Not Ready", "CreateContainerConfigError"),
    ("Deployment", "payments", "payments-api"): ("Not Ready", "CrashLoopBackOff"),
    ("Deployment", "payments", "reports-ui"): ("Not Ready", "ProgressDeadlineExceeded"),
    ("StatefulSet", "payments", "redis"): ("Not Ready", "Unschedulable"),
    ("DaemonSet", "payments", "es-node-tuning"): ("Not Ready", "CrashLoopBackOff"),
    ("Deployment", "recommendations", "recommendations"): ("Waiting", "NotObserved"),
    ("CronJob", "recommendations", "retrain"): ("Waiting", "NotYetScheduled"),
    ("Job", "recommendations", "train-initial-model"): ("Waiting", "NotObserved"),
    ("Deployment", "shop", "api"): ("Running", "Ready"),
    ("Deployment", "shop", "batch-worker"): ("Running", "ScaledToZero"),
    ("Deployment", "shop", "web"): ("Running", "Ready"),
    ("StatefulSet", "shop", "postgres"): ("Running", "Ready"),
    ("Deployment", "staging", "old-frontend"): ("Deleting", "Deleting"),
    ("StatefulSet", "staging", "old-postgres"): ("Deleting", "Deleting"),
    ("DaemonSet", "staging", "old-agent"): ("Deleting", "Deleting"),
    ("CronJob", "staging", "old-cleanup"): ("Deleting", "Deleting"),
    ("Job", "staging", "old-migration"): ("Deleting", "Deleting"),
}

POD_REASONS: dict[str, tuple[PodPhase, str, str]] = {
    "api-5c8d9f7b6a-9kq2v": (PodPhase.RUNNING, "Running", "2/2"),
    "es-node-tuning-k2l5p": (PodPhase.PENDING, "Init:CrashLoopBackOff", "0/1"),
    "fraud-model-4c3b2a1f0e-m5v8b": (PodPhase.RUNNING, "CrashLoopBackOff", "0/1"),
    "ledger-8e7d6c5b4a-k3l9z": (PodPhase.RUNNING, "ImagePullBackOff", "0/1"),
    "notifier-2b3c4d5e6f-j8f2s": (PodPhase.PENDING, "CreateContainerConfigError", "0/1"),
    "ml-inference-3d4e5f6a7b-v8c4x": (PodPhase.PENDING, "Pending", "0/1"),
    "search-5d4c3b2a1f-d7w2q": (PodPhase.PENDING, "ContainerCreating", "0/1"),
    "mqtt-broker-1": (PodPhase.RUNNING, "Unknown", "1/1"),
    "old-frontend-6a5b4c3d2e-x1c2v": (PodPhase.RUNNING, "Terminating", "1/1"),
    "invoice-export-p8a9s": (PodPhase.FAILED, "Error", "0/1"),
    "nightly-report-29404050-7rtx2": (PodPhase.SUCCEEDED, "Completed", "0/1"),
    "gpu-benchmark": (PodPhase.PENDING, "SchedulingGated", "0/1"),
    "image-builder": (PodPhase.FAILED, "Evicted", "0/1"),
    "bastion": (PodPhase.UNKNOWN, "Unknown", "1/1"),
    "log-collector": (PodPhase.RUNNING, "NotReady", "1/2"),
    "report-viewer": (PodPhase.PENDING, "ContainerCreating", "0/1"),
    "debug-shell": (PodPhase.RUNNING, "Terminating", "1/1"),
}

MESSAGES: dict[str, list[str]] = {
    "payments-api": ["payments-api-6f5e4d3c2b-zt6vx", "code 1", "ECONNREFUSED 10.96.14.7:5432"],
    "fraud-model": ["fraud-model-4c3b2a1f0e-m5v8b", "memory limit of 512Mi"],
    "ledger": ["ledger-8e7d6c5b4a-k3l9z", "ledger:3.2.0: not found"],
    "notifier": ['secret "smtp-credentials" not found'],
    "reports-ui": ["progressDeadlineSeconds (600s)", "reports-ui-1a2b3c4d5e-z6x7c"],
    "invoice": ["exceeded quota: payments-quota", "limited: limits.memory=16Gi"],
    "ml-inference": [
        "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: "
        "3 No preemption victims found for incoming pod.",
        "memory 24Gi",
    ],
    "redis": ["redis-2", "pod has unbound immediate PersistentVolumeClaims"],
    "es-node-tuning": ["init container sysctl", "es-node-tuning-k2l5p", "Read-only file system"],
    "gateway": ["gateway-7b8c9d0e1f-y6u7i", "statuscode: 503"],
    "edge-proxy": ["edge-proxy-4f5a6b7c8d-h7j3l", "worker-3"],
    "mqtt-broker": ["mqtt-broker-1", "worker-3", "unresponsive"],
    "node-agent": ["worker-3", "node-agent-z9x1c (NodeNotReady)"],
    "edge-sync-29404290": ["worker-4", "cni plugin not initialized"],
    "invoice-export": ["backoffLimit 2", 'password authentication failed for user "exporter"'],
    "quarterly-archive": ["2027-01-01T04:00:00Z"],
}


def _evaluate(now: datetime) -> list[Row]:
    loaded = load_paths(SNAPSHOTS)
    assert loaded.errors == []
    return evaluate_fleet(group(loaded.objects), now)


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    return _evaluate(SNAPSHOT)


def _workloads(rows: list[Row]) -> dict[tuple[str, str, str], WorkloadState]:
    return {
        (r.subject.kind, r.subject.namespace, r.subject.name): r.subject
        for r in rows
        if isinstance(r.subject, WorkloadState)
    }


def _pods(rows: list[Row]) -> dict[str, PodState]:
    found = {pod.name: pod for row in rows for pod in row.pods}
    found.update({r.subject.name: r.subject for r in rows if isinstance(r.subject, PodState)})
    return found


def test_every_example_workload_shows_its_intended_status(rows: list[Row]) -> None:
    found = {key: (state.status.value, state.reason) for key, state in _workloads(rows).items()}
    assert found == EXPECTED


def test_the_examples_cover_every_status_of_every_kind_and_every_pod_phase(
    rows: list[Row],
) -> None:
    workloads = _workloads(rows).values()
    for kind, statuses in STATUSES_BY_KIND.items():
        shown = {state.status for state in workloads if state.kind == kind.value}
        assert shown == set(statuses), kind
    assert {pod.phase for pod in _pods(rows).values()} == set(PodPhase)
    assert 30 <= len(EXPECTED) <= 45


@pytest.mark.parametrize(("name", "expected"), list(POD_REASONS.items()))
def test_example_pods_show_kubectl_reasons(
    rows: list[Row], name: str, expected: tuple[PodPhase, str, str]
) -> None:
    pod = _pods(rows)[name]
    assert (pod.phase, pod.display_reason, f"{pod.ready_containers}/{pod.total_containers}") == (
        expected
    )


@pytest.mark.parametrize(("name", "parts"), list(MESSAGES.items()))
def test_example_messages_carry_the_specific_text(
    rows: list[Row], name: str, parts: list[str]
) -> None:
    (state,) = [s for s in _workloads(rows).values() if s.name == name]
    for part in parts:
        assert part in state.message


def test_warnings_in_the_examples(rows: list[Row]) -> None:
    workloads = {key[2]: state for key, state in _workloads(rows).items()}
    assert any("paused" in w for w in workloads["pricing"].warnings)
    assert any("OnDelete" in w for w in workloads["zookeeper"].warnings)
    (pull,) = workloads["video-transcode"].warnings
    assert "ImagePullBackOff" in pull
    assert "pull access denied" in pull


def test_statuses_do_not_drift_as_the_files_age(rows: list[Row]) -> None:
    later = _evaluate(SNAPSHOT + timedelta(days=800))
    assert {k: (s.status, s.reason) for k, s in _workloads(later).items()} == {
        k: (s.status, s.reason) for k, s in _workloads(rows).items()
    }
