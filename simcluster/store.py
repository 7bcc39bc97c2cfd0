"""One cluster's objects, its global resourceVersion and the history watches replay.

Objects are kept as their JSON bytes plus the few fields lists and watches filter
on: a list or watch event is then assembled from bytes without serialising again,
and 100,000 pods cost a few hundred bytes of bookkeeping each beyond their JSON.
Every write gets the next resourceVersion of one counter shared by all resources,
as etcd does, and is kept in a bounded history so a watch can resume from it.
"""

from __future__ import annotations

import asyncio
import bisect
import json
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from simcluster import errors
from simcluster.resources import EVENTS, NAMESPACES, NODES, PODS, ResourceType

ADDED = "ADDED"
MODIFIED = "MODIFIED"
DELETED = "DELETED"

_DUMP = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def dump(obj: Any) -> bytes:
    return _DUMP(obj).encode()


@dataclass(frozen=True, slots=True)
class StoredObject:
    """An object as stored at one resourceVersion; never changed once made."""

    resource: ResourceType
    key: str
    namespace: str
    name: str
    uid: str
    rv: int
    labels: Mapping[str, str]
    owners: tuple[str, ...]
    controller: str
    fields: Mapping[str, str]
    deleting: bool
    data: bytes

    def load(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.data)
        return loaded


def object_key(namespace: str, name: str) -> str:
    return f"{namespace}/{name}" if namespace else name


def _get(obj: Mapping[str, Any], *path: str) -> Any:
    found: Any = obj
    for part in path:
        if not isinstance(found, Mapping):
            return None
        found = found.get(part)
    return found


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _extra_fields(resource: ResourceType, obj: Mapping[str, Any]) -> Mapping[str, str]:
    """Values of the fields the real server lets fieldSelector use beyond name/namespace."""
    if resource.custom:
        return {}
    if resource is PODS:
        return {
            "spec.nodeName": _text(_get(obj, "spec", "nodeName")),
            "spec.restartPolicy": _text(_get(obj, "spec", "restartPolicy")),
            "spec.schedulerName": _text(_get(obj, "spec", "schedulerName")),
            "spec.serviceAccountName": _text(_get(obj, "spec", "serviceAccountName")),
            "status.phase": _text(_get(obj, "status", "phase")),
            "status.podIP": _text(_get(obj, "status", "podIP")),
            "status.nominatedNodeName": _text(_get(obj, "status", "nominatedNodeName")),
        }
    if resource is EVENTS:
        involved = obj.get("involvedObject") or {}
        found = {
            f"involvedObject.{field}": _text(involved.get(field))
            for field in (
                "kind",
                "namespace",
                "name",
                "uid",
                "apiVersion",
                "resourceVersion",
                "fieldPath",
            )
        }
        found["reason"] = _text(obj.get("reason"))
        found["reportingComponent"] = _text(obj.get("reportingComponent"))
        found["source"] = _text(_get(obj, "source", "component"))
        found["type"] = _text(obj.get("type"))
        return found
    if resource is NODES:
        return {"spec.unschedulable": _text(bool(_get(obj, "spec", "unschedulable")))}
    if resource is NAMESPACES:
        return {"status.phase": _text(_get(obj, "status", "phase"))}
    if resource.plural == "replicasets":
        return {"status.replicas": _text(_get(obj, "status", "replicas") or 0)}
    if resource.plural == "jobs":
        return {"status.successful": _text(_get(obj, "status", "succeeded") or 0)}
    return {}


