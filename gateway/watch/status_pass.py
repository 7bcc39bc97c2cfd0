"""One flush's work: stale objects judged as they are seen, and only changed records written.

A pod's verdict is cached as evaluated from its manifest; here it is seen through
its node's health (``observe_node``, so a node change needs no pod manifest) and
through the cluster's reachability. Each record's bytes are hashed; a record whose
hash is the one last written yields no change, and one whose status moved yields a
feed entry too.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import datetime

import orjson

from gateway.rules.custom import evaluate_custom
from gateway.rules.opted import OptedKinds
from gateway.status import PodState, WorkloadState, evaluate_workload
from gateway.status.fields import Obj
from gateway.status.placement import observe_node
from gateway.store import feed
from gateway.store.changes import (
    Change,
    EventPush,
    NamespaceUpsert,
    NodeUpsert,
    PodRemove,
    PodUpsert,
    WorkloadRemove,
    WorkloadUpsert,
)
from gateway.store.keys import count_field
from gateway.store.podindex import entry_of
from gateway.store.records import event_record, pod_id, pod_record, workload_id, workload_record
from gateway.watch.event_log import EventLog
from gateway.watch.objects import (
    ClusterObjects,
    PodEntry,
    PodKey,
    WorkloadEntry,
    WorkloadKey,
    unpacked_extra,
)
from gateway.watch.rechecks import Rechecks
from gateway.watch.stale import StaleKeys
from gateway.watch.unreachable import (
    Unreachable,
    pod_while_unreachable,
    workload_while_unreachable,
)

SHARED_COUNTS = 10_000


def _count_of(state: WorkloadState) -> str:
    return count_field(state.namespace, state.kind, state.status.value)


class StatusPass:
    def __init__(
        self,
        cluster: str,
        objects: ClusterObjects,
        events: EventLog,
        rechecks: Rechecks,
        opted: OptedKinds,
    ) -> None:
        self.cluster = cluster
        self.objects = objects
        self.events = events
        self.rechecks = rechecks
        self.opted = opted
        self.unreachable: Unreachable | None = None
        self._counted: dict[tuple[str, ...], tuple[str, ...]] = {}

    def changes(
        self, stale: StaleKeys, now: datetime, *, full: bool, stamp: str
    ) -> Iterator[Change]:
        """The stale records in order (namespaces, nodes, pods, workloads), then events.

        ``stamp`` is the time written on the pass's feed entries.
        """
        objects = self.objects
        for name in sorted(stale.namespaces):
            if name in objects.namespaces:
                yield NamespaceUpsert(name, objects.namespaces[name])
        for name in sorted(stale.nodes):
            if name in objects.nodes:
                yield NodeUpsert(name, objects.nodes[name].record)
        for pod_key in sorted(stale.pods):
            pod = objects.pods.get(pod_key)
            if pod is not None:
                yield from self._pod_changes(pod_key, pod, full, stamp)
        for workload_key in sorted(stale.workloads):
            workload = objects.workloads.get(workload_key)
            if workload is not None:
                yield from self._workload_changes(workload_key, workload, now, full, stamp)
        yield from self._event_changes(full)

    def _on_node(self, entry: PodEntry) -> PodState:
        nodes = self.objects.nodes
        return observe_node(entry.state, nodes[entry.node].health if entry.node in nodes else None)

    def _observed(self, state: PodState) -> PodState:
        """The pod as shown: its state on its node, through the cluster's reachability."""
        if self.unreachable is None:
            return state
        return pod_while_unreachable(state, self.cluster, self.unreachable)

    def _pod_record(self, key: PodKey, entry: PodEntry, own: PodState) -> dict[str, object]:
        """``own`` is the pod's state on its node (``_on_node``)."""
        owner = self.objects.owner_of(key, entry)
        if owner is not None:
            entry.owner_kind = owner[0]
        return pod_record(
            self.cluster,
            self._observed(own),
            workload_id(*owner) if owner else None,
            entry.containers,
            unpacked_extra(entry.extra),
            orphan_of="" if owner else entry.owner_kind,
        )

    def _pod_changes(self, key: PodKey, entry: PodEntry, full: bool, stamp: str) -> list[Change]:
        own = self._on_node(entry)
        record = self._pod_record(key, entry, own)
        data = orjson.dumps(record)
        digest = hash(data)
        labels = entry.label_json
        if not full and digest == entry.digest and labels == entry.labels_sent:
            return []
        namespace = key[0]
        # Interned: the same few fields (a namespace's phases) for every pod of it.
        counted: tuple[str, ...] = (sys.intern(count_field(namespace, str(record["phase"]))),)
        if record["abnormal"]:
            counted += (sys.intern(count_field(namespace, "abnormal")),)
        counted = self._shared(counted)
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
            sys.intern(str(owner)) if owner else None,
        )
        if not full:
            if entry.written is None:
                changes.append(
                    feed.pod_entry(
                        feed.ADDED,
                        record,
                        at=stamp,
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
                        at=stamp,
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

    def _shared(self, counted: tuple[str, ...]) -> tuple[str, ...]:
        """One tuple for all the pods that count towards the same fields. The cache is
        emptied when it grows past ``SHARED_COUNTS``, so namespaces that come and go
        do not leave their fields behind for good."""
        if len(self._counted) >= SHARED_COUNTS:
            self._counted.clear()
        return self._counted.setdefault(counted, counted)

    def pod_removed(self, key: PodKey, entry: PodEntry) -> list[Change]:
        """A removed pod that was written: its record goes, and the feed says what it was last."""
        if entry.written is None:
            return []
        record = self._pod_record(key, entry, self._on_node(entry))
        return [
            PodRemove(pod_id(*key), entry.counted, entry.indexed),
            feed.pod_entry(
                feed.DELETED,
                record,
                entry.written[0],
                entry.written[1],
                record_json=orjson.dumps(record),
                old_issue=entry.written[2],
                labels=entry.label_json,
            ),
        ]

    def _evaluate(
        self, key: WorkloadKey, entry: WorkloadEntry, obj: Obj, now: datetime
    ) -> tuple[WorkloadState, list[str], list[str]]:
        """``obj`` is ``entry.obj``, revived once for the whole pass."""
        objects = self.objects
        pod_keys = objects.pods_of(key, entry)
        states = [self._on_node(objects.pods[p]) for p in pod_keys]
        if key[0] in objects.custom_kinds:
            state = evaluate_custom(
                self.opted.rules,
                key[0],
                obj if isinstance(obj, dict) else dict(obj),
                now,
                pods=states,
                family_hint=self.opted.family(key[0]),
            )
            if self.unreachable is not None:
                state = workload_while_unreachable(state, self.cluster, self.unreachable)
            return state, [p[1] for p in pod_keys], []
        replica_sets = [
            objects.replica_sets[rs].obj
            for rs in sorted(objects.replica_sets_by_owner.get(entry.uid, ()))
            if rs in objects.replica_sets
        ]
        job_keys = sorted(objects.jobs_by_owner.get(entry.uid, ())) if key[0] == "CronJob" else []
        jobs = [objects.workloads[j].obj for j in job_keys if j in objects.workloads]
        state = evaluate_workload(obj, now, pods=states, replica_sets=replica_sets, jobs=jobs)
        if self.unreachable is not None:
            state = workload_while_unreachable(state, self.cluster, self.unreachable)
        return state, [p[1] for p in pod_keys], [j[2] for j in job_keys]

    def _family(self, key: WorkloadKey) -> str | None:
        """A custom kind's family (the record says which vocabulary it speaks)."""
        return self.opted.family(key[0]).value if key[0] in self.objects.custom_kinds else None

    def _workload_changes(
        self, key: WorkloadKey, entry: WorkloadEntry, now: datetime, full: bool, stamp: str
    ) -> list[Change]:
        obj = entry.obj
        state, pods, jobs = self._evaluate(key, entry, obj, now)
        record = workload_record(
            self.cluster,
            state,
            obj=obj,
            images=entry.images,
            pods=pods,
            jobs=jobs,
            family=self._family(key),
        )
        data = orjson.dumps(record)
        digest = hash(data)
        if state.recheck_at is not None:
            self.rechecks.schedule(state.recheck_at, "Workload", key)
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
                None if full or previous is None else _count_of(previous),
                _count_of(state),
            )
        ]
        if not full:
            if previous is None:
                changes.append(feed.workload_entry(feed.ADDED, record, at=stamp, record_json=data))
            elif (previous.status, previous.reason) != (state.status, state.reason):
                changes.append(
                    feed.workload_entry(
                        feed.CHANGED,
                        record,
                        previous.status.value,
                        previous.reason,
                        at=stamp,
                        record_json=data,
                    )
                )
        entry.state, entry.digest = state, digest
        return changes

    def workload_removed(self, key: WorkloadKey, entry: WorkloadEntry) -> list[Change]:
        """A removed workload that was judged: its record goes, and the feed says what it was."""
        if entry.state is None:
            return []
        last = workload_record(
            self.cluster,
            entry.state,
            obj=entry.obj,
            images=entry.images,
            pods=[],
            family=self._family(key),
        )
        return [
            WorkloadRemove(workload_id(*key), _count_of(entry.state)),
            feed.workload_entry(feed.DELETED, last, entry.state.status.value, entry.state.reason),
        ]

    def _event_changes(self, full: bool) -> list[Change]:
        changes: list[Change] = []
        for target, event in self.events.take(full):
            kind, namespace, name = target
            ids = [workload_id(kind, namespace, name)]
            if kind == "Pod":
                pod = self.objects.pods.get((namespace, name))
                owner = self.objects.owner_of((namespace, name), pod) if pod is not None else None
                if owner is not None:
                    ids.append(workload_id(*owner))
            changes.append(EventPush(tuple(ids), orjson.dumps(event_record(event))))
        return changes
