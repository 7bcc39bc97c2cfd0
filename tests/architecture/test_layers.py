"""Packages depend one way: no import circle between them, and every import goes down a layer.

A circle between packages means neither can be read, tested or moved alone; it starts
with one convenient import (an error type, a constant) and grows. ``LAYERS`` is the
order the code follows, lowest first; a node may import only nodes of lower layers,
so two nodes of one layer know nothing of each other. A new package or top-level
module must be placed here before its first import is accepted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.architecture.imports import (
    ROOT,
    circles,
    edges,
    imports,
    layer_violations,
    nodes,
)

LAYERS: tuple[tuple[str, ...], ...] = (
    # The vocabulary of workload kinds (built-in names, custom GroupKinds) that settings,
    # visibility, the cache and the API all spell alike.
    ("gateway.kinds",),
    # Plain pieces everything may use: settings, selectors, cluster connections, what a
    # caller may see, counters, backoff. They import nothing of the project.
    (
        "gateway",
        "gateway.backoff",
        "gateway.heap",
        "gateway.clusters",
        "gateway.logs",
        "gateway.manifests",
        "gateway.metrics",
        "gateway.redis_connect",
        "gateway.redis_server",
        "gateway.section",
        "gateway.selectors",
        "gateway.visibility",
    ),
    # The status rules: pure functions of Kubernetes objects.
    ("gateway.status",),
    # Custom resources' rules as data (CEL), in the status engine's vocabulary.
    ("gateway.rules",),
    # The configuration, whose customResources section is rules, parsed where it is read.
    ("gateway.custom_resources",),
    ("gateway.config",),
    # The Redis cache (written by the watchers, read by the API), and the offline
    # grouping and tables of ``explain``.
    ("gateway.store", "gateway.ownership", "gateway.report"),
    # What fills the cache, who may read it, and the one read that goes to a cluster;
    # what ``explain`` says an input lacks; the keeper of the embedded Redis.
    ("gateway.watch", "gateway.auth", "gateway.podlogs", "gateway.gaps", "gateway.redis_keeper"),
    # The gateway as one running object, and the checker that rebuilds a cluster's records.
    ("gateway.service", "gateway.consistency"),
    # The GraphQL schema over the store.
    ("schema",),
    # What speaks to clients (HTTP) and the notifier, a client of the API.
    ("gateway.http", "gateway.notify"),
    # The commands, then the simulated cluster (its demo runs ``serve``), then the
    # entry point that names both without importing either.
    ("gateway.commands",),
    ("simcluster",),
    ("gateway.cli",),
    ("gateway.__main__",),
)


def test_no_import_circle_between_packages() -> None:
    found = circles(edges(imports()))
    if found:
        pytest.fail("\n".join(circle.describe() for circle in found), pytrace=False)


def test_every_package_and_module_has_a_layer() -> None:
    declared = {node for layer in LAYERS for node in layer}
    actual = nodes()
    here = Path(__file__).relative_to(ROOT)
    assert not actual - declared, (
        f"{', '.join(sorted(actual - declared))} not in LAYERS ({here}): place each in the "
        "lowest layer above everything it imports"
    )
    assert not declared - actual, f"LAYERS names what no longer exists: {declared - actual}"
    assert len(declared) == sum(len(layer) for layer in LAYERS), "a node is in two layers"


def test_every_import_goes_down_a_layer() -> None:
    wrong = list(layer_violations(edges(imports()), LAYERS))
    if wrong:
        pytest.fail(
            f"imports against the layering (LAYERS in {Path(__file__).relative_to(ROOT)}, lowest "
            "first): move what the lower package needs down, or turn the dependency around\n  "
            + "\n  ".join(wrong),
            pytrace=False,
        )
