"""The engine is a total function: no input makes it raise, and broken input says what broke.

Hypothesis feeds it arbitrary JSON-like values and realistic objects with fields
deleted or replaced by values of the wrong type. Every result must carry a status
legal for its kind; a reason of ``EvaluationError`` would mean a crash reached the
engine's last safety net instead of being explained, so it must never appear.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.status import (
    STATUSES_BY_KIND,
    Kind,
    PodPhase,
    Status,
    WorkloadState,
    evaluate,
    evaluate_pod,
    evaluate_workload,
    index_nodes,
)
from gateway.status.pods import _evaluate, _healthy_running

from .objects import (
    NOW,
    Obj,
    crash_loop,
    cronjob,
    daemonset,
    deployment,
    event,
    job,
    job_condition,
    node,
    owner,
    pending_pod,
    pod,
    pod_conditions,
    replica_set,
    running,
    statefulset,
    terminated,
    waiting,
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BROKEN_REASONS = {"InvalidObject", "UnsupportedKind"}

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
wrong_values: st.SearchStrategy[Any] = st.one_of(
    json_scalars,
    st.lists(json_scalars, max_size=3),
    st.dictionaries(st.sampled_from(["type", "status", "name", "x"]), json_scalars, max_size=3),
    st.just("2026-13-45T99:99:99Z"),
    st.just([{}]),
)
kinds = st.one_of(st.sampled_from([k.value for k in Kind]), st.text(max_size=8), json_scalars)


def _check(state: WorkloadState) -> None:
    assert isinstance(state, WorkloadState)
    assert state.reason != "EvaluationError", state.message
    assert state.reason
    for text in (state.kind, state.namespace, state.name, state.uid, state.reason, state.message):
        assert isinstance(text, str)
    assert all(isinstance(warning, str) for warning in state.warnings)
    if state.kind in STATUSES_BY_KIND:
        assert state.status in STATUSES_BY_KIND[Kind(state.kind)], state
    else:
        assert state.status is Status.EXCEPTION
        assert state.reason in BROKEN_REASONS
    if state.reason in BROKEN_REASONS:
        # The workload itself, or one of its pods ("Pod x cannot be read: ...").
        assert "cannot be evaluated" in state.message or "cannot be read" in state.message
        assert state.message.endswith(".")


# --- arbitrary input ----------------------------------------------------------------------


@SETTINGS
@given(value=json_values)
def test_any_value_at_all(value: Any) -> None:
    _check(evaluate(value, NOW))
    _check(evaluate_workload(value, NOW))
    pod_state = evaluate_pod(value, {}, NOW) if isinstance(value, dict) else None
    if pod_state is not None:
        assert isinstance(pod_state.phase, PodPhase)


@SETTINGS
@given(
    kind=kinds,
    metadata=json_values,
    spec=json_values,
    status=json_values,
    dependents=st.lists(json_values, max_size=3),
)
def test_any_shape_with_any_kind(
    kind: Any, metadata: Any, spec: Any, status: Any, dependents: list[Any]
) -> None:
    obj = {"kind": kind, "metadata": metadata, "spec": spec, "status": status}
    _check(
        evaluate(
            obj,
            NOW,
            pods=dependents,
            replica_sets=dependents,
            jobs=dependents,
            nodes=dependents,
            events=dependents,
        )
    )


def test_non_objects_say_what_they_are() -> None:
    for value, name in (
        ([], "a list"),
        ("Deployment", "a str"),
        (None, "a NoneType"),
        (3, "an int"),
    ):
        state = evaluate(value, NOW)
        assert state.reason == "InvalidObject"
        assert f"the object is {name}, expected an object" in state.message


def test_unknown_kind_names_it_and_the_known_ones() -> None:
    state = evaluate({"kind": "ReplicationController", "metadata": {"name": "old"}}, NOW)
    assert (state.status, state.reason) == (Status.EXCEPTION, "UnsupportedKind")
    assert "'ReplicationController' is not a workload kind" in state.message
    assert "Deployment" in state.message
    assert state.name == "old"


def test_missing_kind() -> None:
    state = evaluate({"metadata": {"name": "x"}, "spec": {}}, NOW)
    assert state.reason == "UnsupportedKind"
    assert "None" in state.message


def test_wrong_types_are_named_with_their_path() -> None:
    obj = deployment(overrides={"status": {"replicas": "three"}})
    state = evaluate(obj, NOW)
    assert (state.status, state.reason) == (Status.EXCEPTION, "InvalidObject")
    assert "Deployment web cannot be evaluated" in state.message
    assert "status.replicas is a str ('three'), expected an integer" in state.message
    broken = deployment(overrides={"metadata": "web", "spec": {"replicas": 3}})
    state = evaluate(broken, NOW)
    assert state.reason == "InvalidObject"
    assert "metadata is a str ('web'), expected an object" in state.message


def test_cronjob_that_cannot_be_read_is_waiting_since_it_has_no_exception() -> None:
    state = evaluate({"kind": "CronJob", "metadata": ["nightly"], "spec": {}}, NOW)
    assert (state.status, state.reason) == (Status.WAITING, "InvalidObject")
    assert "metadata is a list" in state.message


# --- realistic objects, broken one field at a time ---------------------------------------


def _deployment_scenario() -> dict[str, Any]:
    pods = [
        pod("web-7d9f8b6c5d-a1", statuses=[crash_loop()], conditions=pod_conditions(ready=False)),
        pod(
            "web-7d9f8b6c5d-a2",
            statuses=[waiting("web", "ImagePullBackOff", "Back-off")],
            conditions=pod_conditions(ready=False),
        ),
        pending_pod("web-7d9f8b6c5d-a3"),
        pod("web-7d9f8b6c5d-a4", node="worker-2"),
        pod(
            "web-7d9f8b6c5d-a5",
            statuses=[running(ready=False, started_minutes_ago=1)],
            conditions=pod_conditions(ready=False, minutes_ago=1),
        ),
    ]
    return {
        "obj": deployment(current=5, ready=2, updated=3),
        "pods": pods,
        "replica_sets": [replica_set()],
        "jobs": [],
        "nodes": [node("worker-1"), node("worker-2", ready="Unknown")],
        "events": [event("web-7d9f8b6c5d-a2", "Failed", "Failed to pull image", container="web")],
    }


def _scenario(kind: str) -> dict[str, Any]:
    if kind == "Deployment":
        return _deployment_scenario()
    empty: dict[str, Any] = {"pods": [], "replica_sets": [], "jobs": [], "nodes": [], "events": []}
    if kind == "StatefulSet":
        sts = statefulset(updated=1, update_revision="db-2", ready=2)
        db = [pod(f"db-{i}", owned_by=owner("StatefulSet", "db")) for i in range(3)]
        return {**empty, "obj": sts, "pods": db, "nodes": [node("worker-1")]}
    if kind == "DaemonSet":
        ds = daemonset(ready=2)
        return {**empty, "obj": ds, "pods": [pod("ne-1", statuses=[crash_loop()])]}
    if kind == "Job":
        failed = pod(
            "report-1",
            phase="Failed",
            statuses=[terminated("report", 1, "Error")],
            init_containers=[{"name": "init", "image": "busybox"}],
            init_statuses=[terminated("init")],
        )
        return {
            **empty,
            "obj": job(
                active=1,
                failed=1,
                conditions=[job_condition("Suspended", "JobResumed", "resumed", 9)],
            ),
            "pods": [failed, pod("report-2")],
        }
    return {
        **empty,
        "obj": cronjob(last_schedule_minutes_ago=30, active=["nightly-report-1"], time_zone="UTC"),
        "jobs": [job(conditions=[job_condition("Failed", "BackoffLimitExceeded", "limit")])],
    }


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield (*prefix, key)
            yield from _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield (*prefix, index)
            yield from _paths(inner, (*prefix, index))


def _dotted(path: tuple[Any, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _mutate(target: Any, path: tuple[Any, ...], value: Any, delete: bool) -> None:
    parent = target
    for part in path[:-1]:
        parent = parent[part]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value


@st.composite
def broken_scenarios(draw: st.DrawFn) -> tuple[dict[str, Any], list[str]]:
    scenario = copy.deepcopy(_scenario(draw(st.sampled_from([k.value for k in Kind]))))
    touched: list[str] = []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = [path for path in _paths(scenario) if len(path) > 1]
        path = draw(st.sampled_from(paths))
        _mutate(scenario, path, draw(wrong_values), draw(st.booleans()))
        # Paths as the message would name them: inside the workload, or inside a pod.
        touched.append(_dotted(path[1:] if path[0] == "obj" else path[2:]))
    return scenario, touched


def _names_a_touched_field(message: str, touched: list[str]) -> bool:
    """The message names the broken field or the object holding it (``status.x[0]`` for ``.y``)."""
    for path in touched:
        parts = re.split(r"\.|(?=\[)", path)
        for length in range(len(parts), 0, -1):
            prefix = ".".join(parts[:length]).replace(".[", "[")
            if prefix and prefix in message:
                return True
    return not any(touched) or "is missing" in message


@SETTINGS
@given(case=broken_scenarios())
def test_realistic_objects_with_broken_fields(case: tuple[dict[str, Any], list[str]]) -> None:
    scenario, touched = case
    state = evaluate(
        scenario["obj"],
        NOW,
        pods=scenario["pods"],
        replica_sets=scenario["replica_sets"],
        jobs=scenario["jobs"],
        nodes=scenario["nodes"],
        events=scenario["events"],
    )
    _check(state)
    if state.reason == "InvalidObject":
        assert _names_a_touched_field(state.message, touched), (state.message, touched)


@st.composite
def broken_pods(draw: st.DrawFn) -> tuple[Obj, str]:
    found = copy.deepcopy(
        draw(
            st.sampled_from(
                [
                    pod(),
                    pod(statuses=[crash_loop()], conditions=pod_conditions(ready=False)),
                    pending_pod(),
                    pod(
                        init_containers=[{"name": "proxy", "restartPolicy": "Always"}],
                        init_statuses=[running("proxy")],
                    ),
                    pod(phase="Failed", statuses=[terminated("web", 137, "OOMKilled")]),
                ]
            )
        )
    )
    path = draw(st.sampled_from(list(_paths(found))))
    _mutate(found, path, draw(wrong_values), draw(st.booleans()))
    return found, _dotted(path)


@SETTINGS
@given(case=broken_pods(), unready_node=st.booleans())
def test_pods_with_broken_fields(case: tuple[Obj, str], unready_node: bool) -> None:
    found, path = case
    nodes = index_nodes([node("worker-1", ready="False" if unready_node else "True")])
    state = evaluate_pod(found, nodes, NOW, [event("web-7d9f8b6c5d-x2x9z", "Unhealthy", "probe")])
    assert isinstance(state.phase, PodPhase)
    for text in (state.name, state.namespace, state.uid, state.node, state.display_reason):
        assert isinstance(text, str)
    assert state.display_reason != "EvaluationError", state.message
    if state.display_reason == "InvalidObject":
        assert state.problem is not None
        assert _names_a_touched_field(state.message, [path]), (state.message, path)
    _check(evaluate_workload(deployment(), NOW, pods=[state]))


# --- the fast path agrees with the full evaluation ---------------------------------------

healthy_pods = st.builds(
    lambda restarts, containers, minutes, sidecar: pod(
        containers=[{"name": f"c{i}", "image": "app:1"} for i in range(containers)],
        statuses=[
            running(f"c{i}", restarts=restarts, started_minutes_ago=minutes)
            for i in range(containers)
        ],
        init_containers=[{"name": "init", "image": "busybox"}] if sidecar else None,
        init_statuses=[terminated("init")] if sidecar else None,
        minutes_ago=minutes + 1,
    ),
    st.integers(min_value=0, max_value=50),
    st.integers(min_value=1, max_value=3),
    st.floats(min_value=0.5, max_value=10_000),
    st.booleans(),
)


@SETTINGS
@given(found=healthy_pods)
def test_fast_path_matches_the_full_evaluation(found: Obj) -> None:
    nodes = index_nodes([node("worker-1")])
    fast = _healthy_running(found, nodes)
    assert fast is not None
    slow = _evaluate(found, nodes, NOW, (), timedelta(minutes=5))
    assert fast == slow


def _all_builders() -> list[Callable[[], Obj]]:
    return [deployment, statefulset, daemonset, job, cronjob]


def test_every_kind_evaluates_cleanly_as_built() -> None:
    for build in _all_builders():
        _check(evaluate(build(), NOW))
