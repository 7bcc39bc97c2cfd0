"""The objects of one cluster the statuses depend on, and who owns whom among them.

A pod's status counts towards a workload found through its controller uid (a
Deployment through its ReplicaSet) or, for a pod without a controller, through a
workload's selector; a CronJob's through its Jobs. These relations are kept as
indexes in both directions, so a change to either end finds the other without a scan.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from gateway.selectors import Selector
from gateway.status import NodeHealth, PodState, WorkloadState
from gateway.status.fields import Obj
from gateway.store.podindex import PodIndexEntry
from gateway.watch.compact import compact, revived

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")
MAX_OWNER_DEPTH = 3

WorkloadKey = tuple[str, str, str]
PodKey = tuple[str, str]


@dataclass(slots=True)
class WorkloadEntry:
    data: bytes | Obj
    """The slimmed object as JSON (see ``compact.kept``): a parsed Deployment is some
    fifty dicts and strings, 5.9 KiB where its JSON is 1 KiB, and it is read only when
    the workload is judged again."""
    uid: str
    images: tuple[str, ...]
    selector: Selector | None
    state: WorkloadState | None = None
    digest: int = 0
    owner_uid: str = ""
    """Its controller's uid (a Job's CronJob, a VirtualMachineInstance's machine), kept
    apart so that following ownership on every pod change parses no JSON."""

    @property
    def obj(self) -> Obj:
        return revived(self.data)


@dataclass(slots=True)
class PodEntry:
    uid: str
    owner_uid: str
    node: str
    labels: Obj | None
    containers: bytes
    """The container records as JSON (see ``pod_record``)."""
    extra: bytes
    """The record's last fields (see ``pack_extra``)."""
    state: PodState
    raw: bytes | Obj | None
    label_json: bytes = b"{}"
    written: tuple[str, str, str, str | None] | None = None
    """Phase, STATUS reason, issue and owner of the last feed entry."""
    counted: tuple[str, ...] = ()
    indexed: PodIndexEntry | None = None
    labels_sent: bytes | None = None
    digest: int = 0
    owner_kind: str = ""
    """The kind of workload the pod belongs to, kept once its owner is gone: the grant a
    caller needs to see it (a Job's pod outlives its Job while the collector deletes it,
    and an orphaned one stays), so losing the owner never shows it to more callers."""


@dataclass(slots=True)
class ReplicaSetEntry:
    data: bytes | Obj
    """The slimmed object as JSON, as a workload's."""
    uid: str
    owner_uid: str
    owner_kind: str = ""
    """Deployment, or the custom kind (``Rollout.argoproj.io``) that rolls out through it."""

    @property
    def obj(self) -> Obj:
        return revived(self.data)


@dataclass(slots=True)
class NodeEntry:
    health: NodeHealth
    record: bytes


EXTRA_FIELDS = ("ip", "hostIP", "created", "resourceVersion")


def pack_extra(ip: str | None, host_ip: str | None, created: str | None, version: str) -> bytes:
    """A pod's IP, host IP, creation time and resourceVersion as one JSON array: one
    object of about 100 B, where a dict of four strings is 430 B."""
    return compact(orjson.dumps([ip, host_ip, created, version]))


def unpacked_extra(packed: bytes) -> dict[str, object]:
    return dict(zip(EXTRA_FIELDS, orjson.loads(packed), strict=True))


