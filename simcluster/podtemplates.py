"""Pods from templates, as the workload controllers stamp them out.

Labels and annotations come from the template, ownerReferences point at the
controller with ``controller: true`` and ``blockOwnerDeletion: true``, and the API
server's defaults are applied by the registry when the pod is created.
"""

from __future__ import annotations

import copy
from typing import Any

from simcluster.store import StoredObject


def owner_reference(owner: StoredObject) -> dict[str, Any]:
    return {
        "apiVersion": owner.resource.api_version,
        "kind": owner.resource.kind,
        "name": owner.name,
        "uid": owner.uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def pod_from_template(
    template: dict[str, Any],
    owner: StoredObject,
    *,
    name: str = "",
    generate_name: str = "",
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    finalizers: list[str] | None = None,
) -> dict[str, Any]:
    template_meta = template.get("metadata") or {}
    meta: dict[str, Any] = {}
    if name:
        meta["name"] = name
    else:
        meta["generateName"] = generate_name
    meta["namespace"] = owner.namespace
    pod_labels = {**(template_meta.get("labels") or {}), **(labels or {})}
    if pod_labels:
        meta["labels"] = pod_labels
    pod_annotations = {**(template_meta.get("annotations") or {}), **(annotations or {})}
    if pod_annotations:
        meta["annotations"] = pod_annotations
    if finalizers:
        meta["finalizers"] = list(finalizers)
    meta["ownerReferences"] = [owner_reference(owner)]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": copy.deepcopy(template.get("spec") or {}),
    }


def template_without(template: dict[str, Any], label: str) -> dict[str, Any]:
    """A copy of a pod template without one label (the hash a controller added)."""
    found = copy.deepcopy(template)
    labels = (found.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(label, None)
    return found