def make_stored(resource: ResourceType, obj: dict[str, Any], rv: int) -> StoredObject:
    """Stamp ``obj`` with ``rv`` and freeze it; ``obj`` itself is not kept."""
    meta = obj["metadata"]
    meta["resourceVersion"] = str(rv)
    namespace = meta.get("namespace") or ""
    name = meta["name"]
    refs = meta.get("ownerReferences") or ()
    owners = tuple(str(r.get("uid")) for r in refs if isinstance(r, Mapping))
    controller = next(
        (str(r.get("uid")) for r in refs if isinstance(r, Mapping) and r.get("controller") is True),
        "",
    )
    labels = meta.get("labels") or {}
    return StoredObject(
        resource=resource,
        key=object_key(namespace, name),
        namespace=namespace,
        name=name,
        uid=str(meta.get("uid") or ""),
        rv=rv,
        labels=dict(labels) if isinstance(labels, Mapping) else {},
        owners=owners,
        controller=controller,
        fields=_extra_fields(resource, obj),
        deleting=meta.get("deletionTimestamp") is not None,
        data=dump(obj),
    )


class Change:
    """One write as watchers see it; its event lines are encoded once, for everyone."""

    __slots__ = ("_lines", "obj", "old", "rv", "type")

    def __init__(self, kind: str, obj: StoredObject, old: StoredObject | None) -> None:
        self.type = kind
        self.obj = obj
        self.old = old
        self.rv = obj.rv
        self._lines: dict[str, bytes] = {}

    def line(self, kind: str | None = None) -> bytes:
        """The event line for this change, typed ``kind`` when a selector turned it into one."""
        kind = kind or self.type
        found = self._lines.get(kind)
        if found is None:
            found = b'{"type":"' + kind.encode() + b'","object":' + self.obj.data + b"}\n"
            self._lines[kind] = found
        return found


class Subscription:
    """An open watch's inbox: the store appends every change of its resource."""

    def __init__(self, resource: ResourceType, namespace: str | None, limit: int) -> None:
        self.resource = resource
        self.namespace = namespace
        self.queue: deque[Change] = deque()
        self.wake = asyncio.Event()
        self.limit = limit
        self.overflowed = False
        self.stop_reason = ""

    def push(self, change: Change) -> None:
        if self.namespace is not None and change.obj.namespace != self.namespace:
            return
        if len(self.queue) >= self.limit:
            self.overflowed = True
        else:
            self.queue.append(change)
        self.wake.set()

    def stop(self, reason: str) -> None:
        self.stop_reason = reason
        self.wake.set()


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A resource's objects (in one namespace or all) in key order, as of ``rv``."""

    rv: int
    keys: list[str]
    objects: list[StoredObject]


class _Table:
    """The objects of one resource, indexed by key and by namespace."""

    def __init__(self) -> None:
        self.objects: dict[str, StoredObject] = {}
        self.namespaces: dict[str, dict[str, StoredObject]] = {}
        self._sorted: list[str] | None = None
        self._sorted_ns: dict[str, list[str]] = {}

    def put(self, obj: StoredObject, is_new: bool) -> None:
        self.objects[obj.key] = obj
        self.namespaces.setdefault(obj.namespace, {})[obj.key] = obj
        if is_new:
            self._sorted = None
            self._sorted_ns.pop(obj.namespace, None)

    def remove(self, obj: StoredObject) -> None:
        del self.objects[obj.key]
        members = self.namespaces[obj.namespace]
        del members[obj.key]
        if not members:
            del self.namespaces[obj.namespace]
        self._sorted = None
        self._sorted_ns.pop(obj.namespace, None)

    def sorted_keys(self, namespace: str | None) -> list[str]:
        if namespace is None:
            if self._sorted is None:
                self._sorted = sorted(self.objects)
            return self._sorted
        found = self._sorted_ns.get(namespace)
        if found is None:
            found = sorted(self.namespaces.get(namespace, ()))
            self._sorted_ns[namespace] = found
        return found

    def items(self, namespace: str | None) -> Mapping[str, StoredObject]:
        if namespace is None:
            return self.objects
        return self.namespaces.get(namespace, {})


