"""The JSONPath subset of printer columns and scale paths."""

from __future__ import annotations

from typing import Any

import pytest

from simcluster import jsonpath

OBJ: dict[str, Any] = {
    "spec": {"replicas": 3, "containers": [{"name": "a", "image": "x"}, {"name": "b"}]},
    "status": {
        "conditions": [
            {"type": "Created", "status": "True"},
            {"type": "Ready", "status": "False", "ok": False},
        ]
    },
}


@pytest.mark.parametrize(
    ("path", "found"),
    [
        (".spec.replicas", [3]),
        ("{.spec.replicas}", [3]),
        (".spec.containers[*].name", ["a", "b"]),
        (".spec.containers[1].name", ["b"]),
        (".spec.containers[-1].name", ["b"]),
        (".spec.containers[5].name", []),
        (".spec.containers[*].image", ["x"]),
        (".status.conditions[-1:].type", ["Ready"]),
        ('.status.conditions[?(@.type=="Ready")].status', ["False"]),
        (".status.conditions[?(@.type=='Created')].status", ["True"]),
        ('.status.conditions[?(@.type!="Ready")].type', ["Created"]),
        (".status.conditions[?(@.ok==false)].type", ["Ready"]),
        (".status.missing.deeper", []),
        (".spec.replicas.oops", []),
        ("spec", []),
    ],
)
def test_find(path: str, found: list[Any]) -> None:
    assert jsonpath.find(OBJ, path) == found


def test_assign_makes_the_maps_on_the_way() -> None:
    obj: dict[str, Any] = {"spec": {"replicas": 1}}
    jsonpath.assign(obj, ".spec.replicas", 4)
    jsonpath.assign(obj, ".spec.pytorchReplicaSpecs.Worker.replicas", 2)
    assert obj == {"spec": {"replicas": 4, "pytorchReplicaSpecs": {"Worker": {"replicas": 2}}}}
    assert jsonpath.first(obj, ".spec.replicas") == 4
    assert jsonpath.first(obj, ".spec.nothing") is None
