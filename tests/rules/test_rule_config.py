"""customResources in the configuration: the rules in force (library, ruleFiles, rules, each
over the one before), the kinds watched and how each is judged; every broken rule named by
the configuration file's line and the rule's kind, at load and by ``config check``."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gateway import kinds
from gateway.config import Config, ConfigError, load
from gateway.custom_resources import BUILT_IN, DEFAULT_CONVENTIONS, library
from gateway.rules.rulefile import Family
from gateway.status.model import Status

ROLLOUT = """\
    - group: argoproj.io
      kind: Rollout
      family: long-running
      statuses:
        - when: self.?status.?phase.orValue("") == "Healthy"
          status: Running
          reason: Healthy
          message: '"Healthy, says {0}."'
        - status: Waiting
          reason: NotHealthy
          message: '"Not healthy yet."'
"""
WIDGET = """\
group: example.com
kind: Widget
family: run-to-completion
statuses:
  - when: self.?status.?done.orValue(false)
    status: Execution Complete
    reason: Done
    message: '"Done."'
  - status: Executing
    reason: Working
    message: '"Working."'
"""


def configured(tmp_path: Path, section: str, environ: dict[str, str] | None = None) -> Config:
    return load(write(tmp_path, section), {}, environ or {})


def write(tmp_path: Path, section: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text("server:\n  port: 9000\ncustomResources:\n" + section)
    return path


def failure(tmp_path: Path, section: str) -> str:
    with pytest.raises(ConfigError) as failed:
        configured(tmp_path, section)
    return str(failed.value)


def rollout(phase: str, api_version: str = "argoproj.io/v1alpha1") -> dict[str, object]:
    return {
        "apiVersion": api_version,
        "kind": "Rollout",
        "metadata": {"name": "checkout", "namespace": "shop"},
        "status": {"phase": phase},
    }


def widget_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "rules" / "example.com" / "Widget"
    folder.mkdir(parents=True)
    (folder / "rule.yaml").write_text(WIDGET)
    return tmp_path / "rules"


def test_by_default_every_kind_a_rule_names_is_watched_and_judged_by_its_rule() -> None:
    section = Config().custom_resources
    assert section.watch is None
    assert section.rule_set().by_kind == library().by_kind
    assert section.watched_kinds() == {f"{kind}.{group}" for group, kind in library().by_kind}
    judging = section.judging("Rollout.argoproj.io")
    assert (judging.origin, judging.family) == (BUILT_IN, Family.LONG_RUNNING)
    assert judging.rule is library().by_kind[("argoproj.io", "Rollout")]


def test_an_inline_rule_replaces_the_library_rule_for_its_kind(tmp_path: Path) -> None:
    section = configured(tmp_path, "  rules:\n" + ROLLOUT.format("ours")).custom_resources
    verdict = section.judge(rollout("Healthy"))
    assert (verdict.status, verdict.message) == (Status.RUNNING, "Healthy, says ours.")
    assert section.judge(rollout("Degraded")).reason == "NotHealthy"
    assert section.judging("Rollout.argoproj.io").origin == "customResources.rules[0]"
    assert len(section.rule_set().by_kind) == len(library().by_kind)
    assert (
        section.watched_kinds() == configured(tmp_path, "  {}\n").custom_resources.watched_kinds()
    )


def test_rule_files_then_inline_rules_each_over_the_one_before(tmp_path: Path) -> None:
    folder = widget_folder(tmp_path)
    single = tmp_path / "rollout.yaml"
    single.write_text(
        textwrap.dedent(textwrap.dedent(ROLLOUT.format("the file")).replace("- ", "  ", 1))
    )
    section = configured(
        tmp_path, f"  ruleFiles: [{folder}, {single}]\n  rules:\n" + ROLLOUT.format("inline")
    ).custom_resources
    assert [u.origin for u in section.user_rules()] == [
        str(folder / "example.com" / "Widget" / "rule.yaml"),
        str(single),
        "customResources.rules[0]",
    ]
    assert section.judge(rollout("Healthy")).message == "Healthy, says inline."
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "status": {"done": True}}
    assert section.judge(widget).status is Status.EXECUTION_COMPLETE
    assert "Widget.example.com" in section.watched_kinds()


def test_an_explicit_watch_list_may_name_kinds_without_rules(tmp_path: Path) -> None:
    section = configured(
        tmp_path,
        "  watch: [Rollout.argoproj.io, Gadget.example.com, Gizmo.example.com]\n"
        "  conventions: [{kind: Gadget.example.com, family: run-to-completion}]\n",
    ).custom_resources
    assert section.watched_kinds() == {
        "Rollout.argoproj.io",
        "Gadget.example.com",
        "Gizmo.example.com",
    }
    gadget, gizmo = section.judging("Gadget.example.com"), section.judging("Gizmo.example.com")
    assert (gadget.rule, gadget.family) == (None, Family.RUN_TO_COMPLETION)
    assert (gizmo.family, gizmo.origin) == (Family.LONG_RUNNING, DEFAULT_CONVENTIONS)
    ready = {"type": "Ready", "status": "True"}
    obj = {"apiVersion": "example.com/v1", "kind": "Gadget", "status": {"conditions": [ready]}}
    assert section.judge(obj).status is Status.EXECUTION_COMPLETE
    assert section.judge({**obj, "kind": "Gizmo"}).status is Status.RUNNING
    assert kinds.split("Rollout.argoproj.io") == kinds.GroupKind("Rollout", "argoproj.io")


def test_an_empty_watch_list_watches_no_custom_kind(tmp_path: Path) -> None:
    assert configured(tmp_path, "  watch: []\n").custom_resources.watched_kinds() == frozenset()


def test_unwatched_conventions_widen_the_default_watch(tmp_path: Path) -> None:
    section = configured(tmp_path, "  conventions: [{kind: Gadget.example.com}]\n")
    assert "Gadget.example.com" in section.custom_resources.watched_kinds()


def test_a_rule_for_a_version_it_leaves_out_falls_to_the_conventions_in_its_family(
    tmp_path: Path,
) -> None:
    verdict = Config().custom_resources.judge(rollout("Running", "argoproj.io/v9"))
    assert (verdict.status, verdict.reason) == (Status.RUNNING, "Running")


def test_the_variables_set_the_watch_list_and_the_rule_files(tmp_path: Path) -> None:
    folder = widget_folder(tmp_path)
    environ = {
        "KSG_CUSTOM_RESOURCES_WATCH": "Widget.example.com, Rollout.argoproj.io",
        "KSG_CUSTOM_RESOURCES_RULE_FILES": str(folder),
    }
    section = configured(tmp_path, "  watch: [Rollout.argoproj.io]\n", environ).custom_resources
    assert section.watched_kinds() == {"Widget.example.com", "Rollout.argoproj.io"}
    assert section.judging("Widget.example.com").rule is not None


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("status: Waiting", "status: Executing"),
            "config.yaml:13: customResources.rules[0] (Rollout.argoproj.io): statuses[1].status:"
            " 'Executing' is not a long-running status",
        ),
        (
            ('orValue("") == "Healthy"', 'orValue("") == '),
            "config.yaml:9: customResources.rules[0] (Rollout.argoproj.io): statuses[0].when: CEL:",
        ),
        (
            ("      family: long-running\n", ""),
            "config.yaml:5: customResources.rules[0] (Rollout.argoproj.io): family: long-running"
            " or run-to-completion",
        ),
        (
            ("      kind: Rollout\n", ""),
            "config.yaml:5: customResources.rules[0] (argoproj.io): kind: a kind such as Rollout",
        ),
        (
            ("      family:", "      familly:"),
            "config.yaml:7: customResources.rules[0] (Rollout.argoproj.io): familly: not a rule"
            " field",
        ),
        (
            ("          reason: NotHealthy", "          reason: not healthy"),
            "config.yaml:14: customResources.rules[0] (Rollout.argoproj.io): statuses[1].reason:",
        ),
    ],
)
def test_a_broken_inline_rule_is_named_by_its_line_and_kind(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    text = failure(tmp_path, "  rules:\n" + ROLLOUT.format("ours").replace(*change))
    assert f"{tmp_path}/{expected}" in text


def test_a_rule_that_is_not_a_mapping_and_every_broken_rule_are_reported(tmp_path: Path) -> None:
    broken = ROLLOUT.format("x").replace("status: Waiting", "status: Done")
    text = failure(tmp_path, "  rules:\n    - just a string\n" + broken)
    assert f"{tmp_path}/config.yaml:5: customResources.rules[0]: a rule is a mapping" in text
    assert (
        f"{tmp_path}/config.yaml:14: customResources.rules[1] (Rollout.argoproj.io): "
        "statuses[1].status" in text
    )


def test_two_inline_rules_for_one_kind_are_refused(tmp_path: Path) -> None:
    text = failure(tmp_path, "  rules:\n" + ROLLOUT.format("a") + ROLLOUT.format("b"))
    assert (
        "config.yaml:16: customResources.rules[1] (Rollout.argoproj.io): customResources.rules[0]"
        " is a rule for the same kind already" in text
    )


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ("  watch: [rollout.argoproj.io]\n", "customResources.watch: Value error, 'rollout"),
        ("  watch: [Rollout]\n", "write Kind.group, such as Rollout.argoproj.io"),
        ("  watch: [Rollout.argoproj]\n", "the group has a dot"),
        ("  watch: [A.b.c, A.b.c]\n", "customResources.watch: Value error, A.b.c is listed twice"),
        ("  watch: Rollout.argoproj.io\n", "customResources.watch: Input should be a valid"),
        ("  conventions: [{kind: A.b.c, family: daemon}]\n", "conventions.family"),
        ("  conventions: [{kind: A.b.c}, {kind: A.b.c}]\n", "A.b.c is listed twice"),
        (
            "  watch: [A.b.c]\n  conventions: [{kind: B.b.c}]\n",
            "customResources.conventions[0].kind: B.b.c is not in customResources.watch",
        ),
        ("  rules: {group: a.b}\n", "customResources.rules: Input should be a valid tuple"),
        ("  ruleFile: []\n", "customResources.ruleFile: unknown key (did you mean"),
    ],
)
def test_a_malformed_section_is_named_by_its_key(
    tmp_path: Path, section: str, expected: str
) -> None:
    assert expected in failure(tmp_path, section)


def test_rule_files_that_cannot_be_used(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    assert f"customResources.ruleFiles[0]: {missing}: no such file" in failure(
        tmp_path, f"  ruleFiles: [{missing}]\n"
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "customResources.ruleFiles[0]: " in failure(tmp_path, f"  ruleFiles: [{empty}]\n")
    broken = tmp_path / "widget.yaml"
    broken.write_text(WIDGET.replace("reason: Working", "reason: 'not working'"))
    text = failure(tmp_path, f"  ruleFiles: [{empty}, {broken}]\n")
    assert "no rule.yaml below this folder" in text
    assert f"customResources.ruleFiles[1]: {broken} line 10: statuses[1].reason:" in text


def test_a_rule_that_fails_on_an_object_names_the_configuration_file(tmp_path: Path) -> None:
    unguarded = ROLLOUT.format("x").replace('self.?status.?phase.orValue("")', "self.status.phase")
    section = configured(tmp_path, "  rules:\n" + unguarded).custom_resources
    verdict = section.judge({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout"})
    assert verdict.reason == "RuleError"
    assert f"customResources.rules[0] in {tmp_path}/config.yaml" in verdict.message


def run_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway", "config", "check", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )


def test_config_check_prints_the_rules_in_force_and_the_kinds_watched(tmp_path: Path) -> None:
    folder = widget_folder(tmp_path)
    path = write(
        tmp_path,
        f"  watch: [Rollout.argoproj.io, Widget.example.com, Gadget.example.com]\n"
        f"  ruleFiles: [{folder}]\n  rules:\n" + ROLLOUT.format("ours"),
    )
    ran = run_check(path)
    assert ran.returncode == 0, ran.stderr
    built_in = len(library().by_kind)
    widget = folder / "example.com" / "Widget" / "rule.yaml"
    assert ran.stdout.splitlines()[-7:] == [
        f"# Rules in force: {built_in + 1} ({built_in} built-in, 1 of them replaced by yours;"
        " 2 of yours):",
        f"#   Widget.example.com   run-to-completion, {widget}",
        "#   Rollout.argoproj.io  long-running, customResources.rules[0], replaces the built-in"
        " rule",
        "# Custom kinds watched (customResources.watch): 3:",
        f"#   Gadget.example.com   conventions, long-running, {DEFAULT_CONVENTIONS}",
        "#   Rollout.argoproj.io  rule, long-running, customResources.rules[0]",
        f"#   Widget.example.com   rule, run-to-completion, {widget}",
    ]


def test_config_check_names_each_broken_rule_and_exits_1(tmp_path: Path) -> None:
    path = write(tmp_path, "  rules:\n" + ROLLOUT.format("x").replace("Running", "Done"))
    ran = run_check(path)
    assert ran.returncode == 1
    assert ran.stdout == ""
    assert ran.stderr.startswith(f"error: invalid configuration in {path}:\n")
    assert f"{path}:10: customResources.rules[0] (Rollout.argoproj.io): statuses[0].status:" in (
        ran.stderr
    )


def test_serve_refuses_to_start_with_a_broken_rule(tmp_path: Path) -> None:
    path = write(
        tmp_path, "  rules:\n" + ROLLOUT.format("x").replace("reason: Healthy", "reason: ok")
    )
    ran = subprocess.run(
        [sys.executable, "-m", "gateway", "serve", "--config", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert ran.returncode == 2
    assert f"{path}:11: customResources.rules[0] (Rollout.argoproj.io): statuses[0].reason" in (
        ran.stderr
    )
