"""What the custom workload controllers share: their resource types, which exist only
while a CRD serves them, and owners found by type name rather than identity.

The types below are what the controllers expect of the CRDs in simcluster/crds;
the catalog's own instances (with the CRD's current printer columns) are looked
up on every reconcile, so a controller stays idle until its CRD is installed and
writes through whatever the CRD declares now.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from simcluster.controllers.base import Controller
from simcluster.crds.manifests import (
    CLONESET,
    PYTORCHJOB,
    ROLLOUT,
    VIRTUALMACHINE,
    VIRTUALMACHINEINSTANCE,
)
from simcluster.customresources import served_types
from simcluster.resources import ResourceType
from simcluster.store import Change, Store, StoredObject

ROLLOUTS = served_types(ROLLOUT)[0]
CLONESETS = served_types(CLONESET)[0]
VIRTUALMACHINES = served_types(VIRTUALMACHINE)[0]
VIRTUALMACHINEINSTANCES = served_types(VIRTUALMACHINEINSTANCE)[0]
PYTORCHJOBS = served_types(PYTORCHJOB)[0]


def controller_of(store: Store, obj: StoredObject, resource: ResourceType) -> StoredObject | None:
    """The object's controller if it is of ``resource``'s type (any served version)."""
    if not obj.controller:
        return None
    owner = store.by_uid(obj.controller)
    if owner is None or owner.resource.qualified != resource.qualified:
        return None
    return owner


def condition(obj: dict[str, Any], kind: str) -> dict[str, Any] | None:
    for found in (obj.get("status") or {}).get("conditions") or ():
        if isinstance(found, dict) and found.get("type") == kind:
            return found
    return None


class CustomController(Controller):
    """Reconciles a custom resource, the first of ``watches``, while its CRD serves it."""

    def keys_for(self, change: Change) -> Iterable[str]:
        """The object itself if it is of the reconciled type, else its controller if that
        is (a pod or ReplicaSet it owns changed)."""
        obj = change.obj
        own = self.watches[0]
        if obj.resource.qualified == own.qualified:
            return (obj.key,)
        owner = controller_of(self.store, obj, own)
        return (owner.key,) if owner is not None else ()

    def served(self) -> ResourceType | None:
        expected = self.watches[0]
        return self.registry.catalog.by_path(expected.group, expected.version, expected.plural)

    def load(self, key: str) -> tuple[ResourceType, StoredObject] | None:
        """The served type and the object under ``key``, unless it is gone or going."""
        resource = self.served()
        if resource is None:
            return None
        namespace, _, name = key.rpartition("/")
        stored = self.store.get(resource, namespace, name)
        if stored is None or stored.deleting:
            return None
        return resource, stored
