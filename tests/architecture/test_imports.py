"""The import analysis itself, on small source trees written for each case: the layering
tests can only be trusted if a circle hidden in a function or under TYPE_CHECKING is found."""

from __future__ import annotations

from pathlib import Path

from tests.architecture.imports import circles, edges, imports, layer_violations, nodes


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for package in ("gateway", "schema", "simcluster"):
        (root / package).mkdir(exist_ok=True)
        (root / package / "__init__.py").touch()
    return root


def test_a_circle_through_a_function_level_import_is_found_with_its_files(
    tmp_path: Path,
) -> None:
    root = tree(
        tmp_path,
        {
            "gateway/auth/__init__.py": "",
            "gateway/auth/limits.py": "from gateway.store.link import OUTAGE\n",
            "gateway/store/__init__.py": "",
            "gateway/store/link.py": "OUTAGE = ()\n",
            "gateway/store/queries.py": (
                "def visible():\n    from gateway.auth import limits\n    return limits\n"
            ),
        },
    )
    found = circles(edges(imports(root)))
    assert [circle.members for circle in found] == [("gateway.auth", "gateway.store")]
    text = found[0].describe()
    assert "gateway.auth -> gateway.store: gateway/auth/limits.py:1" in text
    assert "gateway.store -> gateway.auth: gateway/store/queries.py:2" in text


def test_type_checking_and_relative_imports_count(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "gateway/metrics.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n"
                "    from gateway import service\n"
            ),
            "gateway/service.py": "from . import metrics\n",
            "gateway/watch/__init__.py": "",
            "gateway/watch/deep/__init__.py": "",
            "gateway/watch/deep/mirror.py": "from ..reflector import X\nfrom ...metrics import Y\n",
            "gateway/watch/reflector.py": "X = 1\n",
        },
    )
    graph = edges(imports(root))
    assert [circle.path for circle in circles(graph)] == [
        ("gateway.metrics", "gateway.service", "gateway.metrics")
    ]
    assert [i.where for i in graph[("gateway.metrics", "gateway.service")]] == [
        "gateway/metrics.py:3"
    ]
    assert [i.target for i in graph[("gateway.watch", "gateway.metrics")]] == ["gateway.metrics"]
    assert ("gateway.watch", "gateway.watch") not in graph


def test_from_a_package_import_a_module_is_an_edge_to_that_module(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "gateway/logs.py": "",
            "gateway/store/__init__.py": "",
            "gateway/store/hub.py": "from gateway import logs\nimport schema.types\n",
            "schema/types.py": "",
            "simcluster/api.py": "import gateway.store.hub\n",
        },
    )
    assert set(edges(imports(root))) == {
        ("gateway.store", "gateway.logs"),
        ("gateway.store", "schema"),
        ("simcluster", "gateway.store"),
    }
    assert nodes(root) == {"gateway", "gateway.logs", "gateway.store", "schema", "simcluster"}


def test_an_import_up_or_across_a_layer_is_named_with_its_file(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "gateway/status.py": "",
            "gateway/store.py": "import gateway.status\n",
            "gateway/watch.py": "import gateway.store\n",
            "gateway/auth.py": "import gateway.store\n\n\nimport gateway.watch\n",
        },
    )
    graph = edges(imports(root))
    assert not circles(graph)
    layers = (("gateway.status",), ("gateway.store",), ("gateway.watch", "gateway.auth"))
    assert list(layer_violations(graph, layers)) == [
        "gateway.auth (layer 2) imports gateway.watch, which is in the same layer as it: "
        "gateway/auth.py:4"
    ]
    upside_down = (("gateway.store",), ("gateway.status",), ("gateway.watch", "gateway.auth"))
    assert (
        "gateway.store (layer 0) imports gateway.status, which is in a layer above it: "
        "gateway/store.py:1"
    ) in list(layer_violations(graph, upside_down))
