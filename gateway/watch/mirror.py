"""One cluster held in memory, compactly, turning watch events into store changes.

The watchers feed raw objects in; ``flush`` hands out what changed since the last
flush: records to write, index and count moves, and feed entries for transitions.
Dependents recompute their owners (a pod change re-judges its Deployment through
its ReplicaSet, a node change the owners of every pod on it), and only records
whose bytes changed are written.

The parts: ``objects`` holds what the statuses depend on and who owns whom
(objects.py), kept small (compact.py); ``Stale`` marks what a change makes stale
(stale.py); ``EventLog`` keeps each object's last events (event_log.py);
``Rechecks`` says when a verdict expires (rechecks.py); ``StatusPass`` turns the
stale objects into changes (status_pass.py), as an unreachable cluster's records
read them (unreachable.py).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import islice

import orjson

from gateway.rules.opted import OptedKinds
from gateway.selectors import selector_from_spec
from gateway.status import PodPhase, evaluate_pod, node_health
from gateway.status.fields import EMPTY, Obj, as_str
from gateway.store import feed
from gateway.store.changes import Change, NamespaceRemove, NodeRemove
from gateway.store.records import container_records, namespace_record, node_record, template_images
from gateway.watch.compact import (
    compact,
    kept,
    revived,
    shared_names,
    slim_custom,
    slim_replica_set,
    slim_workload,
)
from gateway.watch.event_log import EventLog
from gateway.watch.metadata import controller_kind, controller_uid, event_uid, meta
from gateway.watch.objects import (
    ClusterObjects,
    NodeEntry,
    PodEntry,
    PodKey,
    ReplicaSetEntry,
    WorkloadEntry,
    WorkloadKey,
    pack_extra,
)
from gateway.watch.rechecks import Rechecks
from gateway.watch.stale import Stale
from gateway.watch.status_pass import StatusPass
from gateway.watch.unreachable import Unreachable


class ClusterMirror:
    def __init__(
        self,
        cluster: str,
        clock: Callable[[], datetime],
        opted: OptedKinds | None = None,
    ) -> None:
        self.cluster = cluster
        self.clock = clock
        self.objects = ClusterObjects()
        self._stale = Stale(self.objects)
        self._events = EventLog()
        self._rechecks = Rechecks()
        self._status = StatusPass(
            cluster, self.objects, self._events, self._rechecks, opted or OptedKinds.none()
        )
        self._removed: list[Change] = []
        self._listing: dict[str, set[tuple[str, str]]] = {}

    # ---- input -------------------------------------------------------------

    def watch_kind(self, kind: str) -> None:
        """Objects of this custom kind (``Kind.group``) are workloads from now on."""
        self.objects.custom_kinds.add(kind)
        self._stale.pods.update(  # pods that named it as a controller no one watched
            key for key, entry in self.objects.pods.items() if entry.owner_kind == kind
        )

    def forget_kind(self, kind: str) -> None:
        """Its CRD is gone (or no longer wanted): its objects go, with a feed entry each."""
        self._listing.pop(kind, None)
        for key in self.objects.keys_of(kind):
            self._remove(kind, key[0], key[1])
        self.objects.custom_kinds.discard(kind)

    def replace(self, kind: str, items: Iterable[Obj]) -> None:
        """A full list: everything in it upserted, everything of this kind not in it removed."""
        self.begin_listing(kind)
        self.list_page(kind, items)
        self.end_listing(kind)

    def begin_listing(self, kind: str) -> None:
        """A relist starts; pages follow. Pages are taken one by one so that a list of
        100,000 pods never sits in memory whole."""
        self._listing[kind] = set()

    def list_page(self, kind: str, items: Iterable[Obj]) -> None:
        seen = self._listing.setdefault(kind, set())
        for item in items:
            if kind == "Event":
                seen.add(("", event_uid(item)))
                self._add_event(item)
                continue
            found = meta(item)
            seen.add((as_str(found.get("namespace")), as_str(found.get("name"))))
            self.apply(kind, "ADDED", item)

    def end_listing(self, kind: str) -> None:
        """Whatever the list did not contain is gone."""
        seen = self._listing.pop(kind, set())
        if kind == "Event":
            self._events.keep_only({uid for _, uid in seen})
            return
        for key in self.objects.keys_of(kind) - seen:
            self._remove(kind, key[0], key[1])

    def apply(self, kind: str, event_type: str, obj: Obj) -> None:
        found = meta(obj)
        namespace, name = as_str(found.get("namespace")), as_str(found.get("name"))
        if not name:
            return
        if event_type == "DELETED":
            if kind == "Event":
                self._events.forget(obj)
            else:
                self._remove(kind, namespace, name)
            return
        if kind == "Pod":
            self._upsert_pod(namespace, name, obj)
        elif self.objects.is_workload(kind):
            self._upsert_workload(kind, namespace, name, obj)
        elif kind == "ReplicaSet":
            self._upsert_replica_set(namespace, name, obj)
        elif kind == "Node":
            self._upsert_node(name, obj)
        elif kind == "Namespace":
            self.objects.namespaces[name] = compact(
                orjson.dumps(namespace_record(self.cluster, obj))
            )
            self._stale.namespaces.add(name)
        elif kind == "Event":
            self._add_event(obj)

    def _upsert_workload(self, kind: str, namespace: str, name: str, obj: Obj) -> None:
        objects = self.objects
        key = (kind, namespace, name)
        uid = as_str(meta(obj).get("uid"))
        spec = obj.get("spec")
        selector = selector_from_spec(spec.get("selector")) if isinstance(spec, dict) else None
        previous = objects.workloads.get(key)
        custom = kind in objects.custom_kinds
        slim = slim_custom(obj) if custom else slim_workload(obj)
        owner = controller_uid(obj)
        objects.workloads[key] = WorkloadEntry(
            kept(slim),
            uid,
            tuple(template_images(obj)),
            selector,
            previous.state if previous else None,
            previous.digest if previous else 0,
            owner,
        )
        if previous is not None and previous.uid and previous.uid != uid:
            objects.uid_workload.pop(previous.uid, None)
        if uid:
            objects.uid_workload[uid] = key
        if previous is None or previous.uid != uid:
            self._stale.owned_pods(uid)
        if kind == "Job" or custom:
            by_owner = objects.custom_by_owner if custom else objects.jobs_by_owner
            if previous is not None and previous.owner_uid != owner:
                by_owner.get(previous.owner_uid, set()).discard(key)
            if owner:
                by_owner.setdefault(owner, set()).add(key)
                self._stale.owner(owner)
        self._stale.workloads.add(key)

    def _upsert_replica_set(self, namespace: str, name: str, obj: Obj) -> None:
        objects = self.objects
        key = (namespace, name)
        uid = as_str(meta(obj).get("uid"))
        owner = controller_uid(obj)
        previous = objects.replica_sets.get(key)
        if previous is not None:
            objects.replica_sets_by_owner.get(previous.owner_uid, set()).discard(key)
            self._stale.owner(previous.owner_uid)
        objects.replica_sets[key] = ReplicaSetEntry(
            kept(slim_replica_set(namespace, name, uid, obj)), uid, owner, controller_kind(obj)
        )
        if uid:
            objects.uid_replica_set[uid] = key
        objects.replica_sets_by_owner.setdefault(owner, set()).add(key)
        self._stale.owner(owner)
        for pod in objects.pods_by_owner.get(uid, ()):
            self._stale.pods.add(pod)

    def _upsert_node(self, name: str, obj: Obj) -> None:
        health = node_health(obj)
        previous = self.objects.nodes.get(name)
        record = compact(orjson.dumps(node_record(self.cluster, obj, health)))
        self.objects.nodes[name] = NodeEntry(health, record)
        self._stale.nodes.add(name)
        if previous is None or previous.health != health:
            self._stale.node_pods(name)

    def _upsert_pod(self, namespace: str, name: str, obj: Obj) -> None:
        objects = self.objects
        shared_names(obj)
        namespace = sys.intern(namespace)
        key = (namespace, name)
        previous = objects.pods.get(key)
        found = meta(obj)
        owner = sys.intern(controller_uid(obj))
        state = evaluate_pod(obj, {}, self.clock(), self._events.of(("Pod", namespace, name)))
        spec = obj.get("spec")
        node = as_str(spec.get("nodeName")) if isinstance(spec, dict) else ""
        status = obj.get("status")
        status = status if isinstance(status, dict) else EMPTY
        labels = found.get("labels") if not owner else None
        labels = labels if isinstance(labels, dict) else None
        healthy = state.problem is None and state.phase is PodPhase.RUNNING
        uid = as_str(found.get("uid"))
        containers = compact(orjson.dumps(container_records(obj)))
        extra = pack_extra(
            as_str(status.get("podIP")) or None,
            as_str(status.get("hostIP")) or None,
            as_str(found.get("creationTimestamp")) or None,
            as_str(found.get("resourceVersion")),
        )
        raw = None if healthy else kept(obj)
        label_json = self._label_json(found.get("labels"), owner, previous)
        owner_kind = objects.controlling_kind(controller_kind(obj), owner)
        if previous is None:
            entry = PodEntry(uid, owner, node, labels, containers, extra, state, raw, label_json)
            entry.owner_kind = owner_kind
            objects.pods[key] = entry
            objects.index_pod(key, entry)
        else:
            # Updated in place: a new entry per event would be one more object for the
            # garbage collector to promote and walk, for every pod that changes.
            moved = previous.owner_uid != owner or previous.node != node
            if moved:
                objects.unindex_pod(key, previous)
            if previous.owner_uid != owner:
                self._stale.owner(previous.owner_uid)
            entry = previous
            entry.uid, entry.owner_uid, entry.node, entry.labels = uid, owner, node, labels
            entry.containers, entry.extra, entry.state, entry.raw = containers, extra, state, raw
            entry.label_json = label_json
            entry.owner_kind = owner_kind or entry.owner_kind
            if moved:
                objects.index_pod(key, entry)
        self._stale.pods.add(key)
        self._stale.owner(owner)
        if not owner:
            self._stale.selecting(namespace, entry.labels)
        if state.recheck_at is not None:
            self._rechecks.schedule(state.recheck_at, "Pod", key)

    def _label_json(self, labels: object, owner: str, previous: PodEntry | None) -> bytes:
        """The pod's labels as JSON, the same bytes object as its previous version's or a
        sibling's when equal: the pods of one ReplicaSet mostly carry the same labels."""
        data = orjson.dumps(labels if isinstance(labels, dict) else {})
        if previous is not None and previous.label_json == data:
            return previous.label_json
        for sibling in islice(self.objects.pods_by_owner.get(owner, ()), 1):
            known = self.objects.pods[sibling].label_json
            if known == data:
                return known
        return compact(data)

    def _remove(self, kind: str, namespace: str, name: str) -> None:
        objects = self.objects
        if kind == "Pod":
            self._remove_pod((namespace, name))
        elif self.objects.is_workload(kind):
            self._remove_workload((kind, namespace, name))
        elif kind == "ReplicaSet":
            entry = objects.replica_sets.pop((namespace, name), None)
            if entry is not None:
                objects.uid_replica_set.pop(entry.uid, None)
                objects.replica_sets_by_owner.get(entry.owner_uid, set()).discard((namespace, name))
                self._stale.owner(entry.owner_uid)
        elif kind == "Node":
            if objects.nodes.pop(name, None) is not None:
                self._removed.append(NodeRemove(name))
                self._stale.node_pods(name)
        elif kind == "Namespace" and objects.namespaces.pop(name, None) is not None:
            self._removed.append(NamespaceRemove(name))

    def _remove_pod(self, key: PodKey) -> None:
        entry = self.objects.pods.pop(key, None)
        if entry is None:
            return
        self.objects.unindex_pod(key, entry)
        self._stale.pods.discard(key)
        self._stale.owner(entry.owner_uid)
        if not entry.owner_uid:
            self._stale.selecting(key[0], entry.labels)
        self._events.drop(("Pod", key[0], key[1]))
        self._removed.extend(self._status.pod_removed(key, entry))

    def _remove_workload(self, key: WorkloadKey) -> None:
        objects = self.objects
        entry = objects.workloads.pop(key, None)
        if entry is None:
            return
        objects.uid_workload.pop(entry.uid, None)
        self._stale.workloads.discard(key)
        self._stale.owned_pods(entry.uid)  # their records name this owner: no longer
        self._events.drop(key)
        if key[0] == "Job" or key[0] in objects.custom_kinds:
            by_owner = objects.jobs_by_owner if key[0] == "Job" else objects.custom_by_owner
            by_owner.get(entry.owner_uid, set()).discard(key)
            self._stale.owner(entry.owner_uid)
        self._removed.extend(self._status.workload_removed(key, entry))

    def _add_event(self, event: Obj) -> None:
        """A pod with a problem is judged again with its new event (its message may say why)."""
        target = self._events.add(event)
        if target is None:
            return
        kind, namespace, name = target
        if kind == "Pod":
            entry = self.objects.pods.get((namespace, name))
            if entry is not None and entry.raw is not None:
                self._upsert_pod(namespace, name, revived(entry.raw))

    # ---- reachability ----------------------------------------------------

    def set_unreachable(self, since: datetime, error: str) -> None:
        self._status.unreachable = Unreachable(since, error)
        self._stale.everything()

    def set_reachable(self) -> None:
        if self._status.unreachable is not None:
            self._status.unreachable = None
            self._stale.everything()

    # ---- output ----------------------------------------------------------

    def flush(self, now: datetime | None = None) -> list[Change]:
        """What changed since the last flush, ready for the store."""
        return list(self._changes(now or self.clock(), full=False))

    def flush_in_slices(self, size: int, now: datetime | None = None) -> Iterator[list[Change]]:
        """``flush`` in slices of at most ``size`` changes, each computed only when asked
        for, so that the caller can write one and let the event loop run before the next:
        judging 1,000 new pods at once would hold it for tens of milliseconds. Changes
        that arrive meanwhile are left for the next flush, as with ``snapshot``."""
        changes = self._changes(now or self.clock(), full=False)
        while part := list(islice(changes, size)):
            yield part

    def snapshot(self, now: datetime | None = None) -> Iterator[Change]:
        """Everything, as upserts, produced as it is consumed (a full rewrite streams it).

        The set of objects is fixed when iteration starts; changes that arrive while it
        is consumed are left for the next flush.
        """
        self._stale.everything()
        self._stale.nodes.update(self.objects.nodes)
        self._stale.namespaces.update(self.objects.namespaces)
        return self._changes(now or self.clock(), full=True)

    def _changes(self, now: datetime, *, full: bool) -> Iterator[Change]:
        stamp = feed.now_text()
        self._run_rechecks(now)
        stale = self._stale.take()
        removed, self._removed = self._removed, []
        if not full:
            yield from removed
        yield from self._status.changes(stale, now, full=full, stamp=stamp)

    def _run_rechecks(self, now: datetime) -> None:
        for kind, key in self._rechecks.due(now):
            if kind == "Pod":
                pod = self.objects.pods.get((key[0], key[1]))
                if pod is not None and pod.raw is not None:
                    self._upsert_pod(key[0], key[1], revived(pod.raw))
            elif (key[0], key[1], key[2]) in self.objects.workloads:
                self._stale.workloads.add((key[0], key[1], key[2]))

    @property
    def pending(self) -> bool:
        return bool(self._stale.any or self._removed or self._events.new)

    def next_timer(self) -> datetime | None:
        return self._rechecks.next()
