"""CRD manifests of the workload operators the gateway knows, written from each
project's documented API: Argo Rollouts, OpenKruise, KubeVirt, Kubeflow training.

Names, scope, short names, categories, subresources and printer columns are the
projects' own; the schemas are open (``x-kubernetes-preserve-unknown-fields``),
since the simulator does not enforce schemas and the real ones run to thousands
of lines.
"""

from __future__ import annotations

from typing import Any

_OPEN_SCHEMA: dict[str, Any] = {
    "openAPIV3Schema": {
        "type": "object",
        "properties": {
            "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        },
        "x-kubernetes-preserve-unknown-fields": True,
    }
}
_AGE = {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}


def _column(
    name: str, kind: str, path: str, description: str = "", priority: int = 0
) -> dict[str, Any]:
    column: dict[str, Any] = {"name": name, "type": kind, "jsonPath": path}
    if description:
        column["description"] = description
    if priority:
        column["priority"] = priority
    return column


def crd(
    group: str,
    kind: str,
    plural: str,
    version: str,
    *,
    columns: list[dict[str, Any]],
    scope: str = "Namespaced",
    short_names: tuple[str, ...] = (),
    categories: tuple[str, ...] = (),
    scale: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A CustomResourceDefinition with one served, stored version and a status subresource."""
    names: dict[str, Any] = {
        "kind": kind,
        "listKind": f"{kind}List",
        "plural": plural,
        "singular": kind.lower(),
    }
    if short_names:
        names["shortNames"] = list(short_names)
    if categories:
        names["categories"] = list(categories)
    subresources: dict[str, Any] = {"status": {}}
    if scale is not None:
        subresources["scale"] = scale
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "names": names,
            "scope": scope,
            "versions": [
                {
                    "name": version,
                    "served": True,
                    "storage": True,
                    "schema": _OPEN_SCHEMA,
                    "subresources": subresources,
                    "additionalPrinterColumns": columns,
                }
            ],
        },
    }


ROLLOUT = crd(
    "argoproj.io",
    "Rollout",
    "rollouts",
    "v1alpha1",
    short_names=("ro",),
    columns=[
        _column("Desired", "integer", ".spec.replicas", "Number of desired pods"),
        _column(
            "Current",
            "integer",
            ".status.replicas",
            "Total number of non-terminated pods targeted by this rollout",
        ),
        _column(
            "Up-to-date",
            "integer",
            ".status.updatedReplicas",
            "Total number of non-terminated pods targeted by this rollout that have the "
            "desired template spec",
        ),
        _column(
            "Available",
            "integer",
            ".status.availableReplicas",
            "Total number of available pods (ready for at least minReadySeconds) targeted by "
            "this rollout",
        ),
        _AGE,
    ],
    scale={
        "specReplicasPath": ".spec.replicas",
        "statusReplicasPath": ".status.HPAReplicas",
        "labelSelectorPath": ".status.selector",
    },
)
CLONESET = crd(
    "apps.kruise.io",
    "CloneSet",
    "clonesets",
    "v1alpha1",
    short_names=("clone",),
    columns=[
        _column("DESIRED", "integer", ".spec.replicas", "The desired number of pods."),
        _column(
            "UPDATED",
            "integer",
            ".status.updatedReplicas",
            "The number of pods updated.",
        ),
        _column(
            "UPDATED_READY",
            "integer",
            ".status.updatedReadyReplicas",
            "The number of pods updated and ready.",
        ),
        _column("READY", "integer", ".status.readyReplicas", "The number of pods ready."),
        _column("TOTAL", "integer", ".status.replicas", "The number of currently all pods."),
        _AGE,
        _column(
            "CONTAINERS",
            "string",
            ".spec.template.spec.containers[*].name",
            "The containers of currently cloneset.",
            priority=1,
        ),
        _column(
            "IMAGES",
            "string",
            ".spec.template.spec.containers[*].image",
            "The images of currently cloneset.",
            priority=1,
        ),
        _column(
            "SELECTOR",
            "string",
            ".status.labelSelector",
            "The selector of currently cloneset.",
            priority=1,
        ),
    ],
    scale={
        "specReplicasPath": ".spec.replicas",
        "statusReplicasPath": ".status.replicas",
        "labelSelectorPath": ".status.labelSelector",
    },
)
VIRTUALMACHINE = crd(
    "kubevirt.io",
    "VirtualMachine",
    "virtualmachines",
    "v1",
    short_names=("vm", "vms"),
    categories=("all",),
    columns=[
        _AGE,
        _column("Status", "string", ".status.printableStatus", "Human Readable Status"),
        _column(
            "Ready",
            "string",
            '.status.conditions[?(@.type=="Ready")].status',
            "Ready",
        ),
    ],
)
VIRTUALMACHINEINSTANCE = crd(
    "kubevirt.io",
    "VirtualMachineInstance",
    "virtualmachineinstances",
    "v1",
    short_names=("vmi", "vmis"),
    categories=("all",),
    columns=[
        _AGE,
        _column("Phase", "string", ".status.phase"),
        _column("IP", "string", ".status.interfaces[0].ipAddress"),
        _column("NodeName", "string", ".status.nodeName"),
        _column("Ready", "string", '.status.conditions[?(@.type=="Ready")].status'),
        _column(
            "Live-Migratable",
            "string",
            '.status.conditions[?(@.type=="LiveMigratable")].status',
            priority=1,
        ),
        _column("Paused", "string", '.status.conditions[?(@.type=="Paused")].status', priority=1),
    ],
)
PYTORCHJOB = crd(
    "kubeflow.org",
    "PyTorchJob",
    "pytorchjobs",
    "v1",
    columns=[
        _column("State", "string", ".status.conditions[-1:].type"),
        _AGE,
    ],
)
WORKLOAD_CRDS = (ROLLOUT, CLONESET, VIRTUALMACHINE, VIRTUALMACHINEINSTANCE, PYTORCHJOB)


def noise_crd(index: int) -> dict[str, Any]:
    """``widgets<N>.noise.example.com``: a CRD nothing watches, for discovery-heavy benchmarks."""
    return crd(
        "noise.example.com",
        f"Widget{index}",
        f"widgets{index}",
        "v1",
        columns=[_column("Size", "integer", ".spec.size"), _AGE],
    )
