"""The CRD finalizer: a deleted CustomResourceDefinition first deletes its objects.

The API server puts ``customresourcecleanup.apiextensions.k8s.io`` on every CRD;
when the CRD is deleted this controller marks it Terminating, deletes each custom
object (watchers see every DELETED), and lifts the finalizer once none is left,
which removes the CRD and, through the catalog, its resource and open watches.
"""

from __future__ import annotations

from collections.abc import Iterable

from simcluster.controllers.base import Controller
from simcluster.controllers.common import set_workload_condition
from simcluster.customresources import CLEANUP_FINALIZER
from simcluster.registry import DeleteOptions
from simcluster.resources import CUSTOMRESOURCEDEFINITIONS
from simcluster.store import DELETED, Change


class CustomResourceCleanup(Controller):
    name = "apiextensions-finalizer"
    watches = (CUSTOMRESOURCEDEFINITIONS,)
    watches_everything = True

    def keys_for(self, change: Change) -> Iterable[str]:
        obj = change.obj
        if obj.resource is CUSTOMRESOURCEDEFINITIONS:
            return (obj.name,) if obj.deleting else ()
        if obj.resource.custom and change.type == DELETED:
            return (obj.resource.qualified,)
        return ()

    def reconcile(self, key: str) -> None:
        stored = self.store.get(CUSTOMRESOURCEDEFINITIONS, "", key)
        if stored is None or not stored.deleting:
            return
        crd = stored.load()
        finalizers = crd["metadata"].get("finalizers") or []
        if CLEANUP_FINALIZER not in finalizers:
            return
        resource = next((r for r in self.registry.catalog.preferred() if r.qualified == key), None)
        remaining = 0
        if resource is not None:
            for obj in list(self.store.items(resource)):
                if not obj.deleting:
                    self.registry.delete(resource, obj.namespace, obj.name, DeleteOptions())
            remaining = self.store.count(resource)
        set_workload_condition(
            crd.setdefault("status", {}).setdefault("conditions", []),
            "Terminating",
            "True",
            "InstanceDeletionInProgress",
            "CustomResource deletion is in progress",
            now=self.context.now(),
        )
        if not remaining:
            crd["metadata"]["finalizers"] = [f for f in finalizers if f != CLEANUP_FINALIZER]
        self.registry.write(CUSTOMRESOURCEDEFINITIONS, crd)
