"""Pods: kubectl's STATUS column, readiness and restarts, and the problem a person acts on."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest

from gateway.status import NodeHealth, PodIssue, PodPhase, evaluate_pod, index_nodes

from .objects import (
    NOW,
    Obj,
    condition,
    container_spec,
    crash_loop,
    event,
    node,
    pending_pod,
    pod,
    pod_conditions,
    running,
    terminated,
    terminated_state,
    ts,
    waiting,
)

NOT_READY = pod_conditions(ready=False, minutes_ago=3)
NOT_INITIALIZED = pod_conditions(ready=False, initialized=False, minutes_ago=3)
INIT = [
    container_spec("migrate", "registry.example.com/shop/migrate:2.4.1"),
    container_spec("seed"),
]
SIDECAR = container_spec("proxy", "envoyproxy/envoy:v1.31.2", restart_policy="Always")
TWO = [container_spec("web"), container_spec("log-shipper", "fluent/fluent-bit:3.1")]
EVICTION = (
    "The node was low on resource: memory. Threshold quantity: 100Mi, available: 91Mi. "
    "Container web was using 1.2Gi, request is 256Mi, has larger consumption of memory. "
)


def _initializing(*init_statuses: Obj, containers: list[Obj] | None = None) -> Obj:
    return pod(
        phase="Pending",
        init_containers=INIT,
        init_statuses=list(init_statuses),
        statuses=containers or [waiting("web", "PodInitializing")],
        conditions=NOT_INITIALIZED,
    )


def _deleted(found: Obj) -> Obj:
    found["metadata"]["deletionTimestamp"] = ts(1)
    found["metadata"]["deletionGracePeriodSeconds"] = 30
    return found


DISPLAY_CASES: list[tuple[str, Obj, str, str]] = [
    ("healthy", pod(), "Running", "1/1"),
    (
        "init 0/2 running first",
        _initializing(running("migrate", ready=False), waiting("seed", "PodInitializing")),
        "Init:0/2",
        "0/1",
    ),
    (
        "init 1/2",
        _initializing(terminated("migrate"), running("seed", ready=False)),
        "Init:1/2",
        "0/1",
    ),
    (
        "init crash loop",
        _initializing(crash_loop("migrate"), waiting("seed", "PodInitializing")),
        "Init:CrashLoopBackOff",
        "0/1",
    ),
    (
        "init failed with a reason",
        _initializing(terminated("migrate", 1, "Error"), waiting("seed", "PodInitializing")),
        "Init:Error",
        "0/1",
    ),
    (
        "init failed without a reason",
        _initializing(terminated("migrate", 3, None), waiting("seed", "PodInitializing")),
        "Init:ExitCode:3",
        "0/1",
    ),
    (
        "init killed by a signal",
        _initializing(
            terminated("migrate", 137, None, signal=9), waiting("seed", "PodInitializing")
        ),
        "Init:Signal:9",
        "0/1",
    ),
    (
        "init image pull",
        _initializing(waiting("migrate", "ImagePullBackOff"), waiting("seed", "PodInitializing")),
        "Init:ImagePullBackOff",
        "0/1",
    ),
    (
        "sidecar started and ready counts as a container",
        pod(init_containers=[SIDECAR], init_statuses=[running("proxy")]),
        "Running",
        "2/2",
    ),
    (
        "sidecar started but not ready",
        pod(
            init_containers=[SIDECAR],
            init_statuses=[running("proxy", ready=False)],
            conditions=NOT_READY,
        ),
        "Running",
        "1/2",
    ),
    (
        "sidecar not started yet blocks initialization",
        pod(
            phase="Pending",
            init_containers=[SIDECAR],
            init_statuses=[{**running("proxy", ready=False), "started": False}],
            statuses=[waiting("web", "PodInitializing")],
            conditions=NOT_INITIALIZED,
        ),
        "Init:0/1",
        "0/2",
    ),
    (
        "completed",
        pod(phase="Succeeded", statuses=[terminated("web")], conditions=NOT_READY),
        "Completed",
        "0/1",
    ),
    (
        "error",
        pod(phase="Failed", statuses=[terminated("web", 1, "Error")], conditions=NOT_READY),
        "Error",
        "0/1",
    ),
    (
        "oom killed",
        pod(phase="Failed", statuses=[terminated("web", 137, "OOMKilled")], conditions=NOT_READY),
        "OOMKilled",
        "0/1",
    ),
    (
        "exit code without reason",
        pod(phase="Failed", statuses=[terminated("web", 42, None)], conditions=NOT_READY),
        "ExitCode:42",
        "0/1",
    ),
    (
        "signal without reason",
        pod(phase="Failed", statuses=[terminated("web", 0, None, signal=15)], conditions=NOT_READY),
        "Signal:15",
        "0/1",
    ),
    (
        "crash loop",
        pod(statuses=[crash_loop()], conditions=NOT_READY),
        "CrashLoopBackOff",
        "0/1",
    ),
    (
        "last container's reason wins, as kubectl walks them backwards",
        pod(
            containers=TWO,
            statuses=[waiting("web", "CreateContainerConfigError"), crash_loop("log-shipper")],
            conditions=NOT_READY,
        ),
        "CreateContainerConfigError",
        "0/2",
    ),
    (
        "completed next to a running ready container, pod ready",
        pod(containers=TWO, statuses=[running("web"), terminated("log-shipper")]),
        "Running",
        "1/2",
    ),
    (
        "completed next to a running container, pod not ready",
        pod(
            containers=TWO,
            statuses=[running("web"), terminated("log-shipper")],
            conditions=NOT_READY,
        ),
        "NotReady",
        "1/2",
    ),
    (
        "container creating",
        pod(phase="Pending", statuses=[waiting("web", "ContainerCreating")], conditions=NOT_READY),
        "ContainerCreating",
        "0/1",
    ),
    ("terminating", _deleted(pod()), "Terminating", "1/1"),
    (
        "a finished pod being deleted keeps its reason",
        _deleted(pod(phase="Succeeded", statuses=[terminated("web")], conditions=NOT_READY)),
        "Completed",
        "0/1",
    ),
    (
        "node lost and deleted",
        _deleted(pod(overrides={"status": {"reason": "NodeLost", "message": "Node is gone"}})),
        "Unknown",
        "1/1",
    ),
    (
        "evicted without container states",
        pod(
            phase="Failed",
            statuses=[],
            conditions=NOT_READY,
            overrides={"status": {"reason": "Evicted", "message": EVICTION}},
        ),
        "Evicted",
        "0/1",
    ),
    (
        "evicted with an unknown container state shows the container's reason",
        pod(
            phase="Failed",
            statuses=[terminated("web", 137, "ContainerStatusUnknown")],
            conditions=NOT_READY,
            overrides={"status": {"reason": "Evicted", "message": EVICTION}},
        ),
        "ContainerStatusUnknown",
        "0/1",
    ),
    (
        "scheduling gated",
        pod(
            node=None,
            phase="Pending",
            conditions=[condition("PodScheduled", "False", 5, "SchedulingGated", "gated")],
            overrides={"spec": {"schedulingGates": [{"name": "example.com/quota-check"}]}},
        ),
        "SchedulingGated",
        "0/1",
    ),
    ("unschedulable", pending_pod(), "Pending", "0/1"),
]


@pytest.mark.parametrize(
    ("found", "reason", "ready"),
    [pytest.param(found, reason, ready, id=name) for name, found, reason, ready in DISPLAY_CASES],
)
def test_display_reason_and_ready_column_match_kubectl(
    found: Obj, reason: str, ready: str, healthy_nodes: Mapping[str, NodeHealth]
) -> None:
    state = evaluate_pod(found, healthy_nodes, NOW)
    assert state.display_reason == reason
    assert f"{state.ready_containers}/{state.total_containers}" == ready


def test_restarts_count_main_containers_once_initialized() -> None:
    found = pod(
        containers=TWO,
        init_containers=[container_spec("migrate")],
        init_statuses=[terminated("migrate", restarts=2)],
        statuses=[running("web", restarts=3), running("log-shipper", restarts=1)],
    )
    assert evaluate_pod(found, {}, NOW).restarts == 4


def test_restarts_include_sidecars_but_not_finished_init_containers() -> None:
    found = pod(
        init_containers=[container_spec("migrate"), SIDECAR],
        init_statuses=[terminated("migrate", restarts=5), running("proxy", restarts=2)],
        statuses=[running("web", restarts=1)],
    )
    state = evaluate_pod(found, {}, NOW)
    assert (state.restarts, state.ready_containers, state.total_containers) == (3, 2, 2)


def test_restarts_while_initializing_count_init_containers() -> None:
    found = _initializing(crash_loop("migrate", restarts=4), waiting("seed", "PodInitializing"))
    assert evaluate_pod(found, {}, NOW).restarts == 4


def test_healthy_pod_has_no_problem_and_phase_running(
    healthy_nodes: Mapping[str, NodeHealth],
) -> None:
    state = evaluate_pod(pod(), healthy_nodes, NOW)
    assert state.phase is PodPhase.RUNNING
    assert state.problem is None
    assert state.ready
    assert (state.namespace, state.node, state.uid) == (
        "shop",
        "worker-1",
        pod()["metadata"]["uid"],
    )
    assert state.since is not None


@pytest.mark.parametrize(
    ("phase", "expected"),
    [
        ("Pending", PodPhase.PENDING),
        ("Running", PodPhase.RUNNING),
        ("Succeeded", PodPhase.SUCCEEDED),
        ("Failed", PodPhase.FAILED),
        ("Unknown", PodPhase.UNKNOWN),
        ("Exploded", PodPhase.UNKNOWN),
    ],
)
def test_every_phase(phase: str, expected: PodPhase) -> None:
    assert evaluate_pod(pod(phase=phase), {}, NOW).phase is expected


def test_missing_phase_reads_as_pending() -> None:
    found = pod(overrides={"status": {"phase": None}})
    assert evaluate_pod(found, {}, NOW).phase is PodPhase.PENDING


# --- problems --------------------------------------------------------------------------


def _problem(found: Obj, nodes: Mapping[str, NodeHealth] | None = None, **kwargs: Any) -> Any:
    state = evaluate_pod(found, nodes or {}, NOW, **kwargs)
    assert state.problem is not None, state
    return state.problem


def test_crash_loop_names_container_exit_code_restarts_and_last_words() -> None:
    found = pod(
        statuses=[crash_loop(exit_code=2, message="panic: dial tcp 10.96.0.12:5432: refused")],
        conditions=NOT_READY,
    )
    problem = _problem(found)
    assert (problem.issue, problem.reason) == (PodIssue.CONTAINER_ERROR, "CrashLoopBackOff")
    for part in ("container web", "web-7d9f8b6c5d-x2x9z", "code 2", "(Error)", "6 times"):
        assert part in problem.message
    assert "panic: dial tcp 10.96.0.12:5432: refused" in problem.message


def test_a_container_that_just_exited_with_an_error_names_its_exit_code() -> None:
    """kubectl shows Error until the kubelet restarts it: not merely "not ready"."""
    found = pod(
        statuses=[terminated(exit_code=3, reason="Error", restarts=1, message="config invalid")],
        conditions=NOT_READY,
    )
    problem = _problem(found)
    assert (problem.issue, problem.reason) == (PodIssue.CONTAINER_ERROR, "Error")
    for part in (
        "Container web",
        "exited with code 3 (Error)",
        "after 1 restart",
        "config invalid",
    ):
        assert part in problem.message


def test_no_ready_condition_is_not_called_a_false_one() -> None:
    conditions = [c for c in pod_conditions(ready=True) if c["type"] != "Ready"]
    found = pod(conditions=conditions, statuses=[running()])
    found["status"]["containerStatuses"][0]["ready"] = True
    state = evaluate_pod(found, {}, NOW, [])
    message = state.problem.message if state.problem else ""
    assert "Ready condition is False" not in message
    assert "no Ready condition" in message


def test_oom_killed_crash_loop_names_the_memory_limit() -> None:
    found = pod(statuses=[crash_loop(exit_code=137, reason="OOMKilled")], conditions=NOT_READY)
    problem = _problem(found)
    assert problem.reason == "OOMKilled"
    assert "memory limit of 256Mi" in problem.message
    assert "restarted 6 times" in problem.message


def test_oom_killed_and_restarting_is_a_container_error_even_while_running() -> None:
    found = pod(
        statuses=[
            running(
                ready=False,
                restarts=3,
                started_minutes_ago=1,
                last=terminated_state(137, "OOMKilled"),
            )
        ],
        conditions=pod_conditions(ready=False, minutes_ago=1),
    )
    problem = _problem(found)
    assert (problem.issue, problem.reason) == (PodIssue.CONTAINER_ERROR, "OOMKilled")


def test_oom_killed_without_a_limit_says_so() -> None:
    spec = container_spec()
    del spec["resources"]["limits"]
    found = pod(
        containers=[spec],
        statuses=[crash_loop(exit_code=137, reason="OOMKilled")],
        conditions=NOT_READY,
    )
    assert "no limit is set" in _problem(found).message


def test_oom_killed_long_ago_and_ready_again_is_fine() -> None:
    found = pod(
        statuses=[running(restarts=1, last=terminated_state(137, "OOMKilled", minutes_ago=90))]
    )
    assert evaluate_pod(found, {}, NOW).problem is None


def test_image_pull_back_off_quotes_the_kubelet_failed_event() -> None:
    name = "web-7d9f8b6c5d-x2x9z"
    failed = (
        'Failed to pull image "registry.example.com/shop/web:2.4.2": rpc error: code = NotFound '
        'desc = failed to pull and unpack image "registry.example.com/shop/web:2.4.2": not found'
    )
    found = pod(
        statuses=[
            waiting(
                "web",
                "ImagePullBackOff",
                'Back-off pulling image "registry.example.com/shop/web:2.4.2"',
                image="registry.example.com/shop/web:2.4.2",
            )
        ],
        conditions=NOT_READY,
    )
    events = [
        event(name, "BackOff", "Back-off pulling image", container="web", kind="Normal"),
        event(name, "Failed", "Error: ErrImagePull", container="web", minutes_ago=5),
        event(name, "Failed", failed, container="web", minutes_ago=2),
    ]
    problem = _problem(found, events=events)
    assert problem.reason == "ImagePullBackOff"
    assert 'cannot pull image "registry.example.com/shop/web:2.4.2"' in problem.message
    assert failed in problem.message


def test_image_pull_without_events_quotes_the_container_message() -> None:
    found = pod(
        statuses=[waiting("web", "ErrImagePull", 'failed to resolve reference "x": unauthorized')],
        conditions=NOT_READY,
    )
    problem = _problem(found)
    assert problem.reason == "ErrImagePull"
    assert "unauthorized" in problem.message


def test_create_container_config_error_quotes_the_missing_secret() -> None:
    found = pod(
        statuses=[
            waiting("web", "CreateContainerConfigError", 'secret "db-credentials" not found')
        ],
        conditions=NOT_READY,
    )
    problem = _problem(found)
    assert (problem.issue, problem.reason) == (
        PodIssue.CONTAINER_ERROR,
        "CreateContainerConfigError",
    )
    assert 'secret "db-credentials" not found' in problem.message
    assert "container web" in problem.message


@pytest.mark.parametrize(
    "reason", ["InvalidImageName", "RunContainerError", "CreateContainerError", "ErrImageNeverPull"]
)
def test_other_container_errors(reason: str) -> None:
    found = pod(statuses=[waiting("web", reason, "it broke")], conditions=NOT_READY)
    problem = _problem(found)
    assert (problem.issue, problem.reason) == (PodIssue.CONTAINER_ERROR, reason)
    assert "it broke" in problem.message


def test_init_container_crash_loop_says_init() -> None:
    found = _initializing(crash_loop("migrate", exit_code=3), waiting("seed", "PodInitializing"))
    problem = _problem(found)
    assert problem.reason == "CrashLoopBackOff"
    assert "init container migrate" in problem.message
    assert "code 3" in problem.message


def test_failed_init_container_blocks_the_pod() -> None:
    found = _initializing(
        terminated("migrate", 1, "Error", message='relation "orders" does not exist'),
        waiting("seed", "PodInitializing"),
    )
    problem = _problem(found)
    assert (problem.issue, problem.reason) == (PodIssue.CONTAINER_ERROR, "InitContainerFailed")
    assert "Init container migrate" in problem.message
    assert 'relation "orders" does not exist' in problem.message


def test_unschedulable_quotes_the_scheduler_and_the_requests() -> None:
    problem = _problem(pending_pod())
    assert (problem.issue, problem.reason) == (PodIssue.UNSCHEDULABLE, "Unschedulable")
    assert (
        "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: "
        "3 No preemption victims found for incoming pod." in problem.message
    )
    assert "web-7d9f8b6c5d-q8wbn" in problem.message
    assert "memory 256Mi" in problem.message


def test_unschedulable_unbound_claim() -> None:
    text = (
        "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    )
    problem = _problem(pending_pod("db-0", message=text))
    assert "pod has unbound immediate PersistentVolumeClaims" in problem.message
    assert "db-0" in problem.message


def test_scheduling_gated_is_starting_and_names_the_gates() -> None:
    found = pod(
        node=None,
        phase="Pending",
        conditions=[condition("PodScheduled", "False", 5, "SchedulingGated", "gated")],
        overrides={"spec": {"schedulingGates": [{"name": "example.com/quota-check"}]}},
    )
    problem = _problem(found)
    assert (problem.issue, problem.reason) == (PodIssue.STARTING, "SchedulingGated")
    assert "example.com/quota-check" in problem.message
    assert "[" not in problem.message


def test_evicted_quotes_the_kubelet() -> None:
    found = pod(
        phase="Failed",
        statuses=[],
        conditions=NOT_READY,
        overrides={"status": {"reason": "Evicted", "message": EVICTION}},
    )
    problem = _problem(found)
    assert (problem.issue, problem.reason) == (PodIssue.FAILED, "Evicted")
    assert "worker-1" in problem.message
    assert "Container web was using 1.2Gi" in problem.message


def test_failed_pod_names_container_and_exit_code() -> None:
    found = pod(
        phase="Failed",
        statuses=[terminated("web", 2, "Error", message="report: upstream timed out")],
        conditions=NOT_READY,
    )
    problem = _problem(found)
    assert (problem.issue, problem.reason) == (PodIssue.FAILED, "Error")
    assert "container web exited with code 2" in problem.message
    assert "report: upstream timed out" in problem.message


def test_failed_pod_killed_by_signal_names_the_signal() -> None:
    found = pod(
        phase="Failed", statuses=[terminated("web", 0, None, signal=9)], conditions=NOT_READY
    )
    problem = _problem(found)
    assert problem.reason == "Signal:9"
    assert "container web" in problem.message


def test_succeeded_pod_has_no_problem() -> None:
    found = pod(phase="Succeeded", statuses=[terminated("web")], conditions=NOT_READY)
    assert evaluate_pod(found, {}, NOW).problem is None


def test_terminating_pod_has_no_problem() -> None:
    state = evaluate_pod(_deleted(pod(statuses=[crash_loop()], conditions=NOT_READY)), {}, NOW)
    assert state.problem is None
    assert state.deleting


# --- unobservable pods -----------------------------------------------------------------


@pytest.mark.parametrize(("ready", "reason"), [("Unknown", "NodeLost"), ("False", "NodeNotReady")])
def test_pod_on_a_node_that_is_not_ready_cannot_be_observed(ready: str, reason: str) -> None:
    nodes = index_nodes([node("worker-1", ready=ready, minutes_ago=7)])
    problem = _problem(pod(), nodes)
    assert (problem.issue, problem.reason) == (PodIssue.UNOBSERVABLE, reason)
    assert "worker-1" in problem.message
    assert ts(7) in problem.message


def test_node_without_ready_condition_is_not_ready() -> None:
    bare = node("worker-1")
    bare["status"]["conditions"] = []
    problem = _problem(pod(), index_nodes([bare]))
    assert problem.issue is PodIssue.UNOBSERVABLE
    assert "never reported" in problem.message


def test_finished_pod_on_a_lost_node_is_not_unobservable() -> None:
    nodes = index_nodes([node("worker-1", ready="Unknown")])
    found = pod(phase="Succeeded", statuses=[terminated("web")], conditions=NOT_READY)
    assert evaluate_pod(found, nodes, NOW).problem is None


def test_phase_unknown_is_unobservable() -> None:
    found = pod(phase="Unknown", overrides={"status": {"message": "kubelet did not report"}})
    problem = _problem(found)
    assert (problem.issue, problem.reason) == (PodIssue.UNOBSERVABLE, "NodeLost")
    assert "kubelet did not report" in problem.message


def test_node_lost_reason_names_the_node() -> None:
    found = _deleted(
        pod(
            node="worker-3",
            overrides={
                "status": {
                    "reason": "NodeLost",
                    "message": "Node worker-3 which was running pod web is unresponsive",
                }
            },
        )
    )
    problem = _problem(found)
    assert (problem.issue, problem.reason) == (PodIssue.UNOBSERVABLE, "NodeLost")
    assert "worker-3" in problem.message


# --- starting, not ready ---------------------------------------------------------------


def test_new_pod_within_grace_is_starting_with_recheck() -> None:
    found = pod(
        statuses=[running(ready=False, started_minutes_ago=2)],
        conditions=pod_conditions(ready=False, minutes_ago=2),
    )
    state = evaluate_pod(found, {}, NOW)
    assert state.problem is not None
    assert (state.problem.issue, state.problem.reason) == (PodIssue.STARTING, "Starting")
    assert state.recheck_at == NOW + timedelta(minutes=3)
    assert not state.abnormal


def test_new_pod_past_grace_is_not_ready_and_quotes_the_probe() -> None:
    found = pod(
        statuses=[running(ready=False, started_minutes_ago=20)],
        conditions=pod_conditions(ready=False, minutes_ago=20),
    )
    probe = event(
        "web-7d9f8b6c5d-x2x9z",
        "Unhealthy",
        "Readiness probe failed: HTTP probe failed with statuscode: 503",
        container="web",
    )
    state = evaluate_pod(found, {}, NOW, [probe])
    assert state.problem is not None
    assert state.problem.issue is PodIssue.NOT_READY
    assert "statuscode: 503" in state.problem.message
    assert state.recheck_at is None


def test_pod_that_was_ready_and_fell_out_is_not_ready_at_once() -> None:
    found = pod(
        statuses=[running(ready=False, started_minutes_ago=300)],
        conditions=pod_conditions(ready=False, minutes_ago=1),
    )
    problem = _problem(found)
    assert problem.issue is PodIssue.NOT_READY
    assert "web-7d9f8b6c5d-x2x9z" in problem.message


def test_readiness_gate_not_ready_quotes_the_kubelet() -> None:
    gate = (
        'corresponding condition of pod readiness gate "target-health.example.com/lb" '
        "does not exist."
    )
    found = pod(
        conditions=pod_conditions(
            ready=False, minutes_ago=30, ready_reason="ReadinessGatesNotReady", ready_message=gate
        ),
        overrides={"spec": {"readinessGates": [{"conditionType": "target-health.example.com/lb"}]}},
    )
    problem = _problem(found)
    assert (problem.issue, problem.reason) == (PodIssue.NOT_READY, "ReadinessGatesNotReady")
    assert "target-health.example.com/lb" in problem.message


def test_container_creating_within_grace_is_starting() -> None:
    found = pod(
        phase="Pending",
        minutes_ago=1,
        statuses=[waiting("web", "ContainerCreating")],
        conditions=pod_conditions(ready=False, minutes_ago=1),
    )
    state = evaluate_pod(found, {}, NOW)
    assert state.problem is not None
    assert state.problem.issue is PodIssue.STARTING
    assert state.recheck_at is not None


def test_pending_past_grace_with_a_mount_failure_is_an_error() -> None:
    found = pod(
        phase="Pending",
        minutes_ago=20,
        statuses=[waiting("web", "ContainerCreating")],
        conditions=pod_conditions(ready=False, minutes_ago=20),
    )
    mount = event(
        "web-7d9f8b6c5d-x2x9z",
        "FailedMount",
        'MountVolume.SetUp failed for volume "config" : configmap "web-config" not found',
    )
    problem = _problem(found, events=[mount])
    assert (problem.issue, problem.reason) == (PodIssue.CONTAINER_ERROR, "FailedMount")
    assert 'configmap "web-config" not found' in problem.message


def test_initializing_pod_says_which_init_container_runs() -> None:
    found = _initializing(terminated("migrate"), running("seed", ready=False))
    problem = _problem(found)
    assert problem.issue is PodIssue.STARTING
    assert problem.reason == "Init:1/2"
    assert "seed" in problem.message


def test_not_ready_without_a_message_while_every_container_is_ready_says_so() -> None:
    conditions = [c for c in pod_conditions() if c["type"] not in ("Ready", "ContainersReady")]
    conditions.append(condition("Ready", "False", 3, "NodeNotReady"))
    state = evaluate_pod(pod("web-1", conditions=conditions), {}, NOW)
    assert state.problem is not None
    assert state.problem.reason == "NodeNotReady"
    assert "containers not ready: []" not in state.message
    assert "Ready condition is False (NodeNotReady)" in state.message
