"""evaluate_custom, the watcher's entry point for custom workloads: the rule or the
conventions, keyed by GroupKind, then the owned pods weighed as the built-in engine weighs
them, by family; Deleting and RuleError are never overridden."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import yaml

from gateway.rules.catalog import RuleSet
from gateway.rules.cel import Reads
from gateway.rules.custom import evaluate_custom
from gateway.rules.fixtures import LIBRARY, rule_files
from gateway.rules.overlay import custom_state
from gateway.rules.rulefile import Family, load_rule, parse_rule
from gateway.status import PodIssue, PodState, Status, evaluate_pod
from gateway.status.fields import parse_time
from tests.status.objects import NOW, crash_loop, pending_pod, pod, terminated

RULES = RuleSet.load()
ROLLOUT = "Rollout.argoproj.io"
PYTORCH = "PyTorchJob.kubeflow.org"


def rollout(phase: str = "Healthy", **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {
            "name": "checkout",
            "namespace": "shop",
            "uid": "r1",
            "creationTimestamp": "2026-11-25T08:00:00Z",
            **meta,
        },
        "spec": {"replicas": 2},
        "status": {
            "phase": phase,
            "message": "more replicas need to be updated" if phase != "Healthy" else "",
            "conditions": [
                {
                    "type": "Progressing",
                    "status": "True",
                    "lastTransitionTime": "2026-11-25T10:00:00Z",
                }
            ],
        },
    }


def pytorch_job(failed: bool = False) -> dict[str, Any]:
    conditions = [{"type": "Running", "status": "True", "reason": "PyTorchJobRunning"}]
    if failed:
        conditions = [
            {
                "type": "Failed",
                "status": "True",
                "reason": "PyTorchJobFailed",
                "message": "1 Worker replica(s) failed.",
                "lastTransitionTime": "2026-11-25T11:00:00Z",
            }
        ]
    return {
        "apiVersion": "kubeflow.org/v1",
        "kind": "PyTorchJob",
        "metadata": {"name": "bert", "namespace": "ml", "uid": "j1"},
        "spec": {"pytorchReplicaSpecs": {"Worker": {"replicas": 2}}},
        "status": {"conditions": conditions, "replicaStatuses": {"Worker": {"active": 2}}},
    }


def states(*manifests: dict[str, Any]) -> list[PodState]:
    return [evaluate_pod(m, {}, NOW) for m in manifests]


def crashing(name: str = "checkout-5d8f7c9b6-q7x2k") -> PodState:
    (found,) = states(pod(name, statuses=[crash_loop()]))
    assert found.problem is not None and found.problem.issue is PodIssue.CONTAINER_ERROR
    return found


def unschedulable(name: str = "checkout-5d8f7c9b6-zz9qw") -> PodState:
    (found,) = states(pending_pod(name))
    assert found.problem is not None and found.problem.issue is PodIssue.UNSCHEDULABLE
    return found


def lost(name: str = "checkout-5d8f7c9b6-lost1") -> PodState:
    gone = pod(name, phase="Unknown", overrides={"status": {"reason": "NodeLost"}})
    (found,) = states(gone)
    assert found.problem is not None and found.problem.issue is PodIssue.UNOBSERVABLE
    return found


def failed(name: str = "bert-worker-1") -> PodState:
    (found,) = states(pod(name, phase="Failed", statuses=[terminated("web", 1, "Error")]))
    assert found.problem is not None and found.problem.issue is PodIssue.FAILED
    return found


def healthy(name: str = "checkout-5d8f7c9b6-ok001") -> PodState:
    (found,) = states(pod(name))
    assert found.problem is None
    return found


def test_a_kind_with_a_rule_is_judged_by_it_and_keyed_by_its_group_kind() -> None:
    state = evaluate_custom(RULES, ROLLOUT, rollout(), NOW, pods=[healthy()])
    assert (state.kind, state.namespace, state.name, state.uid) == (
        ROLLOUT,
        "shop",
        "checkout",
        "r1",
    )
    assert (state.status, state.reason) == (Status.RUNNING, "Healthy")
    # Nothing wrong with a pod: the condition's transition, not the creation, is since.
    assert state.since == parse_time("2026-11-25T10:00:00Z")


def test_a_kind_without_a_rule_follows_the_conventions_by_its_family_hint() -> None:
    thing = {
        "apiVersion": "example.com/v1",
        "kind": "Thing",
        "metadata": {"name": "t", "namespace": "shop", "creationTimestamp": "2026-11-25T09:00:00Z"},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]},
    }
    state = evaluate_custom(RULES, "Thing.example.com", thing, NOW)
    assert (state.kind, state.status, state.reason) == (
        "Thing.example.com",
        Status.RUNNING,
        "Ready",
    )
    assert state.since == parse_time("2026-11-25T09:00:00Z")
    done = evaluate_custom(
        RULES, "Thing.example.com", thing, NOW, family_hint=Family.RUN_TO_COMPLETION
    )
    assert done.status is Status.EXECUTION_COMPLETE


def test_a_kind_nothing_explains_is_no_status_rule_naming_the_kind() -> None:
    thing = {"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "t"}}
    state = evaluate_custom(RULES, "Thing.example.com", thing, NOW)
    assert (state.status, state.reason) == (Status.EXCEPTION, "NoStatusRule")
    assert "No status rule explains Thing.example.com" in state.message


def test_a_long_running_workload_with_a_crash_looping_pod_is_not_ready_naming_it() -> None:
    pods = [healthy(), crashing()]
    state = evaluate_custom(RULES, ROLLOUT, rollout(), NOW, pods=pods)
    assert (state.status, state.reason) == (Status.NOT_READY, "CrashLoopBackOff")
    assert "checkout-5d8f7c9b6-q7x2k" in state.message
    assert pods[1].problem is not None and state.since == pods[1].problem.since


def test_a_rollout_under_way_expects_pods_not_ready_but_not_unschedulable() -> None:
    starting = states(pod("checkout-5d8f7c9b6-new01", minutes_ago=1, statuses=[]))
    waiting = evaluate_custom(RULES, ROLLOUT, rollout("Progressing"), NOW, pods=starting)
    assert (waiting.status, waiting.reason) == (Status.WAITING, "Progressing")
    stuck = evaluate_custom(RULES, ROLLOUT, rollout("Progressing"), NOW, pods=[unschedulable()])
    assert (stuck.status, stuck.reason) == (Status.NOT_READY, "Unschedulable")
    assert "checkout-5d8f7c9b6-zz9qw cannot be scheduled" in stuck.message


def test_a_rule_s_own_failure_keeps_its_reason_and_names_the_pod_as_the_cause() -> None:
    state = evaluate_custom(RULES, ROLLOUT, rollout("Degraded"), NOW, pods=[crashing()])
    assert (state.status, state.reason) == (Status.NOT_READY, "Degraded")
    assert "The rollout is degraded" in state.message
    assert "Cause: " in state.message and "checkout-5d8f7c9b6-q7x2k" in state.message


def test_an_unobservable_pod_makes_either_family_exception() -> None:
    long_running = evaluate_custom(RULES, ROLLOUT, rollout(), NOW, pods=[lost()])
    assert (long_running.status, long_running.reason) == (Status.EXCEPTION, "NodeLost")
    assert "checkout-5d8f7c9b6-lost1" in long_running.message
    run = evaluate_custom(RULES, PYTORCH, pytorch_job(), NOW, pods=[lost("bert-worker-0")])
    assert (run.status, run.reason) == (Status.EXCEPTION, "NodeLost")


def test_a_run_to_completion_workload_follows_the_job_rules() -> None:
    # Still running: failing pods are warnings, as for a Job that may yet succeed.
    running = evaluate_custom(RULES, PYTORCH, pytorch_job(), NOW, pods=[crashing(), failed()])
    assert running.status is Status.EXECUTING
    assert any("crash-looping" in w for w in running.warnings)
    assert any("1 pod failed" in w and "bert-worker-1" in w for w in running.warnings)
    # Failed: the message ends with the latest pod failure, as a Job's does.
    over = evaluate_custom(RULES, PYTORCH, pytorch_job(failed=True), NOW, pods=[failed()])
    assert (over.status, over.reason) == (Status.EXCEPTION, "Failed")
    assert "Last failure: Pod bert-worker-1 failed" in over.message


def test_deleting_wins_over_any_pod() -> None:
    gone = rollout(deletionTimestamp="2026-11-25T11:59:00Z", finalizers=["example.com/hold"])
    state = evaluate_custom(RULES, ROLLOUT, gone, NOW, pods=[crashing(), lost()])
    assert (state.status, state.reason) == (Status.DELETING, "Deleting")
    assert "example.com/hold" in state.message
    assert state.since == parse_time("2026-11-25T11:59:00Z")


def test_a_rule_error_is_still_named_whatever_the_pods() -> None:
    broken = parse_rule(
        {
            "group": "argoproj.io",
            "kind": "Rollout",
            "family": "run-to-completion",
            "statuses": [
                {
                    "when": "self.status.missing",
                    "status": "Executing",
                    "reason": "Busy",
                    "message": '"busy"',
                },
                {"status": "Waiting", "reason": "Idle", "message": '"idle"'},
            ],
        },
        source="broken.yaml",
    )
    for family in Family:
        rules = RuleSet([dataclasses.replace(broken, family=family)])
        state = evaluate_custom(rules, ROLLOUT, rollout(), NOW, pods=[failed(), crashing()])
        assert (state.status, state.reason) == (Status.EXCEPTION, "RuleError")
        assert "argoproj.io/Rollout" in state.message and "statuses[0].when" in state.message
        assert "Last failure" not in state.message and "Cause" not in state.message


WIDGET_RULE: dict[str, Any] = {
    "group": "example.com",
    "kind": "Widget",
    "family": "long-running",
    "statuses": [
        {
            "when": 'pods.exists(p, p.issue == "unschedulable")',
            "status": "Not Ready",
            "reason": "NoRoom",
            "message": '"launcher " + pods.filter(p, p.issue == "unschedulable")[0].name + '
            '" is " + pods.filter(p, p.issue == "unschedulable")[0].phase + ": " + '
            'pods.filter(p, p.issue == "unschedulable")[0].reason',
        },
        {
            "when": "podCounts.total > 0 && podCounts.ready == podCounts.total",
            "status": "Running",
            "reason": "AllReady",
            "message": 'string(podCounts.ready) + " of " + string(podCounts.total) + " ready"',
        },
        {"status": "Waiting", "reason": "NoPods", "message": '"no pods"'},
    ],
}
WIDGET = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}


def test_rules_read_the_pods_and_their_counts() -> None:
    rules = RuleSet([parse_rule(WIDGET_RULE)])
    stuck = evaluate_custom(rules, "Widget.example.com", WIDGET, NOW, pods=[unschedulable("l-1")])
    assert (stuck.reason, stuck.message.split(" Cause")[0]) == (
        "NoRoom",
        "launcher l-1 is Pending: Unschedulable.",
    )
    ready = evaluate_custom(
        rules, "Widget.example.com", WIDGET, NOW, pods=[healthy(), healthy("b")]
    )
    assert (ready.status, ready.message) == (Status.RUNNING, "2 of 2 ready")
    assert evaluate_custom(rules, "Widget.example.com", WIDGET, NOW).reason == "NoPods"


@pytest.mark.parametrize(
    ("text", "fields", "variables"),
    [
        ('self.?status.?phase.orValue("") == "x"', {"status": {"phase"}}, set()),
        (
            "has(self.spec) && self.status.conditions.exists(c, true)",
            {"spec": None, "status": {"conditions"}},
            set(),
        ),
        ("self.all(k, k != 'x')", None, set()),
        ('self["status"]', None, set()),
        ('"self and pods, in words" + self.metadata.name', {"metadata": {"name"}}, set()),
        ("self.status.orValue({}) == {}", {"status": None}, set()),
        ("podCounts.total > 0 && pods.size() > 0", {}, {"pods", "podCounts"}),
        # Literals this reading does not parse are read word by word: more, never less.
        ("'''it's''' + self.status.phase + 'pods'", {"status": {"phase"}}, {"pods"}),
        ('r"a\\" + self.spec.x + "b"', {"spec": {"x"}}, set()),
    ],
)
def test_a_rule_binds_what_its_expressions_can_read(
    text: str, fields: dict[str, set[str] | None] | None, variables: set[str]
) -> None:
    reads = Reads.of(text)
    if fields is None:
        assert reads.fields is None
    else:
        assert reads.fields == {k: None if v is None else frozenset(v) for k, v in fields.items()}
    assert reads.variables == variables


def test_every_library_fixture_is_judged_alike_with_the_whole_object_bound() -> None:
    compared = 0
    for path in rule_files(LIBRARY):
        rule = load_rule(path)
        whole = dataclasses.replace(rule, reads=Reads(None, rule.reads.variables))
        for fixture in sorted((path.parent / "fixtures").glob("*.yaml")):
            loaded = yaml.safe_load(fixture.read_text())
            pods = [evaluate_pod(p, {}, NOW) for p in loaded.get("pods") or ()]
            obj = loaded["object"]
            assert custom_state(whole, obj, pods) == custom_state(rule, obj, pods), fixture
            compared += 1
    assert compared > 100
