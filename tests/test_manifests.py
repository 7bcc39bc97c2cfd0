"""Loading manifests: multi-document YAML, JSON, kubectl's List, the API's typed lists, errors."""

from __future__ import annotations

import json
from pathlib import Path

from gateway.manifests import Loaded, LoadError, load_paths, load_text

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  creationTimestamp: "2026-11-25T06:00:00Z"
spec:
  replicas: 2
"""


def _load(text: str, source: str = "m.yaml", *, as_json: bool = False) -> Loaded:
    loaded = Loaded()
    load_text(text, source, loaded, as_json=as_json)
    return loaded


def _names(loaded: Loaded) -> list[tuple[str, str]]:
    return [(o["kind"], o["metadata"]["name"]) for o in loaded.objects]


def test_multi_document_yaml() -> None:
    text = f"---\n{DEPLOYMENT}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n---\n"
    loaded = _load(text)
    assert _names(loaded) == [("Deployment", "web"), ("Pod", "p")]
    assert loaded.errors == []


def test_a_broken_document_costs_only_itself_and_is_reported_with_its_line() -> None:
    text = (
        DEPLOYMENT
        + "---\n"
        + "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n  namespace: shop\n"
        + "---\n"
        + "apiVersion: v1\nkind: Pod\nmetadata:\n  name: after\n"
    )
    loaded = _load(text, "cluster.yaml")
    assert _names(loaded) == [("Deployment", "web"), ("Pod", "after")]
    (error,) = loaded.errors
    assert error.path == "cluster.yaml"
    assert str(error) == (
        "cluster.yaml:14: invalid YAML: did not find expected ',' or ']' "
        "(while parsing a flow sequence that starts at line 13)"
    )


def test_tab_indentation_is_reported_at_its_line() -> None:
    (error,) = _load("kind: Pod\nmetadata:\n\tname: x\n").errors
    assert error.line == 3


def test_kubectl_list_items_keep_their_own_kinds() -> None:
    listing = {
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {"resourceVersion": ""},
        "items": [
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}},
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1"}},
        ],
    }
    loaded = _load(json.dumps(listing), "list.json", as_json=True)
    assert _names(loaded) == [("Deployment", "web"), ("Pod", "web-1")]


def test_typed_lists_give_their_items_kind_and_api_version() -> None:
    listing = {
        "kind": "PodList",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": "482113"},
        "items": [{"metadata": {"name": "a"}}, {"metadata": {"name": "b"}}],
    }
    loaded = _load(json.dumps(listing), "pods.json", as_json=True)
    assert _names(loaded) == [("Pod", "a"), ("Pod", "b")]
    assert {o["apiVersion"] for o in loaded.objects} == {"v1"}
    deployments = _load(
        "apiVersion: apps/v1\nkind: DeploymentList\nitems:\n- metadata:\n    name: web\n"
    )
    assert deployments.objects == [
        {"metadata": {"name": "web"}, "kind": "Deployment", "apiVersion": "apps/v1"}
    ]


def test_list_items_that_are_not_objects_are_errors() -> None:
    loaded = _load("apiVersion: v1\nkind: List\nitems:\n- 3\n- kind: Pod\n  metadata: {name: p}\n")
    assert _names(loaded) == [("Pod", "p")]
    (error,) = loaded.errors
    assert "items[0] is not an object" in error.message


def test_invalid_json_names_its_line() -> None:
    loaded = _load('{\n  "kind": "Pod",\n  "metadata": {\n}\n', "bad.json", as_json=True)
    (error,) = loaded.errors
    assert error.path == "bad.json"
    assert error.line == 5
    assert error.message.startswith("invalid JSON")


def test_json_in_a_yaml_file() -> None:
    loaded = _load('{"kind": "Pod", "metadata": {"name": "p"}}', "pod.yaml")
    assert _names(loaded) == [("Pod", "p")]


def test_documents_that_are_not_objects() -> None:
    loaded = _load("- a\n- b\n---\njust text\n")
    assert [e.message for e in loaded.errors] == [
        "expected a Kubernetes object, found a list",
        "expected a Kubernetes object, found a str",
    ]
    assert [e.line for e in loaded.errors] == [1, 4]


def test_objects_without_kind() -> None:
    (error,) = _load("metadata:\n  name: x\n").errors
    assert error.message == "object has no kind"


def test_unquoted_timestamps_stay_strings() -> None:
    loaded = _load("kind: Pod\nmetadata:\n  creationTimestamp: 2026-11-25T06:00:00Z\n")
    assert loaded.objects[0]["metadata"]["creationTimestamp"] == "2026-11-25T06:00:00Z"


def test_directories_are_walked_in_order_and_other_files_ignored(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(DEPLOYMENT.replace("web", "second"))
    nested = tmp_path / "nested"
    nested.mkdir()
    (nested / "a.yml").write_text(DEPLOYMENT.replace("web", "nested"))
    (tmp_path / "a.json").write_text(json.dumps({"kind": "Pod", "metadata": {"name": "p"}}))
    (tmp_path / "notes.txt").write_text("kind: Pod\n")
    loaded = load_paths([tmp_path])
    assert _names(loaded) == [("Pod", "p"), ("Deployment", "second"), ("Deployment", "nested")]
    assert loaded.errors == []


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00kind")
    loaded = load_paths([tmp_path / "nope.yaml", binary])
    missing, unreadable = loaded.errors
    assert str(missing) == f"{tmp_path / 'nope.yaml'}: no such file or directory"
    assert unreadable.path == str(binary)
    assert "cannot read" in unreadable.message


def test_load_error_text() -> None:
    assert str(LoadError("a.yaml", 7, "invalid YAML: x")) == "a.yaml:7: invalid YAML: x"
    assert str(LoadError("a.yaml", None, "no such file")) == "a.yaml: no such file"
