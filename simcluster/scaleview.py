"""The autoscaling/v1 Scale view the scale subresource serves.

Built-in kinds keep replicas in ``spec.replicas`` and ``status.replicas`` and their
selector in ``spec.selector``; a custom resource says where through its CRD's
``subresources.scale`` paths, its selector already a string (``status.selector``).
"""

from __future__ import annotations

from typing import Any

from gateway.selectors import format_selector, selector_from_spec
from simcluster import jsonpath
from simcluster.resources import ResourceType
from simcluster.store import StoredObject


def _custom_scale(obj: dict[str, Any], resource: ResourceType) -> tuple[int, int, str]:
    paths = resource.scale_paths
    if paths is None:
        return 0, 0, ""
    wanted = jsonpath.first(obj, paths.spec_replicas)
    current = jsonpath.first(obj, paths.status_replicas)
    selector = jsonpath.first(obj, paths.label_selector) if paths.label_selector else ""
    return (
        wanted if isinstance(wanted, int) else 0,
        current if isinstance(current, int) else 0,
        selector if isinstance(selector, str) else "",
    )


def scale_of(stored: StoredObject, resource: ResourceType | None = None) -> dict[str, Any]:
    """The autoscaling/v1 Scale view of a Deployment, ReplicaSet, StatefulSet or of a
    custom resource through its CRD's scale paths."""
    obj = stored.load()
    meta = obj["metadata"]
    if resource is not None and resource.custom:
        wanted, current, selector_text = _custom_scale(obj, resource)
    else:
        selector = selector_from_spec((obj.get("spec") or {}).get("selector"))
        wanted = (obj.get("spec") or {}).get("replicas", 1)
        current = (obj.get("status") or {}).get("replicas", 0)
        selector_text = format_selector(selector) if selector is not None else ""
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta["name"],
            "namespace": meta.get("namespace", ""),
            "uid": meta.get("uid"),
            "resourceVersion": meta.get("resourceVersion"),
            "creationTimestamp": meta.get("creationTimestamp"),
        },
        "spec": {"replicas": wanted},
        "status": {"replicas": current, "selector": selector_text},
    }
