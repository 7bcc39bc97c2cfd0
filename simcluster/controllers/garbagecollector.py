"""The garbage collector: dependents follow their owners.

Objects whose owners are gone are deleted (background propagation); an owner
deleted with ``propagationPolicy=Foreground`` waits, Deleting, until its dependents
are gone; one deleted with ``Orphan`` lets its dependents go free.
"""

from __future__ import annotations

from collections.abc import Iterable

from simcluster.controllers.base import Controller, ControllerContext
from simcluster.registry import FOREGROUND_FINALIZER, ORPHAN_FINALIZER, DeleteOptions
from simcluster.resources import EVENTS, NAMESPACES, RESOURCES, ResourceType
from simcluster.store import DELETED, Change, StoredObject

_SEPARATOR = "\x00"
_UNOWNED = (EVENTS.qualified, NAMESPACES.qualified)


class GarbageCollector(Controller):
    """Told of every change, custom resources' included, so a deleted Rollout's
    ReplicaSets go too; the types it meets are remembered to look objects up by key."""

    name = "garbage-collector"
    watches = tuple(r for r in RESOURCES if r.qualified not in _UNOWNED)
    watches_everything = True

    def __init__(self, context: ControllerContext) -> None:
        super().__init__(context)
        self._types: dict[str, ResourceType] = {r.qualified: r for r in self.watches}

    def _key(self, obj: StoredObject) -> str:
        self._types.setdefault(obj.resource.qualified, obj.resource)
        return f"{obj.resource.qualified}{_SEPARATOR}{obj.key}"

    def keys_for(self, change: Change) -> Iterable[str]:
        obj = change.obj
        if obj.resource.qualified in _UNOWNED:
            return ()
        keys: list[str] = []
        if change.type == DELETED or obj.deleting:
            keys.extend(self._key(d) for d in self.store.dependents(obj.uid))
            if obj.deleting and change.type != DELETED:
                keys.append(self._key(obj))
        elif change.old is None and obj.owners:
            keys.append(self._key(obj))
        for owner_uid in obj.owners:
            owner = self.store.by_uid(owner_uid)
            if owner is not None and owner.deleting:
                keys.append(self._key(owner))
        return keys

    def initial_keys(self) -> Iterable[str]:
        return [
            self._key(obj)
            for resource in self.watches
            for obj in self.store.items(resource)
            if obj.owners or obj.deleting
        ]

    def reconcile(self, key: str) -> None:
        qualified, _, object_key = key.partition(_SEPARATOR)
        resource = self._types[qualified]
        namespace, _, name = object_key.rpartition("/")
        stored = self.store.get(resource, namespace, name)
        if stored is None:
            return
        obj = stored.load()
        finalizers = obj["metadata"].get("finalizers") or []
        if stored.deleting and ORPHAN_FINALIZER in finalizers:
            self._orphan(stored)
            obj["metadata"]["finalizers"] = [f for f in finalizers if f != ORPHAN_FINALIZER]
            self.registry.write(resource, obj)
            return
        if stored.deleting and FOREGROUND_FINALIZER in finalizers:
            dependents = self.store.dependents(stored.uid)
            for dependent in dependents:
                if not dependent.deleting:
                    self.registry.delete(
                        dependent.resource,
                        dependent.namespace,
                        dependent.name,
                        DeleteOptions(propagation="Foreground"),
                    )
            if not self.store.dependents(stored.uid):
                obj["metadata"]["finalizers"] = [f for f in finalizers if f != FOREGROUND_FINALIZER]
                self.registry.write(resource, obj)
            return
        orphaned = all(self.store.by_uid(uid) is None for uid in stored.owners)
        if stored.owners and not stored.deleting and orphaned:
            self.registry.delete(resource, namespace, name, DeleteOptions())

    def _orphan(self, owner: StoredObject) -> None:
        for dependent in self.store.dependents(owner.uid):
            obj = dependent.load()
            refs = obj["metadata"].get("ownerReferences") or []
            kept = [r for r in refs if r.get("uid") != owner.uid]
            if kept:
                obj["metadata"]["ownerReferences"] = kept
            else:
                obj["metadata"].pop("ownerReferences", None)
            self.registry.write(dependent.resource, obj)