class ClusterObjects:
    def __init__(self) -> None:
        self.workloads: dict[WorkloadKey, WorkloadEntry] = {}
        self.pods: dict[PodKey, PodEntry] = {}
        self.replica_sets: dict[PodKey, ReplicaSetEntry] = {}
        self.nodes: dict[str, NodeEntry] = {}
        self.namespaces: dict[str, bytes] = {}
        self.uid_workload: dict[str, WorkloadKey] = {}
        self.uid_replica_set: dict[str, PodKey] = {}
        self.pods_by_owner: dict[str, set[PodKey]] = {}
        self.replica_sets_by_owner: dict[str, set[PodKey]] = {}
        self.jobs_by_owner: dict[str, set[WorkloadKey]] = {}
        self.custom_by_owner: dict[str, set[WorkloadKey]] = {}
        """Custom workloads controlled by another workload (a VirtualMachine's instance)."""
        self.custom_kinds: set[str] = set()
        """The custom kinds watched now, as ``Kind.group``."""
        self.pods_by_node: dict[str, set[PodKey]] = {}
        self.orphans: dict[str, set[PodKey]] = {}

    def keys_of(self, kind: str) -> set[tuple[str, str]]:
        if kind == "Pod":
            return set(self.pods)
        if kind == "ReplicaSet":
            return set(self.replica_sets)
        if kind == "Node":
            return {("", name) for name in self.nodes}
        if kind == "Namespace":
            return {("", name) for name in self.namespaces}
        return {(ns, name) for (k, ns, name) in self.workloads if k == kind}

    def index_pod(self, key: PodKey, entry: PodEntry) -> None:
        if entry.owner_uid:
            self.pods_by_owner.setdefault(entry.owner_uid, set()).add(key)
        else:
            self.orphans.setdefault(key[0], set()).add(key)
        if entry.node:
            self.pods_by_node.setdefault(entry.node, set()).add(key)

    def unindex_pod(self, key: PodKey, entry: PodEntry) -> None:
        self.pods_by_owner.get(entry.owner_uid, set()).discard(key)
        self.orphans.get(key[0], set()).discard(key)
        self.pods_by_node.get(entry.node, set()).discard(key)

    def is_workload(self, kind: str) -> bool:
        return kind in WORKLOAD_KINDS or kind in self.custom_kinds

    def controlling_kind(self, kind: str, uid: str) -> str:
        """The workload kind behind a pod's controller reference of ``kind``: a
        ReplicaSet's pods are its owner's (a Deployment's unless known otherwise) unless
        the ReplicaSet is known to stand alone. A custom controller's pods are its kind's
        even while that kind is not watched, so they are never shown to more callers than
        its objects would be; a built-in non-workload controller (a Node) makes them loose."""
        if kind in WORKLOAD_KINDS or "." in kind:
            return kind
        if kind != "ReplicaSet":
            return ""
        found = self.uid_replica_set.get(uid)
        if found is None:
            return "Deployment"
        replica_set = self.replica_sets[found]
        return (replica_set.owner_kind or "Deployment") if replica_set.owner_uid else ""

    def owner_of(self, key: PodKey, entry: PodEntry) -> WorkloadKey | None:
        owner = self.uid_workload.get(entry.owner_uid)
        if owner is None and entry.owner_uid in self.uid_replica_set:
            replica_set = self.replica_sets[self.uid_replica_set[entry.owner_uid]]
            owner = self.uid_workload.get(replica_set.owner_uid)
        if owner is None and not entry.owner_uid:
            for workload, candidate in self.workloads.items():
                if (
                    workload[1] == key[0]
                    and candidate.selector is not None
                    and candidate.selector.matches(entry.labels)
                ):
                    return workload
        return owner

    def pods_of(self, key: WorkloadKey, entry: WorkloadEntry) -> list[PodKey]:
        found: set[PodKey] = set()
        if key[0] == "Deployment":
            found |= self._through_replica_sets(entry.uid)
        elif key[0] in self.custom_kinds:
            found |= self._custom_pods(entry.uid, depth=0)
        else:
            found |= self.pods_by_owner.get(entry.uid, set())
        if entry.selector is not None:
            for orphan in self.orphans.get(key[1], ()):
                pod = self.pods.get(orphan)
                if pod is not None and entry.selector.matches(pod.labels):
                    found.add(orphan)
        return sorted(found)

    def _through_replica_sets(self, uid: str) -> set[PodKey]:
        found: set[PodKey] = set()
        for replica_set in self.replica_sets_by_owner.get(uid, ()):
            rs = self.replica_sets.get(replica_set)
            if rs is not None:
                found |= self.pods_by_owner.get(rs.uid, set())
        return found

    def _custom_pods(self, uid: str, depth: int) -> set[PodKey]:
        """A custom workload's pods however its controller makes them: directly (a
        CloneSet), through ReplicaSets (a Rollout) or through custom workloads it controls
        (a VirtualMachine through its instance's launcher pod). ``depth`` bounds the
        descent, since ownerReferences written by hand can form a cycle."""
        found = self.pods_by_owner.get(uid, set()) | self._through_replica_sets(uid)
        if depth < MAX_OWNER_DEPTH:
            for child in self.custom_by_owner.get(uid, ()):
                owned = self.workloads.get(child)
                if owned is not None:
                    found |= self._custom_pods(owned.uid, depth + 1)
        return found

    def parent_of(self, key: WorkloadKey) -> WorkloadKey | None:
        """The workload controlling a custom workload, when it is watched too."""
        entry = self.workloads.get(key)
        if entry is None or key[0] not in self.custom_kinds:
            return None
        return self.uid_workload.get(entry.owner_uid)
