"""Custom-resource rules as data: the built-in library passes its fixtures, a broken rule
is refused with its file, line and field, judging is total, and `gw rules test` reports."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from gateway.rules.fixtures import LIBRARY, run_folder
from gateway.rules.judge import judge
from gateway.rules.rulefile import RuleError, load_rule, parse_rule
from gateway.status.model import Status

ROOT = Path(__file__).parent.parent.parent

WIDGET: dict[str, Any] = {
    "apiVersion": "example.com/v1",
    "kind": "Widget",
    "metadata": {"name": "w", "namespace": "shop"},
    "status": {"phase": "Ready", "ready": True},
}
RULE: dict[str, Any] = {
    "group": "example.com",
    "kind": "Widget",
    "family": "long-running",
    "statuses": [
        {
            "when": 'self.status.phase == "Broken"',
            "status": "Not Ready",
            "reason": "Broken",
            "message": '"broken: " + self.status.why',
        },
        {"when": "self.status.ready", "status": "Running", "reason": "Ready", "message": '"ok"'},
        {"status": "Waiting", "reason": "Unknown", "message": "self.status.ready"},
    ],
}


def test_the_library_passes_its_fixtures() -> None:
    outcomes = list(run_folder(LIBRARY))
    failed = [f"{o.rule} {o.fixture}: {o.problems}" for o in outcomes if not o.passed]
    assert failed == []
    assert len(outcomes) >= 9


def test_a_status_outside_the_family_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "rule.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            group: example.com
            kind: Widget
            family: long-running
            statuses:
              - when: "true"
                status: Execution Complete
                reason: Done
                message: '"done"'
              - status: Running
                reason: Ok
                message: '"ok"'
            """
        )
    )
    with pytest.raises(RuleError) as refused:
        load_rule(path)
    assert f"{path} line 6: statuses[0].status" in str(refused.value)
    assert "not a long-running status" in str(refused.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"family": "forever"}, "family: long-running or run-to-completion"),
        ({"group": "Not A Group"}, "group: an API group"),
        ({"colour": "red"}, "colour: not a rule field"),
        ({"statuses": []}, "statuses: a list of at least one status"),
    ],
)
def test_rule_fields_are_checked(change: dict[str, object], expected: str) -> None:
    with pytest.raises(RuleError, match=expected):
        parse_rule({**RULE, **change})


def test_cel_errors_are_found_when_the_rule_loads_with_their_position() -> None:
    broken = {
        **RULE,
        "statuses": [{**RULE["statuses"][0], "when": "self.status.phase =="}, RULE["statuses"][2]],
    }
    with pytest.raises(RuleError) as refused:
        parse_rule(broken)
    assert "statuses[0].when: CEL: <input>:1:21: Syntax error" in str(refused.value)
    otherwise = {**RULE, "statuses": RULE["statuses"][:2]}
    with pytest.raises(RuleError, match="the last status has no `when`"):
        parse_rule(otherwise)


def test_judging_is_total() -> None:
    rule = parse_rule(RULE, source="widget.yaml")
    assert judge(rule, WIDGET).status is Status.RUNNING
    # A field read without has(): Exception naming the rule and the field, not a crash.
    broken = {**WIDGET, "status": {"phase": "Broken"}}
    verdict = judge(rule, broken)
    assert (verdict.status, verdict.reason) == (Status.EXCEPTION, "RuleError")
    assert "example.com/Widget" in verdict.message and "statuses[0].message" in verdict.message
    # A `when` that is not a boolean, and a message that is not a string.
    odd = {**WIDGET, "status": {"phase": "Ready", "ready": 2}}
    assert "not a boolean" in judge(rule, odd).message
    waiting = {**WIDGET, "status": {"phase": "Ready", "ready": False}}
    assert "not a string" in judge(rule, waiting).message
    # Deleting is the gateway's to say, whatever the rule.
    gone = {
        **WIDGET,
        "metadata": {**WIDGET["metadata"], "deletionTimestamp": "2026-12-07T10:00:00Z"},
    }
    assert judge(rule, gone).status is Status.DELETING


def test_the_rules_command_reports_each_fixture(tmp_path: Path) -> None:
    folder = tmp_path / "example.com" / "Widget"
    (folder / "fixtures").mkdir(parents=True)
    (folder / "rule.yaml").write_text(
        "group: example.com\nkind: Widget\nfamily: long-running\nstatuses:\n"
        "  - status: Running\n    reason: Ready\n    message: '\"ok\"'\n"
    )
    (folder / "fixtures" / "ready.yaml").write_text(
        "object: {apiVersion: example.com/v1, kind: Widget, metadata: {name: w}}\n"
        "expect: {status: Running, reason: Ready}\n"
    )
    (folder / "fixtures" / "wrong.yaml").write_text(
        "object: {apiVersion: example.com/v1, kind: Widget, metadata: {name: w}}\n"
        "expect: {status: Waiting, reason: Ready}\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "gateway", "rules", "test", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "ok   example.com/Widget ready.yaml" in done.stdout
    assert "FAIL example.com/Widget wrong.yaml" in done.stdout
    assert "status 'Running', expected 'Waiting'" in done.stdout
    assert "1 of 2 fixtures passed, 1 rules" in done.stdout


def test_fixtures_may_carry_the_pods_the_object_owns(tmp_path: Path) -> None:
    folder = tmp_path / "example.com" / "Widget"
    (folder / "fixtures").mkdir(parents=True)
    (folder / "rule.yaml").write_text(
        "group: example.com\nkind: Widget\nfamily: long-running\nstatuses:\n"
        "  - when: podCounts.pending > 0\n    status: Waiting\n    reason: Placing\n"
        "    message: '\"placing \" + pods[0].name'\n"
        "  - status: Running\n    reason: Ready\n    message: '\"ok\"'\n"
    )
    widget = "object: {apiVersion: example.com/v1, kind: Widget, metadata: {name: w}}\n"
    pending = (
        "now: '2026-12-07T12:00:00Z'\npods:\n- apiVersion: v1\n  kind: Pod\n"
        "  metadata: {name: w-1, namespace: shop, creationTimestamp: '2026-12-07T11:00:00Z'}\n"
        "  spec: {containers: [{name: app, image: app:1}]}\n"
        "  status:\n    phase: Pending\n    conditions:\n    - {type: PodScheduled, "
        "status: 'False', reason: Unschedulable, message: no node fits}\n"
    )
    (folder / "fixtures" / "unschedulable.yaml").write_text(
        widget + pending + "expect: {status: Not Ready, reason: Unschedulable, "
        "messageIncludes: [w-1, no node fits]}\n"
    )
    (folder / "fixtures" / "odd.yaml").write_text(
        widget + "pods: 3\nexpect: {status: Running, reason: Ready}\n"
    )
    outcomes = {o.fixture: o for o in run_folder(tmp_path)}
    assert outcomes["unschedulable.yaml"].passed, outcomes["unschedulable.yaml"].problems
    assert outcomes["odd.yaml"].problems == ("`pods:` is a list of pod manifests",)
