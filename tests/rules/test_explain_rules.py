"""`explain` judges custom resources by the built-in rules, and by the user's with --rules
(which replace a built-in one for the same kind); a broken rule stops it with where."""

from __future__ import annotations

from pathlib import Path

import yaml

from gateway.rules.fixtures import LIBRARY
from tests.explaining import Explain, Run

WIDGET_RULE = """\
group: example.com
kind: Widget
family: long-running
statuses:
  - when: self.?status.?phase.orValue("") == "Broken"
    status: Not Ready
    reason: Broken
    message: '"The widget is broken."'
  - status: Running
    reason: Fine
    message: '"All good."'
"""


def manifests(tmp_path: Path) -> Path:
    fixture = LIBRARY / "argoproj.io" / "Rollout" / "fixtures" / "aborted.yaml"
    rollout = yaml.safe_load(fixture.read_text())["object"]
    widget = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w1", "namespace": "shop"},
        "status": {"phase": "Broken"},
    }
    path = tmp_path / "objects.yaml"
    path.write_text(yaml.safe_dump_all([rollout, widget]))
    return path


def test_built_in_rules_judge_custom_resources(explain: Explain, tmp_path: Path) -> None:
    found: Run = explain(manifests(tmp_path), "-o", "json")
    rows = {(r["kind"], r["name"]): r for r in found.lines()}
    assert (rows[("Rollout", "checkout")]["status"], rows[("Rollout", "checkout")]["reason"]) == (
        "Not Ready",
        "RolloutAborted",
    )
    assert ("Widget", "w1") not in rows
    assert "skipped objects that are not workloads or pods: 1 Widget" in found.err


def test_rules_from_a_folder_add_kinds(explain: Explain, tmp_path: Path) -> None:
    folder = tmp_path / "rules" / "example.com" / "Widget"
    folder.mkdir(parents=True)
    (folder / "rule.yaml").write_text(WIDGET_RULE)
    found = explain("--rules", tmp_path / "rules", manifests(tmp_path))
    assert found.code == 0, found.err
    table = found.out
    assert "Widget" in table and "Broken" in table and "The widget is broken." in table
    assert "RolloutAborted" in table


def test_a_broken_rule_stops_explain_with_where(explain: Explain, tmp_path: Path) -> None:
    rule = tmp_path / "rule.yaml"
    rule.write_text(WIDGET_RULE.replace("status: Not Ready", "status: Executing"))
    found = explain("--rules", rule, manifests(tmp_path))
    assert found.code == 2
    assert f"{rule} line 6: statuses[0].status" in found.err
