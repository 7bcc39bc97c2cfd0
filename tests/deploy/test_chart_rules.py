"""customResources.* values: the watched kinds and the inline rules in the rendered config.yaml,
the rule files in a ConfigMap mounted read-only, each named by the configuration, and the
whole accepted by the gateway's own loader and ``config check`` as the pod would read it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import helm_python as helm
import pytest
import yaml

from gateway.config import ConfigError
from gateway.status.model import Status
from tests.deploy.chart import FULLNAME, merged, render
from tests.deploy.podconfig import pod_configuration
from tests.deploy.values import CUSTOM_RESOURCES, ROLLOUT_OVERRIDE, WIDGET_RULE

RULES_DIR = "/etc/kube-status-gateway/rules"
CONVENTION_FAMILY_X = {"customResources": {"conventions": [{"kind": "A.b.c", "family": "x"}]}}


def rollout(phase: str) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "checkout", "namespace": "shop"},
        "status": {"phase": phase},
    }


def test_the_values_become_the_configurations_custom_resources(tmp_path: Path) -> None:
    rendered = render(CUSTOM_RESOURCES)
    in_file = yaml.safe_load(pod_configuration(rendered).text)["customResources"]
    assert in_file["watch"] == CUSTOM_RESOURCES["customResources"]["watch"]
    assert in_file["rules"] == [ROLLOUT_OVERRIDE]
    assert in_file["ruleFiles"] == [f"{RULES_DIR}/widget.yaml"]
    rules = rendered.one("ConfigMap", f"{FULLNAME}-rules")
    assert rules["data"] == {"widget.yaml": WIDGET_RULE}
    (mount,) = (m for m in rendered.gateway_container()["volumeMounts"] if m["name"] == "rules")
    assert (mount["mountPath"], mount["readOnly"]) == (RULES_DIR, True)
    assert rendered.gateway_mounts()[RULES_DIR]["configMap"] == {"name": f"{FULLNAME}-rules"}


def test_the_gateway_loads_them_with_the_mounted_rule_file(tmp_path: Path) -> None:
    section = pod_configuration(render(CUSTOM_RESOURCES)).load(tmp_path).custom_resources
    assert section.watched_kinds() == {
        "Rollout.argoproj.io",
        "Widget.example.com",
        "Gadget.example.com",
    }
    assert section.judging("Widget.example.com").origin.endswith("/widget.yaml")
    assert section.judging("Gadget.example.com").rule is None
    assert section.judge(rollout("Healthy")).message == "Healthy, says our own rule."
    assert section.judge(rollout("Degraded")).status is Status.WAITING


def test_config_check_accepts_the_rendered_file_and_lists_the_rules(tmp_path: Path) -> None:
    pod = pod_configuration(render(CUSTOM_RESOURCES))
    machine = {k: v for k, v in os.environ.items() if not k.startswith("KSG_")}
    checked = subprocess.run(
        [sys.executable, "-m", "gateway", "config", "check", str(pod.write(tmp_path))],
        env={**machine, **pod.environ},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr
    assert "# Rules in force:" in checked.stdout
    assert "Rollout.argoproj.io  long-running, customResources.rules[0], replaces" in (
        checked.stdout
    )
    assert "Gadget.example.com   conventions, run-to-completion" in checked.stdout


def test_a_broken_rule_file_stops_the_gateway_naming_it(tmp_path: Path) -> None:
    broken = WIDGET_RULE.replace("status: Executing", "status: Running")
    values = {"customResources": {"ruleFiles": {"widget.yaml": broken}}}
    with pytest.raises(
        ConfigError,
        match=r"ruleFiles\[0\]: .*widget\.yaml line 9: statuses\[1\]\.status: .Running. is not",
    ):
        pod_configuration(render(values)).load(tmp_path)


def test_pods_roll_when_the_rules_change() -> None:
    def annotations(values: dict[str, Any]) -> dict[str, str]:
        found: dict[str, str] = render(values).gateway_pod()["metadata"]["annotations"]
        return found

    first = annotations(CUSTOM_RESOURCES)
    edited = merged(
        CUSTOM_RESOURCES, {"customResources": {"ruleFiles": {"widget.yaml": WIDGET_RULE + "#\n"}}}
    )
    assert annotations(edited)["checksum/rules"] != first["checksum/rules"]
    inline = merged(CUSTOM_RESOURCES, {"customResources": {"rules": []}})
    assert annotations(inline)["checksum/config"] != first["checksum/config"]
    assert "checksum/rules" not in annotations({})


def test_without_values_the_chart_leaves_the_gateways_defaults(tmp_path: Path) -> None:
    rendered = render()
    assert "customResources" not in yaml.safe_load(pod_configuration(rendered).text)
    assert f"{FULLNAME}-rules" not in {m["metadata"]["name"] for m in rendered.manifests}
    none = pod_configuration(render({"customResources": {"watch": []}}))
    assert yaml.safe_load(none.text)["customResources"] == {"watch": []}
    assert none.load(tmp_path).custom_resources.watched_kinds() == frozenset()


@pytest.mark.parametrize(
    ("values", "where"),
    [
        ({"customResources": {"watch": ["rollout.argoproj.io"]}}, "/customResources/watch"),
        ({"customResources": {"ruleFiles": {"a/b.yaml": WIDGET_RULE}}}, "'a/b.yaml' does not"),
        (
            {"customResources": {"conventions": [{"kind": "Widget.example.com", "family": "x"}]}},
            "family",
        ),
        ({"customResources": {"rule": []}}, "rule"),
    ],
)
def test_the_values_schema_refuses_a_malformed_section(values: dict[str, Any], where: str) -> None:
    with pytest.raises(helm.HelmValuesError, match=where):
        render(values)
