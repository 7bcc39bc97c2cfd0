"""Custom workloads through the notifier: parsed by GroupKind, told by kind and group, filtered."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gateway.notify import notices
from gateway.notify.filters import FilterError, parse_filter
from gateway.notify.parse import workload
from tests.notify.transitions import NOT_READY, RUNNING, changed

ROLLOUT = "Rollout.argoproj.io"


def test_a_custom_change_keeps_its_group_kind() -> None:
    change = {
        "type": "CHANGED",
        "cluster": "sim-1",
        "kind": "CUSTOM",
        "groupKind": ROLLOUT,
        "namespace": "shop",
        "name": "checkout",
        "oldStatus": "RUNNING",
        "newStatus": "NOT_READY",
        "reason": "Degraded",
        "time": "2026-03-01T12:00:00+00:00",
        "workload": {"counts": {"ready": 1, "desired": 2}},
    }
    found = workload(change)
    assert found.key == ("sim-1", ROLLOUT, "shop", "checkout")
    assert (found.new_status, found.ready, found.desired) == (NOT_READY, 1, 2)
    built_in = workload({**change, "kind": "STATEFUL_SET", "groupKind": "StatefulSet.apps"})
    assert built_in.kind == "StatefulSet"


def test_a_post_names_the_kind_and_gives_its_group() -> None:
    broken = replace(changed("checkout", RUNNING, NOT_READY, "Degraded"), kind=ROLLOUT)
    notice = notices.problem([broken], [], [broken.id])
    assert notice.headline == "Not Ready: Rollout shop/checkout in sim-1"
    assert ("Workload", "Rollout checkout") in notice.facts
    assert ("API group", "argoproj.io") in notice.facts
    assert notice.items[0]["kind"] == ROLLOUT


def test_a_filter_names_custom_kinds_by_group_kind() -> None:
    chosen = parse_filter('{"kinds": ["Deployment", "Rollout.argoproj.io"]}')
    assert chosen.workload_filter() == {
        "abnormal": True,
        "groupKinds": ["Deployment", ROLLOUT],
    }
    assert chosen.admits_owner(ROLLOUT, "checkout")
    assert chosen.admits_owner("Deployment", "web")
    assert not chosen.admits_owner("VirtualMachine.kubevirt.io", "vm")
    every = parse_filter('{"kinds": ["CUSTOM", "Rollout.argoproj.io"]}')
    assert every.workload_filter() == {"abnormal": True, "kinds": ["CUSTOM"]}
    assert every.admits_owner("VirtualMachine.kubevirt.io", "vm")
    assert not every.admits_owner("Deployment", "web")
    builtins = parse_filter('{"kinds": ["Deployment.apps"]}')
    assert builtins.workload_filter() == {"abnormal": True, "kinds": ["DEPLOYMENT"]}


@pytest.mark.parametrize("kind", ["Rollout", "rollout.argoproj.io", "Deployment.batch"])
def test_a_malformed_kind_is_refused_with_the_form(kind: str) -> None:
    with pytest.raises(FilterError, match=r"unknown kind .* as Kind\.group"):
        parse_filter(f'{{"kinds": ["{kind}"]}}')
