"""The namespace controller: a deleted namespace empties, then disappears."""

from __future__ import annotations

from collections.abc import Iterable

from simcluster.controllers.base import Controller
from simcluster.registry import DeleteOptions
from simcluster.resources import NAMESPACES, RESOURCES
from simcluster.store import DELETED, Change

_NAMESPACED = tuple(r for r in RESOURCES if r.namespaced)


class NamespaceController(Controller):
    """Told of every change, so custom resources in a deleted namespace go too."""

    name = "namespace-controller"
    watches = (NAMESPACES, *_NAMESPACED)
    watches_everything = True

    def keys_for(self, change: Change) -> Iterable[str]:
        obj = change.obj
        if not obj.namespace and obj.resource is not NAMESPACES:
            return ()
        if obj.resource is NAMESPACES:
            return (obj.name,) if obj.deleting else ()
        if change.type == DELETED:
            namespace = self.store.get(NAMESPACES, "", obj.namespace)
            if namespace is not None and namespace.deleting:
                return (obj.namespace,)
        return ()

    def reconcile(self, key: str) -> None:
        stored = self.store.get(NAMESPACES, "", key)
        if stored is None or not stored.deleting:
            return
        remaining = 0
        custom = [r for r in self.registry.catalog.preferred() if r.namespaced]
        for resource in (*_NAMESPACED, *custom):
            for obj in list(self.store.items(resource, key)):
                remaining += 1
                if not obj.deleting:
                    self.registry.delete(resource, key, obj.name, DeleteOptions())
        if remaining:
            return
        namespace = stored.load()
        namespace.setdefault("spec", {})["finalizers"] = []
        self.registry.write(NAMESPACES, namespace)