class History:
    """Changes after ``floor`` in resourceVersion order; older ones are forgotten."""

    def __init__(self, limit: int, floor: int) -> None:
        self.limit = limit
        self.floor = floor
        self._changes: list[Change] = []
        self._rvs: list[int] = []

    def append(self, change: Change) -> None:
        self._changes.append(change)
        self._rvs.append(change.rv)
        if len(self._changes) > self.limit * 2:
            drop = len(self._changes) - self.limit
            self.floor = self._rvs[drop - 1]
            del self._changes[:drop]
            del self._rvs[:drop]

    def since(self, rv: int) -> list[Change]:
        """Changes newer than ``rv``; Expired if some of them were forgotten."""
        if rv < self.floor:
            raise errors.too_old(rv, self.floor)
        return self._changes[bisect.bisect_right(self._rvs, rv) :]

    def compact(self, rv: int) -> None:
        self.floor = rv
        self._changes.clear()
        self._rvs.clear()


Listener = Callable[[Change], None]


class Store:
    """Objects of every resource of one cluster, with its resourceVersion counter."""

    def __init__(self, history_limit: int = 20_000, first_rv: int = 1000) -> None:
        self._rv = first_rv
        self._tables: dict[str, _Table] = {}
        self.history = History(history_limit, first_rv)
        self._subscriptions: dict[str, set[Subscription]] = {}
        self._listeners: list[Listener] = []
        self._dependents: dict[str, set[tuple[ResourceType, str]]] = {}
        self._uids: dict[str, tuple[ResourceType, str]] = {}
        self._pods_by_node: dict[str, set[str]] = {}
        self._snapshots: OrderedDict[tuple[str, str | None, int], Snapshot] = OrderedDict()

    @property
    def resource_version(self) -> int:
        return self._rv

    def _table(self, resource: ResourceType) -> _Table:
        table = self._tables.get(resource.qualified)
        if table is None:
            table = self._tables[resource.qualified] = _Table()
        return table

    def get(self, resource: ResourceType, namespace: str, name: str) -> StoredObject | None:
        return self._table(resource).objects.get(object_key(namespace, name))

    def by_uid(self, uid: str) -> StoredObject | None:
        found = self._uids.get(uid)
        if found is None:
            return None
        return self._table(found[0]).objects.get(found[1])

    def items(self, resource: ResourceType, namespace: str | None = None) -> Iterable[StoredObject]:
        """Current objects in no particular order (cheap)."""
        return self._table(resource).items(namespace).values()

    def count(self, resource: ResourceType, namespace: str | None = None) -> int:
        return len(self._table(resource).items(namespace))

    def dependents(self, owner_uid: str) -> list[StoredObject]:
        found = []
        for resource, key in self._dependents.get(owner_uid, ()):
            obj = self._table(resource).objects.get(key)
            if obj is not None:
                found.append(obj)
        return found

    def pods_on(self, node: str) -> list[StoredObject]:
        table = self._table(PODS)
        return [table.objects[k] for k in self._pods_by_node.get(node, ()) if k in table.objects]

    def put(self, resource: ResourceType, obj: dict[str, Any]) -> StoredObject:
        """Store ``obj`` as the next resourceVersion: ADDED if new, else MODIFIED."""
        table = self._table(resource)
        meta = obj["metadata"]
        key = object_key(meta.get("namespace") or "", meta["name"])
        old = table.objects.get(key)
        self._rv += 1
        stored = make_stored(resource, obj, self._rv)
        if old is not None:
            self._unindex(old)
        table.put(stored, old is None)
        self._index(stored)
        self._publish(Change(ADDED if old is None else MODIFIED, stored, old))
        return stored

    def remove(self, resource: ResourceType, namespace: str, name: str) -> StoredObject | None:
        """Delete the object; watchers get its last state with the deletion's version."""
        table = self._table(resource)
        old = table.objects.get(object_key(namespace, name))
        if old is None:
            return None
        self._rv += 1
        final = make_stored(resource, old.load(), self._rv)
        table.remove(old)
        self._unindex(old)
        self._publish(Change(DELETED, final, old))
        return final

    def _index(self, obj: StoredObject) -> None:
        for owner in obj.owners:
            self._dependents.setdefault(owner, set()).add((obj.resource, obj.key))
        if obj.uid:
            self._uids[obj.uid] = (obj.resource, obj.key)
        if obj.resource is PODS:
            node = obj.fields["spec.nodeName"]
            if node:
                self._pods_by_node.setdefault(node, set()).add(obj.key)

    def _unindex(self, obj: StoredObject) -> None:
        for owner in obj.owners:
            members = self._dependents.get(owner)
            if members is not None:
                members.discard((obj.resource, obj.key))
                if not members:
                    del self._dependents[owner]
        if obj.uid and self._uids.get(obj.uid) == (obj.resource, obj.key):
            del self._uids[obj.uid]
        if obj.resource is PODS:
            node = obj.fields["spec.nodeName"]
            members_on_node = self._pods_by_node.get(node)
            if members_on_node is not None:
                members_on_node.discard(obj.key)
                if not members_on_node:
                    del self._pods_by_node[node]

    def _publish(self, change: Change) -> None:
        self.history.append(change)
        for subscription in self._subscriptions.get(change.obj.resource.qualified, ()):
            subscription.push(change)
        for listener in self._listeners:
            listener(change)

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def subscribe(
        self, resource: ResourceType, namespace: str | None, limit: int = 100_000
    ) -> Subscription:
        subscription = Subscription(resource, namespace, limit)
        self._subscriptions.setdefault(resource.qualified, set()).add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.get(subscription.resource.qualified, set()).discard(subscription)

    def stop_watches(self, resource: ResourceType, reason: str) -> None:
        """End the watches on one version of a resource (its CRD stopped serving it)."""
        for subscription in list(self._subscriptions.get(resource.qualified, ())):
            if subscription.resource.version == resource.version:
                subscription.stop(reason)

    def drop(self, resource: ResourceType) -> None:
        """Forget a resource whose CRD is gone; its objects were deleted one by one before."""
        for item in list(self._table(resource).objects.values()):
            self.remove(resource, item.namespace, item.name)
        self._tables.pop(resource.qualified, None)
        for cached in [k for k in self._snapshots if k[0] == resource.qualified]:
            del self._snapshots[cached]

    def subscriptions(self) -> Iterator[Subscription]:
        for members in self._subscriptions.values():
            yield from list(members)

    def compact(self) -> None:
        """Forget all history: any watch or continue token from before now gets 410."""
        self.history.compact(self._rv)
        self._snapshots.clear()

    def snapshot(self, resource: ResourceType, namespace: str | None, rv: int) -> Snapshot:
        """The objects as of ``rv``: current ones, a cached page source, or rebuilt from history."""
        if rv > self._rv:
            raise errors.too_large(rv, self._rv)
        cache_key = (resource.qualified, namespace, rv)
        found = self._snapshots.get(cache_key)
        if found is not None:
            self._snapshots.move_to_end(cache_key)
            return found
        if rv == self._rv:
            table = self._table(resource)
            keys = list(table.sorted_keys(namespace))
            objects = [table.objects[k] for k in keys]
            found = Snapshot(rv, keys, objects)
        else:
            found = self._rebuild(resource, namespace, rv)
        self._snapshots[cache_key] = found
        while len(self._snapshots) > 16:
            self._snapshots.popitem(last=False)
        return found

    def _rebuild(self, resource: ResourceType, namespace: str | None, rv: int) -> Snapshot:
        if rv < self.history.floor:
            raise errors.expired(
                f"The resourceVersion for the provided list is too old: {rv} "
                f"(the oldest kept is {self.history.floor})"
            )
        state = dict(self._table(resource).items(namespace))
        for change in reversed(self.history.since(rv)):
            obj = change.obj
            if obj.resource.qualified != resource.qualified:
                continue
            if namespace is not None and obj.namespace != namespace:
                continue
            if change.old is None:
                state.pop(obj.key, None)
            else:
                state[obj.key] = change.old
        keys = sorted(state)
        return Snapshot(rv, keys, [state[k] for k in keys])
