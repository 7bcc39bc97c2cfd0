"""Deployment, StatefulSet and DaemonSet: every status and every rule, first match wins."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from gateway.status import Counts, Status, WorkloadState, evaluate

from .objects import (
    NOW,
    Obj,
    condition,
    crash_loop,
    daemonset,
    deployment,
    event,
    node,
    owner,
    pending_pod,
    pod,
    pod_conditions,
    replica_set,
    running,
    statefulset,
    ts,
    waiting,
    workload_condition,
)

NODES = [node("worker-1"), node("worker-2"), node("worker-3", ready="Unknown", minutes_ago=9)]
NOT_READY = pod_conditions(ready=False, minutes_ago=3)
QUOTA = (
    'pods "web-7d9f8b6c5d-7vwlx" is forbidden: exceeded quota: compute-quota, requested: '
    "limits.memory=512Mi, used: limits.memory=3584Mi, limited: limits.memory=4Gi"
)
DEADLINE = 'ReplicaSet "web-7d9f8b6c5d" has timed out progressing.'
WEBHOOK = (
    'Failed to create new replica set "web-5f6d7c8b9a": admission webhook '
    '"policy.example.com" denied the request: image registry.example.com/web:2 is unsigned'
)


def _eval(obj: Obj, *pods: Obj, **kwargs: Any) -> WorkloadState:
    kwargs.setdefault("nodes", NODES)
    return evaluate(obj, NOW, pods=list(pods), **kwargs)


def _web_pod(index: int, **kwargs: Any) -> Obj:
    return pod(f"web-7d9f8b6c5d-{'abcde'[index]}x9z{index}", **kwargs)


def _healthy_pods(count: int = 3) -> list[Obj]:
    return [_web_pod(i, node=f"worker-{1 + i % 2}") for i in range(count)]


def _crashing(index: int = 0) -> Obj:
    return _web_pod(
        index, statuses=[crash_loop(message="panic: missing DATABASE_URL")], conditions=NOT_READY
    )


def _on_lost_node(index: int = 2) -> Obj:
    return _web_pod(index, node="worker-3")


def _deleting(obj: Obj) -> Obj:
    obj["metadata"]["deletionTimestamp"] = ts(2)
    obj["metadata"]["deletionGracePeriodSeconds"] = 0
    obj["metadata"]["finalizers"] = ["foregroundDeletion"]
    return obj


def _progress_deadline() -> list[Obj]:
    return [
        workload_condition(
            "Available",
            "False",
            30,
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
        ),
        workload_condition("Progressing", "False", 12, "ProgressDeadlineExceeded", DEADLINE),
    ]


def _replica_failure() -> list[Obj]:
    return [
        workload_condition("Available", "True", 800, "MinimumReplicasAvailable", "ok"),
        workload_condition("Progressing", "True", 20, "ReplicaSetUpdated", "progressing"),
        workload_condition("ReplicaFailure", "True", 15, "FailedCreate", QUOTA),
    ]


def _rolling_deployment(**kwargs: Any) -> Obj:
    """Mid-rollout: 1 of 3 updated, 3 old replicas still up (maxSurge 25%)."""
    return deployment(current=4, updated=1, ready=3, available=3, **kwargs)


# --- Deployment: one row per rule, first match wins ------------------------------------

DEPLOYMENT_CASES: list[tuple[str, Obj, list[Obj], Status, str, list[str]]] = [
    ("all ready", deployment(), _healthy_pods(), Status.RUNNING, "Ready", ["All 3 replicas"]),
    ("scaled to zero", deployment(replicas=0), [], Status.RUNNING, "ScaledToZero", ["zero"]),
    (
        "deleting",
        _deleting(deployment()),
        _healthy_pods(),
        Status.DELETING,
        "Deleting",
        [ts(2), "foregroundDeletion", "3 pods"],
    ),
    (
        "deleting beats exception",
        _deleting(deployment()),
        [*_healthy_pods(2), _on_lost_node()],
        Status.DELETING,
        "Deleting",
        [],
    ),
    (
        "pod on an unreachable node",
        deployment(),
        [*_healthy_pods(2), _on_lost_node()],
        Status.EXCEPTION,
        "NodeLost",
        ["web-7d9f8b6c5d-cx9z2", "worker-3", "Kubelet stopped posting node status"],
    ),
    (
        "exception beats not ready",
        deployment(ready=1),
        [_crashing(0), _web_pod(1), _on_lost_node()],
        Status.EXCEPTION,
        "NodeLost",
        ["worker-3"],
    ),
    (
        "pod in phase Unknown",
        deployment(ready=2),
        [*_healthy_pods(2), _web_pod(2, phase="Unknown")],
        Status.EXCEPTION,
        "NodeLost",
        ["phase Unknown"],
    ),
    (
        "progress deadline exceeded",
        deployment(
            ready=2,
            updated=1,
            current=3,
            available=2,
            generation=5,
            conditions=_progress_deadline(),
        ),
        [],
        Status.NOT_READY,
        "ProgressDeadlineExceeded",
        ["600s", DEADLINE],
    ),
    (
        "a ReplicaSet refused by an admission webhook quotes the webhook",
        deployment(
            updated=0,
            current=3,
            ready=3,
            available=3,
            generation=6,
            observed=6,
            conditions=[
                workload_condition("Available", "True", 800, "MinimumReplicasAvailable", "ok"),
                workload_condition("Progressing", "False", 4, "ReplicaSetCreateError", WEBHOOK),
            ],
        ),
        _healthy_pods(),
        Status.NOT_READY,
        "ReplicaSetCreateError",
        ["cannot be created", "policy.example.com", "image registry.example.com/web:2 is unsigned"],
    ),
    (
        "replica failure quotes the quota error",
        deployment(current=2, ready=2, conditions=_replica_failure()),
        _healthy_pods(2),
        Status.NOT_READY,
        "ReplicaFailure",
        ["FailedCreate", QUOTA],
    ),
    (
        "crash loop",
        deployment(ready=2),
        [_crashing(0), *_healthy_pods(3)[1:]],
        Status.NOT_READY,
        "CrashLoopBackOff",
        [
            "container web",
            "web-7d9f8b6c5d-ax9z0",
            "code 1",
            "6 times",
            "panic: missing DATABASE_URL",
        ],
    ),
    (
        "crash loop during a rollout is still not ready",
        _rolling_deployment(),
        [_crashing(0), *_healthy_pods(3)[1:]],
        Status.NOT_READY,
        "CrashLoopBackOff",
        ["web-7d9f8b6c5d-ax9z0"],
    ),
    (
        "oom killed",
        deployment(ready=2),
        [
            _web_pod(
                0, statuses=[crash_loop(exit_code=137, reason="OOMKilled")], conditions=NOT_READY
            ),
            *_healthy_pods(3)[1:],
        ],
        Status.NOT_READY,
        "OOMKilled",
        ["memory limit of 256Mi", "Container web", "web-7d9f8b6c5d-ax9z0"],
    ),
    (
        "unschedulable",
        deployment(ready=2),
        [*_healthy_pods(2), pending_pod()],
        Status.NOT_READY,
        "Unschedulable",
        ["web-7d9f8b6c5d-q8wbn", "0/3 nodes are available: 3 Insufficient memory."],
    ),
    (
        "running but not ready while nothing rolls out",
        deployment(ready=2),
        [
            *_healthy_pods(2),
            _web_pod(
                2, statuses=[running(ready=False, started_minutes_ago=300)], conditions=NOT_READY
            ),
        ],
        Status.NOT_READY,
        "ContainersNotReady",
        ["web-7d9f8b6c5d-cx9z2", "not ready"],
    ),
    (
        "running but not ready during a rollout is waiting",
        _rolling_deployment(),
        [
            *_healthy_pods(3),
            _web_pod(
                3, statuses=[running(ready=False, started_minutes_ago=300)], conditions=NOT_READY
            ),
        ],
        Status.WAITING,
        "RollingUpdate",
        ["1 of 3 replicas updated", "3 old replicas", "not ready"],
    ),
    (
        "not ready beats waiting: paused with a crash loop",
        deployment(ready=2, overrides={"spec": {"paused": True}}),
        [_crashing(0), *_healthy_pods(3)[1:]],
        Status.NOT_READY,
        "CrashLoopBackOff",
        [],
    ),
    (
        "generation not observed",
        deployment(generation=5, observed=4),
        _healthy_pods(),
        Status.WAITING,
        "GenerationNotObserved",
        ["generation 5", "4"],
    ),
    (
        "paused",
        deployment(overrides={"spec": {"paused": True}}),
        _healthy_pods(),
        Status.WAITING,
        "Paused",
        ["spec.paused"],
    ),
    (
        "paused part way through a rollout",
        _rolling_deployment(overrides={"spec": {"paused": True}}),
        _healthy_pods(),
        Status.WAITING,
        "Paused",
        ["paused part way", "1 of 3 replicas updated"],
    ),
    ("rolling update", _rolling_deployment(), _healthy_pods(), Status.WAITING, "RollingUpdate", []),
    (
        "scaling up",
        deployment(replicas=5, current=3, ready=3),
        _healthy_pods(),
        Status.WAITING,
        "ScalingUp",
        ["5 replicas", "3 created"],
    ),
    (
        "scaling down",
        deployment(replicas=2, current=3, ready=3, updated=3),
        _healthy_pods(),
        Status.WAITING,
        "ScalingDown",
        ["2 replicas", "3 still running"],
    ),
    (
        "available below updated without pods to blame",
        deployment(ready=2, available=2),
        [],
        Status.WAITING,
        "Progressing",
        ["2 of 3 available"],
    ),
    (
        "manifest without status",
        deployment(overrides={"status": None}),
        [],
        Status.WAITING,
        "NotObserved",
        ["has not reported any status"],
    ),
]


@pytest.mark.parametrize(
    ("obj", "pods", "status", "reason", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in DEPLOYMENT_CASES],
)
def test_deployment(
    obj: Obj, pods: list[Obj], status: Status, reason: str, message: list[str]
) -> None:
    state = _eval(obj, *pods)
    assert (state.status, state.reason) == (status, reason), state.message
    for part in message:
        assert part in state.message


def test_replica_failure_on_the_replica_set_counts() -> None:
    rs = replica_set(
        replicas=3, conditions=[condition("ReplicaFailure", "True", 15, "FailedCreate", QUOTA)]
    )
    state = _eval(deployment(current=2, ready=2), *_healthy_pods(2), replica_sets=[rs])
    assert (state.status, state.reason) == (Status.NOT_READY, "ReplicaFailure")
    assert QUOTA in state.message


def test_quota_error_is_quoted_even_after_the_deadline_passes() -> None:
    conditions = [
        *_progress_deadline(),
        workload_condition("ReplicaFailure", "True", 15, "FailedCreate", QUOTA),
    ]
    state = _eval(deployment(current=2, ready=2, conditions=conditions))
    assert state.status is Status.NOT_READY
    assert QUOTA in state.message
    assert DEADLINE in state.message


def test_progress_deadline_names_the_failing_pods_as_cause() -> None:
    obj = deployment(ready=2, updated=1, current=3, available=2, conditions=_progress_deadline())
    image_pod = _web_pod(
        0,
        statuses=[
            waiting(
                "web",
                "ImagePullBackOff",
                'Back-off pulling image "registry.example.com/shop/web:2.5.0"',
            )
        ],
        conditions=NOT_READY,
    )
    state = _eval(obj, image_pod, *_healthy_pods(3)[1:])
    assert state.reason == "ProgressDeadlineExceeded"
    assert "Cause:" in state.message
    assert "web-7d9f8b6c5d-ax9z0" in state.message


def test_image_pull_back_off_quotes_the_failed_event() -> None:
    name = "web-7d9f8b6c5d-ax9z0"
    failed = 'Failed to pull image "registry.example.com/shop/web:2.5.0": not found'
    bad = _web_pod(
        0,
        statuses=[
            waiting(
                "web",
                "ImagePullBackOff",
                'Back-off pulling image "registry.example.com/shop/web:2.5.0"',
            )
        ],
        conditions=NOT_READY,
    )
    state = _eval(
        _rolling_deployment(),
        bad,
        *_healthy_pods(3)[1:],
        events=[event(name, "Failed", failed, container="web")],
    )
    assert (state.status, state.reason) == (Status.NOT_READY, "ImagePullBackOff")
    assert failed in state.message


def test_several_failing_pods_are_all_named() -> None:
    state = _eval(deployment(ready=0), _crashing(0), _crashing(1), pending_pod())
    assert state.reason == "CrashLoopBackOff"
    assert "Same for web-7d9f8b6c5d-bx9z1" in state.message
    assert "web-7d9f8b6c5d-q8wbn (Unschedulable)" in state.message


def test_paused_deployment_warns_whatever_its_status() -> None:
    paused = {"spec": {"paused": True}}
    for obj, pods in (
        (deployment(overrides=paused), _healthy_pods()),
        (deployment(ready=2, overrides=paused), [_crashing(0), *_healthy_pods(3)[1:]]),
    ):
        state = _eval(obj, *pods)
        assert any("paused" in warning for warning in state.warnings)


def test_new_pod_within_grace_is_waiting_and_rechecks_when_grace_ends() -> None:
    starting = _web_pod(
        2,
        statuses=[running(ready=False, started_minutes_ago=1)],
        conditions=pod_conditions(ready=False, minutes_ago=1),
    )
    state = _eval(deployment(ready=2, available=2), *_healthy_pods(2), starting)
    assert state.status is Status.WAITING
    assert "web-7d9f8b6c5d-cx9z2" in state.message
    assert state.recheck_at == NOW + timedelta(minutes=4)


def test_same_pod_past_grace_is_not_ready() -> None:
    late = _web_pod(
        2,
        statuses=[running(ready=False, started_minutes_ago=30)],
        conditions=pod_conditions(ready=False, minutes_ago=30),
    )
    state = _eval(deployment(ready=2, available=2), *_healthy_pods(2), late)
    assert state.status is Status.NOT_READY
    assert state.recheck_at is None


def test_counts_and_since() -> None:
    state = _eval(_rolling_deployment(), *_healthy_pods())
    assert state.counts == Counts(desired=3, current=4, ready=3, updated=1, available=3)
    assert state.since is not None
    unobserved = _eval(deployment(overrides={"status": None}))
    assert unobserved.since == NOW - timedelta(minutes=900)


def test_replicas_default_to_one() -> None:
    state = _eval(deployment(replicas=None), _web_pod(0))
    assert state.counts.desired == 1
    assert state.status is Status.RUNNING


def test_evicted_leftover_pods_do_not_make_a_healthy_deployment_abnormal() -> None:
    evicted = _web_pod(
        3,
        phase="Failed",
        statuses=[],
        conditions=NOT_READY,
        overrides={
            "status": {"reason": "Evicted", "message": "The node was low on resource: memory."}
        },
    )
    assert _eval(deployment(), *_healthy_pods(), evicted).status is Status.RUNNING


# --- StatefulSet --------------------------------------------------------------------------


def _db_pod(ordinal: int, **kwargs: Any) -> Obj:
    return pod(
        f"db-{ordinal}",
        owned_by=owner("StatefulSet", "db"),
        labels={"app": "db", "apps.kubernetes.io/pod-index": str(ordinal)},
        **kwargs,
    )


ON_DELETE = {"type": "OnDelete"}
PVC_MESSAGE = (
    "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: "
    "0/3 nodes are available: 3 Preemption is not helpful for scheduling."
)

STATEFULSET_CASES: list[tuple[str, Obj, list[Obj], Status, str, list[str]]] = [
    ("all ready", statefulset(), [_db_pod(i) for i in range(3)], Status.RUNNING, "Ready", []),
    (
        "deleting",
        _deleting(statefulset()),
        [_db_pod(i) for i in range(3)],
        Status.DELETING,
        "Deleting",
        ["db-0"],
    ),
    (
        "pod on a lost node",
        statefulset(),
        [_db_pod(0), _db_pod(1), _db_pod(2, node="worker-3")],
        Status.EXCEPTION,
        "NodeLost",
        ["db-2", "worker-3"],
    ),
    (
        "unbound claim",
        statefulset(current=3, ready=2),
        [
            _db_pod(0),
            _db_pod(1),
            pending_pod("db-2", message=PVC_MESSAGE, owned_by=owner("StatefulSet", "db")),
        ],
        Status.NOT_READY,
        "Unschedulable",
        ["db-2", "pod has unbound immediate PersistentVolumeClaims"],
    ),
    (
        "revision rollout unfinished",
        statefulset(updated=1, update_revision="db-6b7c8d9f0"),
        [_db_pod(i) for i in range(3)],
        Status.WAITING,
        "RollingUpdate",
        ["db-6b7c8d9f0", "1 of 3"],
    ),
    (
        "partition reached",
        statefulset(
            updated=1,
            update_revision="db-6b7c8d9f0",
            strategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 2}},
        ),
        [_db_pod(i) for i in range(3)],
        Status.RUNNING,
        "Ready",
        [],
    ),
    (
        "partition not reached yet",
        statefulset(
            updated=0,
            update_revision="db-6b7c8d9f0",
            strategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 2}},
        ),
        [_db_pod(i) for i in range(3)],
        Status.WAITING,
        "RollingUpdate",
        ["partition 2"],
    ),
    (
        "partition with revisions not named yet: the counters say it",
        statefulset(
            updated=0,
            current_revision="",
            strategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 1}},
        ),
        [_db_pod(i) for i in range(3)],
        Status.WAITING,
        "RollingUpdate",
        ["a new revision", "0 of 2", "partition 1"],
    ),
    (
        "on delete skips the updated check",
        statefulset(updated=0, update_revision="db-6b7c8d9f0", strategy=ON_DELETE),
        [_db_pod(i) for i in range(3)],
        Status.RUNNING,
        "Ready",
        [],
    ),
    (
        "scaling up one at a time",
        statefulset(replicas=3, current=2),
        [_db_pod(0), _db_pod(1)],
        Status.WAITING,
        "ScalingUp",
        ["one at a time"],
    ),
    (
        "generation not observed",
        statefulset(generation=3, observed=2),
        [_db_pod(i) for i in range(3)],
        Status.WAITING,
        "GenerationNotObserved",
        [],
    ),
    (
        "running but not ready while nothing rolls out",
        statefulset(ready=2),
        [
            _db_pod(0),
            _db_pod(1),
            _db_pod(
                2,
                statuses=[running("postgres", ready=False, started_minutes_ago=300)],
                conditions=NOT_READY,
            ),
        ],
        Status.NOT_READY,
        "ContainersNotReady",
        ["db-2"],
    ),
]


@pytest.mark.parametrize(
    ("obj", "pods", "status", "reason", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in STATEFULSET_CASES],
)
def test_statefulset(
    obj: Obj, pods: list[Obj], status: Status, reason: str, message: list[str]
) -> None:
    state = _eval(obj, *pods)
    assert (state.status, state.reason) == (status, reason), state.message
    for part in message:
        assert part in state.message


def test_statefulset_on_delete_warns_about_old_pods() -> None:
    obj = statefulset(updated=1, update_revision="db-6b7c8d9f0", strategy=ON_DELETE)
    state = _eval(obj, *[_db_pod(i) for i in range(3)])
    assert state.status is Status.RUNNING
    assert any("OnDelete" in w and "2 pods" in w for w in state.warnings)


# --- DaemonSet ----------------------------------------------------------------------------


def _exporter(index: int, **kwargs: Any) -> Obj:
    return pod(
        f"node-exporter-{'abc'[index]}7k2p",
        namespace="monitoring",
        node=f"worker-{index + 1}",
        owned_by=owner("DaemonSet", "node-exporter", "monitoring"),
        labels={"app": "node-exporter"},
        **kwargs,
    )


DAEMONSET_CASES: list[tuple[str, Obj, list[Obj], list[Obj], tuple[Status, str], list[str]]] = [
    (
        "all ready",
        daemonset(),
        [_exporter(i) for i in range(3)],
        [node("worker-1"), node("worker-2"), node("worker-3")],
        (Status.RUNNING, "Ready"),
        [],
    ),
    (
        "deleting",
        _deleting(daemonset()),
        [_exporter(i) for i in range(3)],
        NODES,
        (Status.DELETING, "Deleting"),
        [],
    ),
    (
        "pod on a NotReady node",
        daemonset(),
        [_exporter(i) for i in range(3)],
        [node("worker-1"), node("worker-2"), node("worker-3", ready="False", minutes_ago=4)],
        (Status.EXCEPTION, "NodeNotReady"),
        ["node-exporter-c7k2p", "worker-3", "NotReady", "container runtime network not ready"],
    ),
    (
        "crash loop on one node",
        daemonset(ready=2),
        [
            _exporter(0),
            _exporter(1),
            _exporter(2, statuses=[crash_loop("exporter")], conditions=NOT_READY),
        ],
        [node("worker-1"), node("worker-2"), node("worker-3")],
        (Status.NOT_READY, "CrashLoopBackOff"),
        ["node-exporter-c7k2p"],
    ),
    (
        "rolling update",
        daemonset(updated=1),
        [_exporter(i) for i in range(3)],
        [node("worker-1"), node("worker-2"), node("worker-3")],
        (Status.WAITING, "RollingUpdate"),
        ["1 of 3 nodes"],
    ),
    (
        "on delete skips the updated check",
        daemonset(updated=1, strategy={"type": "OnDelete"}),
        [_exporter(i) for i in range(3)],
        [node("worker-1"), node("worker-2"), node("worker-3")],
        (Status.RUNNING, "Ready"),
        [],
    ),
    (
        "pods not yet scheduled on every node",
        daemonset(current=2, updated=2),
        [_exporter(0), _exporter(1)],
        [node("worker-1"), node("worker-2"), node("worker-3")],
        (Status.WAITING, "Scheduling"),
        ["2 of 3"],
    ),
    (
        "ready below desired without pods to blame",
        daemonset(ready=2),
        [],
        [],
        (Status.WAITING, "Progressing"),
        ["2 of 3 nodes ready"],
    ),
    (
        "generation not observed",
        daemonset(generation=4, observed=3),
        [],
        [],
        (Status.WAITING, "GenerationNotObserved"),
        [],
    ),
]


@pytest.mark.parametrize(
    ("obj", "pods", "nodes", "expected", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in DAEMONSET_CASES],
)
def test_daemonset(
    obj: Obj, pods: list[Obj], nodes: list[Obj], expected: tuple[Status, str], message: list[str]
) -> None:
    state = _eval(obj, *pods, nodes=nodes)
    assert (state.status, state.reason) == expected, state.message
    for part in message:
        assert part in state.message


def test_daemonset_warnings() -> None:
    misscheduled = _eval(daemonset(overrides={"status": {"numberMisscheduled": 1}}))
    assert any("numberMisscheduled" in w for w in misscheduled.warnings)
    nowhere = _eval(daemonset(desired=0))
    assert nowhere.status is Status.RUNNING
    assert any("No node is eligible" in w for w in nowhere.warnings)


def test_a_daemonset_not_counted_yet_is_not_scaled_to_zero() -> None:
    uncounted = daemonset()
    del uncounted["status"]["desiredNumberScheduled"]
    state = _eval(uncounted)
    assert (state.status, state.reason) == (Status.WAITING, "NotObserved")
    assert "desiredNumberScheduled is missing" in state.message
    assert not any("No node is eligible" in w for w in state.warnings)


@pytest.mark.parametrize("build", [statefulset, daemonset])
def test_replica_failure_applies_to_every_replicated_kind(build: Any) -> None:
    obj = build(
        overrides={
            "status": {
                "conditions": [condition("ReplicaFailure", "True", 5, "FailedCreate", QUOTA)]
            }
        }
    )
    state = _eval(obj)
    assert (state.status, state.reason) == (Status.NOT_READY, "ReplicaFailure")
    assert QUOTA in state.message
