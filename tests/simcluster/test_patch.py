"""The three patch formats, on the shapes kubectl sends."""

from __future__ import annotations

from typing import Any

import pytest

from simcluster.errors import ApiError
from simcluster.patch import (
    JSON_PATCH,
    MERGE_PATCH,
    STRATEGIC_MERGE_PATCH,
    apply_patch,
    json_patch,
    merge_patch,
    strategic_merge_patch,
)

POD_SPEC: dict[str, Any] = {
    "containers": [
        {"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}]},
        {"name": "sidecar", "image": "proxy:1"},
    ],
    "tolerations": [{"key": "a", "operator": "Exists"}],
}


def test_merge_patch_merges_objects_and_deletes_with_null() -> None:
    target = {"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {"replicas": 1}}
    patched = merge_patch(
        target, {"metadata": {"labels": {"b": None, "c": "3"}}, "spec": {"replicas": 3}}
    )
    assert patched == {"metadata": {"labels": {"a": "1", "c": "3"}}, "spec": {"replicas": 3}}
    assert target["spec"] == {"replicas": 1}, "the target is not changed"


def test_json_patch_operations() -> None:
    target = {"spec": {"replicas": 1, "list": ["a", "c"]}, "metadata": {"labels": {"x/y": "1"}}}
    patched = json_patch(
        target,
        [
            {"op": "test", "path": "/spec/replicas", "value": 1},
            {"op": "replace", "path": "/spec/replicas", "value": 2},
            {"op": "add", "path": "/spec/list/1", "value": "b"},
            {"op": "add", "path": "/spec/list/-", "value": "d"},
            {"op": "remove", "path": "/metadata/labels/x~1y"},
            {"op": "copy", "from": "/spec/replicas", "path": "/spec/copied"},
            {"op": "move", "from": "/spec/copied", "path": "/spec/moved"},
        ],
    )
    assert patched == {
        "spec": {"replicas": 2, "list": ["a", "b", "c", "d"], "moved": 2},
        "metadata": {"labels": {}},
    }


@pytest.mark.parametrize(
    "operations",
    [
        {"op": "add"},
        [{"op": "replace", "path": "/missing", "value": 1}],
        [{"op": "remove", "path": "/spec/list/9"}],
        [{"op": "test", "path": "/spec", "value": {}}],
        [{"op": "teleport", "path": "/spec"}],
        [{"op": "add", "path": "no-slash", "value": 1}],
    ],
)
def test_bad_json_patches_are_422(operations: Any) -> None:
    with pytest.raises(ApiError) as raised:
        apply_patch(JSON_PATCH, {"spec": {"list": []}}, operations)
    assert raised.value.code == 422


def test_strategic_merge_merges_named_lists() -> None:
    patched = strategic_merge_patch(
        {"spec": POD_SPEC},
        {
            "spec": {
                "containers": [
                    {"name": "app", "image": "app:2", "env": [{"name": "B", "value": "2"}]}
                ],
                "tolerations": [{"key": "b", "operator": "Exists"}],
            }
        },
    )
    containers = patched["spec"]["containers"]
    assert [c["name"] for c in containers] == ["app", "sidecar"]
    assert containers[0]["image"] == "app:2"
    assert containers[0]["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    assert patched["spec"]["tolerations"] == [{"key": "b", "operator": "Exists"}]


def test_strategic_merge_directives() -> None:
    target = {
        "metadata": {"finalizers": ["a", "b"], "labels": {"x": "1", "y": "2"}},
        "spec": POD_SPEC,
    }
    patched = strategic_merge_patch(
        target,
        {
            "metadata": {"finalizers": ["c"], "$deleteFromPrimitiveList/finalizers": ["a"]},
            "spec": {
                "containers": [{"name": "sidecar", "$patch": "delete"}],
                "$setElementOrder/containers": [{"name": "app"}],
            },
        },
    )
    assert patched["metadata"]["finalizers"] == ["b", "c"]
    assert [c["name"] for c in patched["spec"]["containers"]] == ["app"]
    replaced = strategic_merge_patch(
        target, {"metadata": {"labels": {"$patch": "replace", "z": "3"}}}
    )
    assert replaced["metadata"]["labels"] == {"z": "3"}
    retained = strategic_merge_patch(
        {"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}},
        {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}},
    )
    assert retained == {"spec": {"strategy": {"type": "Recreate"}}}


def test_kubectl_scale_and_annotate_shapes() -> None:
    deployment = {"metadata": {"annotations": {"a": "1"}}, "spec": {"replicas": 1}}
    scaled = apply_patch(MERGE_PATCH, deployment, {"spec": {"replicas": 5}})
    assert scaled["spec"]["replicas"] == 5
    annotated = apply_patch(
        STRATEGIC_MERGE_PATCH, deployment, {"metadata": {"annotations": {"b": "2"}}}
    )
    assert annotated["metadata"]["annotations"] == {"a": "1", "b": "2"}


def test_unknown_patch_type_is_415() -> None:
    with pytest.raises(ApiError) as raised:
        apply_patch("application/apply-patch+yaml", {}, {})
    assert raised.value.code == 415
