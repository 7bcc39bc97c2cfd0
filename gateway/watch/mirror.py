"""One cluster held in memory, compactly, turning watch events into store changes.

The watchers feed raw objects in; ``flush`` hands out what changed since the last
flush: records to write, index and count moves, and feed entries for transitions.
Dependents recompute their owners (a pod change re-judges its Deployment through
its ReplicaSet, a node change the owners of every pod on it), and only records
whose bytes changed are written.

Memory is the reason for the shapes here: a healthy pod is kept as its verdict and
container summary, not as the manifest; only pods with a problem keep their raw
object, because only they are re-judged when an event arrives or a grace period
ends, and they keep it as JSON bytes: one object instead of the hundred-odd dicts
and lists of a parsed manifest, which the garbage collector would otherwise walk on
every full collection. Node health is applied to cached pod verdicts
(``observe_node``) instead of being baked in, so a node change needs no pod manifest.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime

import orjson

from gateway.selectors import Selector, selector_from_spec
from gateway.status import (
    NodeHealth,
    PodIssue,
    PodPhase,
    PodProblem,
    PodState,
    Status,
    WorkloadState,
    evaluate_pod,
    evaluate_workload,
    node_health,
)
from gateway.status.fields import EMPTY, Obj, as_str, format_time
from gateway.status.placement import observe_node
from gateway.store import feed
from gateway.store.changes import (
    Change,
    EventPush,
    NamespaceRemove,
    NamespaceUpsert,
    NodeRemove,
    NodeUpsert,
    PodRemove,
    PodUpsert,
    WorkloadRemove,
    WorkloadUpsert,
)
from gateway.store.keys import count_field
from gateway.store.podindex import PodIndexEntry, entry_of
from gateway.store.records import (
    container_records,
    event_record,
    namespace_record,
    node_record,
    pod_id,
    pod_record,
    template_images,
    workload_id,
    workload_record,
)

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")
EVENTS_KEPT = 10

WorkloadKey = tuple[str, str, str]
PodKey = tuple[str, str]


@dataclass(slots=True)
class WorkloadEntry:
    obj: Obj
    uid: str
    images: tuple[str, ...]
    selector: Selector | None
    state: WorkloadState | None = None
    digest: int = 0


@dataclass(slots=True)
class PodEntry:
    uid: str
    owner_uid: str
    node: str
    labels: Obj | None
    containers: bytes
    """The container records as JSON (see ``pod_record``)."""
    extra: dict[str, str | None]
    state: PodState
    raw: bytes | Obj | None
    label_json: bytes = b"{}"
    written: tuple[str, str, str, str | None] | None = None
    """Phase, STATUS reason, issue and owner of the last feed entry."""
    counted: tuple[str, ...] = ()
    indexed: PodIndexEntry | None = None
    labels_sent: bytes | None = None
    digest: int = 0


@dataclass(slots=True)
class ReplicaSetEntry:
    obj: Obj
    uid: str
    owner_uid: str


@dataclass(slots=True)
class NodeEntry:
    health: NodeHealth
    record: bytes


@dataclass(slots=True)
class Unreachable:
    since: datetime
    error: str


@dataclass(slots=True)
class _Dirty:
    workloads: set[WorkloadKey] = field(default_factory=set)
    pods: set[PodKey] = field(default_factory=set)
    nodes: set[str] = field(default_factory=set)
    namespaces: set[str] = field(default_factory=set)


def _meta(obj: Obj) -> Obj:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else EMPTY


def _controller_uid(obj: Obj) -> str:
    refs = _meta(obj).get("ownerReferences")
    if not isinstance(refs, list):
        return ""
    for ref in refs:
        if isinstance(ref, dict) and ref.get("controller") is not False:
            return as_str(ref.get("uid"))
    return ""


def _slim_workload(obj: Obj) -> Obj:
    """What the rules and records read; the pod template is the bulk of a manifest."""
    meta = dict(_meta(obj))
    meta.pop("managedFields", None)
    annotations = meta.get("annotations")
    if isinstance(annotations, dict):
        meta["annotations"] = {
            k: v for k, v in annotations.items() if k == "deployment.kubernetes.io/revision"
        }
    spec = obj.get("spec")
    spec = (
        {k: v for k, v in spec.items() if k not in ("template", "jobTemplate")}
        if isinstance(spec, dict)
        else {}
    )
    return {
        "kind": obj.get("kind"),
        "metadata": meta,
        "spec": spec,
        "status": obj.get("status") or {},
    }


def _slim_event(event: Obj) -> Obj:
    keep = (
        "type",
        "reason",
        "message",
        "note",
        "count",
        "series",
        "lastTimestamp",
        "eventTime",
        "firstTimestamp",
    )
    slim = {k: event[k] for k in keep if k in event}
    involved = event.get("involvedObject") or event.get("regarding")
    slim["involvedObject"] = involved if isinstance(involved, dict) else {}
    meta = _meta(event)
    slim["metadata"] = {"uid": meta.get("uid"), "name": meta.get("name")}
    return slim


_KEPT_AS_IS = (
    orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def _refuse(value: object) -> None:
    raise TypeError(type(value).__name__)


def _kept(obj: Obj) -> bytes | Obj:
    """A manifest that is not plain JSON (built in Python, not read from an API server) is
    kept as it is, so re-judging it reads exactly what was applied."""
    try:
        return _compact(orjson.dumps(obj, default=_refuse, option=_KEPT_AS_IS))
    except TypeError:
        return obj


def _compact(data: bytes) -> bytes:
    """A copy of its own size of what orjson wrote: orjson hands out its output in the
    buffer it wrote it in, 4 KiB at least, which is 100,000 times too much for bytes
    kept per pod (or per node or namespace)."""
    return memoryview(data).tobytes()


def _revived(raw: bytes | Obj) -> Obj:
    if isinstance(raw, bytes):
        revived: Obj = orjson.loads(raw)
        return revived
    return raw


def _event_uid(event: Obj) -> str:
    meta = _meta(event)
    return as_str(meta.get("uid")) or as_str(meta.get("name"))


class ClusterMirror:
    def __init__(self, cluster: str, clock: Callable[[], datetime]) -> None:
        self.cluster = cluster
        self.clock = clock
        self.workloads: dict[WorkloadKey, WorkloadEntry] = {}
        self.pods: dict[PodKey, PodEntry] = {}
        self.replica_sets: dict[PodKey, ReplicaSetEntry] = {}
        self.nodes: dict[str, NodeEntry] = {}
        self.namespaces: dict[str, bytes] = {}
        self.unreachable: Unreachable | None = None
        self._uid_workload: dict[str, WorkloadKey] = {}
        self._uid_replica_set: dict[str, PodKey] = {}
        self._pods_by_owner: dict[str, set[PodKey]] = {}
        self._replica_sets_by_owner: dict[str, set[PodKey]] = {}
        self._jobs_by_owner: dict[str, set[WorkloadKey]] = {}
        self._pods_by_node: dict[str, set[PodKey]] = {}
        self._orphans: dict[str, set[PodKey]] = {}
        self._events: dict[tuple[str, str, str], list[Obj]] = {}
        self._dirty = _Dirty()
        self._removed: list[Change] = []
        self._new_events: list[tuple[tuple[str, str, str], Obj]] = []
        self._timers: list[tuple[datetime, str, tuple[str, ...]]] = []
        self._timer_due: dict[tuple[str, ...], datetime] = {}
        self._listing: dict[str, set[tuple[str, str]]] = {}
        self._stamp = ""
        """The time written on the feed entries of the flush under way."""

    # ---- input -------------------------------------------------------------

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
                seen.add(("", _event_uid(item)))
                self._add_event(item)
                continue
            meta = _meta(item)
            seen.add((as_str(meta.get("namespace")), as_str(meta.get("name"))))
            self.apply(kind, "ADDED", item)

    def end_listing(self, kind: str) -> None:
        """Whatever the list did not contain is gone."""
        seen = self._listing.pop(kind, set())
        if kind == "Event":
            listed = {uid for _, uid in seen}
            for target, events in list(self._events.items()):
                self._events[target] = [e for e in events if _event_uid(e) in listed]
            return
        for key in self._keys_of(kind) - seen:
            self._remove(kind, key[0], key[1])

    def _keys_of(self, kind: str) -> set[tuple[str, str]]:
        if kind == "Pod":
            return set(self.pods)
        if kind == "ReplicaSet":
            return set(self.replica_sets)
        if kind == "Node":
            return {("", name) for name in self.nodes}
        if kind == "Namespace":
            return {("", name) for name in self.namespaces}
        return {(ns, name) for (k, ns, name) in self.workloads if k == kind}

    def apply(self, kind: str, event_type: str, obj: Obj) -> None:
        meta = _meta(obj)
        namespace, name = as_str(meta.get("namespace")), as_str(meta.get("name"))
        if not name:
            return
        if event_type == "DELETED":
            if kind == "Event":
                self._forget_event(obj)
            else:
                self._remove(kind, namespace, name)
            return
        if kind == "Pod":
            self._upsert_pod(namespace, name, obj)
        elif kind in WORKLOAD_KINDS:
            self._upsert_workload(kind, namespace, name, obj)
        elif kind == "ReplicaSet":
            self._upsert_replica_set(namespace, name, obj)
        elif kind == "Node":
            self._upsert_node(name, obj)
        elif kind == "Namespace":
            self.namespaces[name] = _compact(orjson.dumps(namespace_record(self.cluster, obj)))
            self._dirty.namespaces.add(name)
        elif kind == "Event":
            self._add_event(obj)

    def _upsert_workload(self, kind: str, namespace: str, name: str, obj: Obj) -> None:
        key = (kind, namespace, name)
        uid = as_str(_meta(obj).get("uid"))
        spec = obj.get("spec")
        selector = selector_from_spec(spec.get("selector")) if isinstance(spec, dict) else None
        previous = self.workloads.get(key)
        slim = _slim_workload(obj)
        self.workloads[key] = WorkloadEntry(
            slim,
            uid,
            tuple(template_images(obj)),
            selector,
            previous.state if previous else None,
            previous.digest if previous else 0,
        )
        if previous is not None and previous.uid and previous.uid != uid:
            self._uid_workload.pop(previous.uid, None)
        if uid:
            self._uid_workload[uid] = key
        if previous is None or previous.uid != uid:
            self._dirty_owned_pods(uid)
        if kind == "Job":
            owner = _controller_uid(obj)
            if owner:
                self._jobs_by_owner.setdefault(owner, set()).add(key)
                self._dirty_uid(owner)
        self._dirty.workloads.add(key)

    def _dirty_owned_pods(self, uid: str) -> None:
        """Pods that arrived before this owner name it now (their records carry the owner)."""
        owned = set(self._pods_by_owner.get(uid, ()))
        for replica_set in self._replica_sets_by_owner.get(uid, ()):
            entry = self.replica_sets.get(replica_set)
            if entry is not None:
                owned |= self._pods_by_owner.get(entry.uid, set())
        self._dirty.pods.update(owned)

    def _upsert_replica_set(self, namespace: str, name: str, obj: Obj) -> None:
        key = (namespace, name)
        meta = _meta(obj)
        uid = as_str(meta.get("uid"))
        owner = _controller_uid(obj)
        previous = self.replica_sets.get(key)
        if previous is not None:
            self._replica_sets_by_owner.get(previous.owner_uid, set()).discard(key)
            self._dirty_uid(previous.owner_uid)
        status = obj.get("status")
        slim = {
            "kind": "ReplicaSet",
            "metadata": {"name": name, "namespace": namespace, "uid": uid},
            "status": {"conditions": status.get("conditions") or []}
            if isinstance(status, dict)
            else {},
        }
        self.replica_sets[key] = ReplicaSetEntry(slim, uid, owner)
        if uid:
            self._uid_replica_set[uid] = key
        self._replica_sets_by_owner.setdefault(owner, set()).add(key)
        self._dirty_uid(owner)
        for pod in self._pods_by_owner.get(uid, ()):
            self._dirty.pods.add(pod)

    def _upsert_node(self, name: str, obj: Obj) -> None:
        health = node_health(obj)
        previous = self.nodes.get(name)
        record = _compact(orjson.dumps(node_record(self.cluster, obj, health)))
        self.nodes[name] = NodeEntry(health, record)
        self._dirty.nodes.add(name)
        if previous is None or previous.health != health:
            self._dirty_node_pods(name)

    def _dirty_node_pods(self, node: str) -> None:
        for pod in self._pods_by_node.get(node, ()):
            self._dirty.pods.add(pod)
            entry = self.pods.get(pod)
            if entry is not None:
                self._dirty_uid(entry.owner_uid)

    def _upsert_pod(self, namespace: str, name: str, obj: Obj) -> None:
        key = (namespace, name)
        previous = self.pods.get(key)
        meta = _meta(obj)
        owner = _controller_uid(obj)
        state = evaluate_pod(obj, {}, self.clock(), self._events.get(("Pod", namespace, name), ()))
        spec = obj.get("spec")
        node = as_str(spec.get("nodeName")) if isinstance(spec, dict) else ""
        status = obj.get("status")
        status = status if isinstance(status, dict) else EMPTY
        labels = meta.get("labels") if not owner else None
        labels = labels if isinstance(labels, dict) else None
        healthy = state.problem is None and state.phase is PodPhase.RUNNING
        uid = as_str(meta.get("uid"))
        containers = _compact(orjson.dumps(container_records(obj)))
        extra: dict[str, str | None] = {
            "ip": as_str(status.get("podIP")) or None,
            "hostIP": as_str(status.get("hostIP")) or None,
            "created": as_str(meta.get("creationTimestamp")) or None,
            "resourceVersion": as_str(meta.get("resourceVersion")),
        }
        raw = None if healthy else _kept(obj)
        all_labels = meta.get("labels")
        label_json = _compact(orjson.dumps(all_labels if isinstance(all_labels, dict) else {}))
        if previous is None:
            entry = PodEntry(uid, owner, node, labels, containers, extra, state, raw, label_json)
            self.pods[key] = entry
            self._index_pod(key, entry)
        else:
            # Updated in place: a new entry per event would be one more object for the
            # garbage collector to promote and walk, for every pod that changes.
            moved = previous.owner_uid != owner or previous.node != node
            if moved:
                self._unindex_pod(key, previous)
            if previous.owner_uid != owner:
                self._dirty_uid(previous.owner_uid)
            entry = previous
            entry.uid, entry.owner_uid, entry.node, entry.labels = uid, owner, node, labels
            entry.containers, entry.extra, entry.state, entry.raw = containers, extra, state, raw
            entry.label_json = label_json
            if moved:
                self._index_pod(key, entry)
        self._dirty.pods.add(key)
        self._dirty_uid(owner)
        if not owner:
            self._dirty_selecting(namespace, entry.labels)
        if state.recheck_at is not None:
            self._schedule(state.recheck_at, "Pod", key)

    def _index_pod(self, key: PodKey, entry: PodEntry) -> None:
        if entry.owner_uid:
            self._pods_by_owner.setdefault(entry.owner_uid, set()).add(key)
        else:
            self._orphans.setdefault(key[0], set()).add(key)
        if entry.node:
            self._pods_by_node.setdefault(entry.node, set()).add(key)

    def _unindex_pod(self, key: PodKey, entry: PodEntry) -> None:
        self._pods_by_owner.get(entry.owner_uid, set()).discard(key)
        self._orphans.get(key[0], set()).discard(key)
        self._pods_by_node.get(entry.node, set()).discard(key)

    def _dirty_uid(self, uid: str) -> None:
        """Mark the workload behind this owner uid (through a ReplicaSet if need be)."""
        if not uid:
            return
        workload = self._uid_workload.get(uid)
        if workload is None:
            replica_set = self._uid_replica_set.get(uid)
            entry = self.replica_sets.get(replica_set) if replica_set else None
            workload = self._uid_workload.get(entry.owner_uid) if entry else None
        if workload is not None:
            self._dirty.workloads.add(workload)
            if workload[0] == "Job":
                owner = (
                    _controller_uid(self.workloads[workload].obj)
                    if workload in self.workloads
                    else ""
                )
                cronjob = self._uid_workload.get(owner)
                if cronjob is not None:
                    self._dirty.workloads.add(cronjob)

    def _dirty_selecting(self, namespace: str, labels: Obj | None) -> None:
        for key, entry in self.workloads.items():
            if (
                key[1] == namespace
                and entry.selector is not None
                and entry.selector.matches(labels)
            ):
                self._dirty.workloads.add(key)

    def _remove(self, kind: str, namespace: str, name: str) -> None:
        if kind == "Pod":
            self._remove_pod((namespace, name))
        elif kind in WORKLOAD_KINDS:
            self._remove_workload((kind, namespace, name))
        elif kind == "ReplicaSet":
            entry = self.replica_sets.pop((namespace, name), None)
            if entry is not None:
                self._uid_replica_set.pop(entry.uid, None)
                self._replica_sets_by_owner.get(entry.owner_uid, set()).discard((namespace, name))
                self._dirty_uid(entry.owner_uid)
        elif kind == "Node":
            if self.nodes.pop(name, None) is not None:
                self._removed.append(NodeRemove(name))
                self._dirty_node_pods(name)
        elif kind == "Namespace" and self.namespaces.pop(name, None) is not None:
            self._removed.append(NamespaceRemove(name))

    def _remove_pod(self, key: PodKey) -> None:
        entry = self.pods.pop(key, None)
        if entry is None:
            return
        self._unindex_pod(key, entry)
        self._dirty.pods.discard(key)
        self._dirty_uid(entry.owner_uid)
        if not entry.owner_uid:
            self._dirty_selecting(key[0], entry.labels)
        self._events.pop(("Pod", key[0], key[1]), None)
        if entry.written is not None:
            record = self._pod_record(key, entry, self._on_node(entry))
            self._removed.append(PodRemove(pod_id(*key), entry.counted, entry.indexed))
            self._removed.append(
                feed.pod_entry(
                    feed.DELETED,
                    record,
                    entry.written[0],
                    entry.written[1],
                    record_json=orjson.dumps(record),
                    old_issue=entry.written[2],
                    labels=entry.label_json,
                )
            )

    def _remove_workload(self, key: WorkloadKey) -> None:
        entry = self.workloads.pop(key, None)
        if entry is None:
            return
        self._uid_workload.pop(entry.uid, None)
        self._dirty.workloads.discard(key)
        self._dirty_owned_pods(entry.uid)  # their records name this owner: no longer
        self._events.pop(key, None)
        if key[0] == "Job":
            owner = _controller_uid(entry.obj)
            self._jobs_by_owner.get(owner, set()).discard(key)
            self._dirty_uid(owner)
        if entry.state is not None:
            last = workload_record(
                self.cluster, entry.state, obj=entry.obj, images=entry.images, pods=[]
            )
            self._removed.append(WorkloadRemove(workload_id(*key), self._count_of(entry.state)))
            self._removed.append(
                feed.workload_entry(
                    feed.DELETED, last, entry.state.status.value, entry.state.reason
                )
            )

    # ---- events ----------------------------------------------------------

    def _event_target(self, event: Obj) -> tuple[str, str, str] | None:
        involved = event.get("involvedObject") or event.get("regarding")
        if not isinstance(involved, dict):
            return None
        return (
            as_str(involved.get("kind")),
            as_str(involved.get("namespace")) or as_str(_meta(event).get("namespace")),
            as_str(involved.get("name")),
        )

    def _add_event(self, event: Obj) -> None:
        target = self._event_target(event)
        if target is None:
            return
        slim = _slim_event(event)
        uid = _event_uid(slim)
        known = self._events.get(target, [])
        if slim in known:
            return
        kept = [e for e in known if _event_uid(e) != uid]
        kept.append(slim)
        self._events[target] = kept[-EVENTS_KEPT:]
        self._new_events.append((target, slim))
        kind, namespace, name = target
        if kind == "Pod":
            entry = self.pods.get((namespace, name))
            if entry is not None and entry.raw is not None:
                self._upsert_pod(namespace, name, _revived(entry.raw))

    def _forget_event(self, event: Obj) -> None:
        target = self._event_target(event)
        if target is None or target not in self._events:
            return
        uid = _event_uid(event)
        self._events[target] = [e for e in self._events[target] if _event_uid(e) != uid]

    # ---- reachability ----------------------------------------------------

    def set_unreachable(self, since: datetime, error: str) -> None:
        self.unreachable = Unreachable(since, error)
        self._dirty_everything()

    def set_reachable(self) -> None:
        if self.unreachable is not None:
            self.unreachable = None
            self._dirty_everything()

    def _dirty_everything(self) -> None:
        self._dirty.workloads.update(self.workloads)
        self._dirty.pods.update(self.pods)

    # ---- output ----------------------------------------------------------

    def flush(self, now: datetime | None = None) -> list[Change]:
        """What changed since the last flush, ready for the store."""
        return list(self._changes(now or self.clock(), full=False))

    def snapshot(self, now: datetime | None = None) -> Iterator[Change]:
        """Everything, as upserts, produced as it is consumed (a full rewrite streams it).

        The set of objects is fixed when iteration starts; changes that arrive while it
        is consumed are left for the next flush.
        """
        self._dirty_everything()
        self._dirty.nodes.update(self.nodes)
        self._dirty.namespaces.update(self.namespaces)
        return self._changes(now or self.clock(), full=True)

    def _changes(self, now: datetime, *, full: bool) -> Iterator[Change]:
        self._stamp = feed.now_text()
        self._run_timers(now)
        dirty, self._dirty = self._dirty, _Dirty()
        removed, self._removed = self._removed, []
        if not full:
            yield from removed
        for name in sorted(dirty.namespaces):
            if name in self.namespaces:
                yield NamespaceUpsert(name, self.namespaces[name])
        for name in sorted(dirty.nodes):
            if name in self.nodes:
                yield NodeUpsert(name, self.nodes[name].record)
        for pod_key in sorted(dirty.pods):
            pod = self.pods.get(pod_key)
            if pod is not None:
                yield from self._pod_changes(pod_key, pod, full)
        for workload_key in sorted(dirty.workloads):
            workload = self.workloads.get(workload_key)
            if workload is not None:
                yield from self._workload_changes(workload_key, workload, now, full)
        yield from self._event_changes(full)

    def _schedule(self, due: datetime, kind: str, key: tuple[str, ...]) -> None:
        """One timer per object and due time, however often the object is re-judged."""
        if self._timer_due.get(key) == due:
            return
        self._timer_due[key] = due
        heapq.heappush(self._timers, (due, kind, key))

    def _run_timers(self, now: datetime) -> None:
        while self._timers and self._timers[0][0] <= now:
            due, kind, key = heapq.heappop(self._timers)
            if self._timer_due.get(key) == due:
                del self._timer_due[key]
            if kind == "Pod":
                pod = self.pods.get((key[0], key[1]))
                if pod is not None and pod.raw is not None:
                    self._upsert_pod(key[0], key[1], _revived(pod.raw))
            elif (key[0], key[1], key[2]) in self.workloads:
                self._dirty.workloads.add((key[0], key[1], key[2]))

    def _on_node(self, entry: PodEntry) -> PodState:
        return observe_node(
            entry.state, self.nodes[entry.node].health if entry.node in self.nodes else None
        )

    def _observed(self, state: PodState) -> PodState:
        """The pod as shown: its state on its node, through the cluster's reachability."""
        if self.unreachable is None:
            return state
        text = (
            f"Cluster {self.cluster} is unreachable since {format_time(self.unreachable.since)}; "
            f"pod {state.name} was last seen {state.display_reason}."
        )
        return replace(
            state,
            problem=PodProblem(
                PodIssue.UNOBSERVABLE, "ClusterUnreachable", text, self.unreachable.since
            ),
        )

    def _owner_key(self, key: PodKey, entry: PodEntry) -> WorkloadKey | None:
        owner = self._uid_workload.get(entry.owner_uid)
        if owner is None and entry.owner_uid in self._uid_replica_set:
            replica_set = self.replica_sets[self._uid_replica_set[entry.owner_uid]]
            owner = self._uid_workload.get(replica_set.owner_uid)
        if owner is None and not entry.owner_uid:
            for workload, candidate in self.workloads.items():
                if (
                    workload[1] == key[0]
                    and candidate.selector is not None
                    and candidate.selector.matches(entry.labels)
                ):
                    return workload
        return owner

    def _pod_record(self, key: PodKey, entry: PodEntry, own: PodState) -> dict[str, object]:
        """``own`` is the pod's state on its node (``_on_node``)."""
        owner = self._owner_key(key, entry)
        return pod_record(
            self.cluster,
            self._observed(own),
            workload_id(*owner) if owner else None,
            entry.containers,
            entry.extra,
        )

    def _pod_changes(self, key: PodKey, entry: PodEntry, full: bool) -> list[Change]:
        own = self._on_node(entry)
        record = self._pod_record(key, entry, own)
        data = orjson.dumps(record)
        digest = hash(data)
        labels = entry.label_json
        if not full and digest == entry.digest and labels == entry.labels_sent:
            return []
        namespace = key[0]
        counted: tuple[str, ...] = (count_field(namespace, str(record["phase"])),)
        if record["abnormal"]:
            counted += (count_field(namespace, "abnormal"),)
        indexed = entry_of(record)
        changes: list[Change] = [
            PodUpsert(
                pod_id(*key),
                data,
                () if full else entry.counted,
                counted,
                None if full else entry.indexed,
                indexed,
                labels if full or labels != entry.labels_sent else None,
            )
        ]
        owner = record["owner"]
        issue = own.problem.issue.value if own.problem else ""
        now_status = (
            str(record["phase"]),
            str(record["displayReason"]),
            issue,
            str(owner) if owner else None,
        )
        if not full:
            if entry.written is None:
                changes.append(
                    feed.pod_entry(
                        feed.ADDED,
                        record,
                        at=self._stamp,
                        record_json=data,
                        issue=issue,
                        labels=labels,
                    )
                )
            elif entry.written != now_status:
                old_phase, old_reason, old_issue, old_owner = entry.written
                changes.append(
                    feed.pod_entry(
                        feed.CHANGED,
                        record,
                        old_phase,
                        old_reason,
                        at=self._stamp,
                        record_json=data,
                        old_issue=old_issue,
                        issue=issue,
                        old_owner=old_owner,
                        labels=labels,
                    )
                )
        entry.digest, entry.counted, entry.written = digest, counted, now_status
        entry.indexed, entry.labels_sent = indexed, labels
        return changes

    def _workload_pods(self, key: WorkloadKey, entry: WorkloadEntry) -> list[PodKey]:
        found: set[PodKey] = set()
        if key[0] == "Deployment":
            for replica_set in self._replica_sets_by_owner.get(entry.uid, ()):
                rs = self.replica_sets.get(replica_set)
                if rs is not None:
                    found |= self._pods_by_owner.get(rs.uid, set())
        else:
            found |= self._pods_by_owner.get(entry.uid, set())
        if entry.selector is not None:
            for orphan in self._orphans.get(key[1], ()):
                pod = self.pods.get(orphan)
                if pod is not None and entry.selector.matches(pod.labels):
                    found.add(orphan)
        return sorted(found)

    def _evaluate(
        self, key: WorkloadKey, entry: WorkloadEntry, now: datetime
    ) -> tuple[WorkloadState, list[str], list[str]]:
        pod_keys = self._workload_pods(key, entry)
        states = [self._on_node(self.pods[p]) for p in pod_keys]
        replica_sets = [
            self.replica_sets[rs].obj
            for rs in sorted(self._replica_sets_by_owner.get(entry.uid, ()))
            if rs in self.replica_sets
        ]
        job_keys = sorted(self._jobs_by_owner.get(entry.uid, ())) if key[0] == "CronJob" else []
        jobs = [self.workloads[j].obj for j in job_keys if j in self.workloads]
        state = evaluate_workload(entry.obj, now, pods=states, replica_sets=replica_sets, jobs=jobs)
        if self.unreachable is not None:
            state = replace(
                state,
                status=Status.EXCEPTION,
                reason="ClusterUnreachable",
                message=(
                    f"The API server of cluster {self.cluster} has been unreachable since "
                    f"{format_time(self.unreachable.since)} ({self.unreachable.error}); last known "
                    f"status: {state.status.value} ({state.reason})."
                ),
                since=self.unreachable.since,
                recheck_at=None,
            )
        return state, [p[1] for p in pod_keys], [j[2] for j in job_keys]

    def _count_of(self, state: WorkloadState) -> str:
        return count_field(state.namespace, state.kind, state.status.value)

    def _workload_changes(
        self, key: WorkloadKey, entry: WorkloadEntry, now: datetime, full: bool
    ) -> list[Change]:
        state, pods, jobs = self._evaluate(key, entry, now)
        record = workload_record(
            self.cluster, state, obj=entry.obj, images=entry.images, pods=pods, jobs=jobs
        )
        data = orjson.dumps(record)
        digest = hash(data)
        if state.recheck_at is not None:
            self._schedule(state.recheck_at, "Workload", key)
        previous = entry.state
        if not full and digest == entry.digest:
            entry.state = state
            return []
        since = state.since.timestamp() if state.since else 0
        changes: list[Change] = [
            WorkloadUpsert(
                workload_id(*key),
                data,
                orjson.dumps([state.status.value, state.reason, since]),
                orjson.dumps(record["labels"]),
                None if full or previous is None else self._count_of(previous),
                self._count_of(state),
            )
        ]
        if not full:
            if previous is None:
                changes.append(
                    feed.workload_entry(feed.ADDED, record, at=self._stamp, record_json=data)
                )
            elif (previous.status, previous.reason) != (state.status, state.reason):
                changes.append(
                    feed.workload_entry(
                        feed.CHANGED,
                        record,
                        previous.status.value,
                        previous.reason,
                        at=self._stamp,
                        record_json=data,
                    )
                )
        entry.state, entry.digest = state, digest
        return changes

    def _event_changes(self, full: bool) -> list[Change]:
        if full:
            pending = [
                (target, event) for target, events in self._events.items() for event in events
            ]
        else:
            pending = self._new_events
        self._new_events = []
        changes: list[Change] = []
        for target, event in pending:
            kind, namespace, name = target
            ids = [workload_id(kind, namespace, name)]
            if kind == "Pod":
                pod = self.pods.get((namespace, name))
                owner = self._owner_key((namespace, name), pod) if pod is not None else None
                if owner is not None:
                    ids.append(workload_id(*owner))
            changes.append(EventPush(tuple(ids), orjson.dumps(event_record(event))))
        return changes

    @property
    def pending(self) -> bool:
        dirty = self._dirty
        return bool(
            dirty.workloads
            or dirty.pods
            or dirty.nodes
            or dirty.namespaces
            or self._removed
            or self._new_events
        )

    def next_timer(self) -> datetime | None:
        return self._timers[0][0] if self._timers else None
