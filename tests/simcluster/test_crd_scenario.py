"""The ``crds`` scenario: each custom workload reaches the state it is there to show."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from gateway.rules.catalog import RuleSet
from gateway.rules.judge import judge
from simcluster.fleet import SimulatedFleet
from simcluster.scenarios import parse_scenario, parse_scenarios

from .helpers import get_json

GROUPS = ("argoproj.io", "apps.kruise.io", "kubevirt.io", "kubeflow.org", "noise.example.com")


def _field(fleet: SimulatedFleet, kind: str, name: str, namespace: str, path: str) -> Any:
    found: Any = fleet[0].get(kind, name, namespace) or {}
    for part in path.split("."):
        found = (found or {}).get(part) if isinstance(found, dict) else None
    return found


def _is(fleet: SimulatedFleet, case: tuple[str, str, str, str, object]) -> bool:
    kind, name, namespace, path, value = case
    return bool(_field(fleet, kind, name, namespace, path) == value)


async def test_the_crds_scenario_shows_every_custom_story(tmp_path: Path) -> None:
    async with (
        SimulatedFleet(time_scale=40, scenario="crds:3", kubeconfig=tmp_path / "k") as fleet,
        aiohttp.ClientSession(fleet[0].url) as http,
    ):
        cluster = fleet[0]
        groups = await get_json(http, "/apis")
        assert set(GROUPS) <= {g["name"] for g in groups["groups"]}
        crds = await get_json(http, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")
        assert len(crds["items"]) == 8
        expected: list[tuple[str, str, str, str, object]] = [
            ("Rollout", "storefront", "delivery", "status.phase", "Healthy"),
            ("Rollout", "storefront", "delivery", "status.currentStepIndex", 2),
            ("CloneSet", "search", "delivery", "status.readyReplicas", 3),
            ("VirtualMachine", "fedora", "virt", "status.printableStatus", "Running"),
            ("VirtualMachine", "gpu-box", "virt", "status.printableStatus", "ErrorUnschedulable"),
            ("VirtualMachine", "archive", "virt", "status.printableStatus", "Stopped"),
        ]
        for case in expected:
            await cluster.wait_for(partial(_is, fleet, case))
        cluster.clock.advance(90)
        await cluster.wait_for(
            lambda: _field(fleet, "Rollout", "checkout", "delivery", "status.phase") == "Degraded"
        )
        await cluster.wait_for(
            lambda: any(
                c["type"] == "Failed" and c["status"] == "True"
                for c in _field(fleet, "PyTorchJob", "resnet", "training", "status.conditions")
                or ()
            )
        )


VERDICTS = {
    ("Rollout", "storefront"): ("Running", "Healthy"),
    ("Rollout", "checkout"): ("Not Ready", "Degraded"),
    ("Rollout", "payments"): ("Not Ready", "RolloutAborted"),
    ("CloneSet", "search"): ("Running", "Ready"),
    ("VirtualMachine", "fedora"): ("Running", "Ready"),
    ("VirtualMachine", "gpu-box"): ("Not Ready", "ErrorUnschedulable"),
    ("VirtualMachine", "archive"): ("Running", "Stopped"),
    ("VirtualMachineInstance", "fedora"): ("Running", "Ready"),
    ("VirtualMachineInstance", "gpu-box"): ("Not Ready", "ErrorUnschedulable"),
    ("PyTorchJob", "resnet"): ("Exception", "Failed"),
}
"""What the gateway's built-in rules say of the scenario once it has settled."""


def _verdicts(fleet: SimulatedFleet, rules: RuleSet) -> dict[tuple[str, str], tuple[str, str]]:
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for kind, name in VERDICTS:
        obj = next(o for o in fleet[0].list_objects(kind) if o["metadata"]["name"] == name)
        rule = rules.rule_for(obj)
        assert rule is not None, kind
        verdict = judge(rule, obj)
        found[kind, name] = (verdict.status.value, verdict.reason)
    return found


async def test_the_gateway_rules_judge_the_scenario_as_intended(tmp_path: Path) -> None:
    rules = RuleSet.load()
    async with SimulatedFleet(time_scale=40, scenario="crds", kubeconfig=tmp_path / "k") as fleet:
        await fleet[0].wait_for(
            lambda: _field(fleet, "Rollout", "storefront", "delivery", "status.phase") == "Healthy"
        )
        fleet[0].clock.advance(90)
        await fleet[0].wait_for(lambda: _verdicts(fleet, rules) == VERDICTS, within=15)


@pytest.mark.parametrize(("text", "parsed"), [("crds", ("crds", 0)), ("crds:47", ("crds", 47))])
def test_crds_scenarios_parse(text: str, parsed: tuple[str, int]) -> None:
    assert parse_scenario(text) == parsed


def test_scenarios_join_with_a_plus_and_each_is_named_once() -> None:
    assert parse_scenarios("demo+crds:3") == [("demo", 0), ("crds", 3)]
    with pytest.raises(ValueError, match="twice"):
        parse_scenarios("crds+crds:2")
    with pytest.raises(ValueError, match="unknown scenario 'chaos'"):
        parse_scenarios("demo+chaos")
