"""Who owns what: pods under ReplicaSets under Deployments, Jobs under CronJobs.

ownerReferences decide (by uid, or by kind and name when hand-written manifests
carry no uids); objects without any fall back to their owner's label selector, and
Jobs without one to the CronJob naming scheme ``<cronjob>-<minutes>``.

A dump may lack the objects in between (``kubectl get deploy,pods`` has no ReplicaSets).
A pod that names an absent ReplicaSet ``<deployment>-<hash>``, carries that hash as its
``pod-template-hash`` label and matches the Deployment's selector is that Deployment's,
as the Deployment controller names them; the grouping records it did so. It does not
when other ReplicaSets of the Deployment are there: then the pod's one is gone. Pods
whose owner cannot be found either are loose, and the owner they name is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from gateway.selectors import Selector, selector_from_spec
from gateway.status.fields import EMPTY, Obj, as_str
from gateway.status.model import Kind

WORKLOAD_KINDS = frozenset(k.value for k in Kind)
_CRONJOB_JOB_NAME = re.compile(r"^(?P<owner>.+)-\d+$")
_GROUPING_KINDS = WORKLOAD_KINDS | {"ReplicaSet"}
"""Owner kinds the gateway groups pods under; a pod owned by anything else (a Node, a
custom controller) is the gateway's loose pod too, and its owner's absence no gap."""


@dataclass(frozen=True, slots=True)
class Absent:
    """An owner that an object names but the input does not hold."""

    kind: str
    name: str
    named_by: str = ""
    """The object in the input in between, when it is that one that names the absent owner
    (``ReplicaSet web-5d8f7c9b6`` for its absent Deployment)."""


@dataclass(slots=True)
class Workload:
    obj: Obj
    pods: list[Obj] = field(default_factory=list)
    replica_sets: list[Obj] = field(default_factory=list)
    jobs: list[Obj] = field(default_factory=list)
    inferred: dict[str, int] = field(default_factory=dict)
    """Absent ReplicaSets its pods name, with how many pods each: counted as its by name."""

    @property
    def kind(self) -> str:
        return as_str(self.obj.get("kind"))


@dataclass(slots=True)
class Fleet:
    """A set of objects sorted into workloads, with what is left over."""

    workloads: list[Workload] = field(default_factory=list)
    loose_pods: list[Obj] = field(default_factory=list)
    nodes: list[Obj] = field(default_factory=list)
    events: list[Obj] = field(default_factory=list)
    ignored: dict[str, int] = field(default_factory=dict)
    absent_owners: list[tuple[Obj, Absent]] = field(default_factory=list)
    """Loose pods whose owner is not in the input, each with that owner."""


def identity(obj: Obj) -> tuple[str, str, str]:
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, Mapping) else EMPTY
    return as_str(obj.get("kind")), as_str(meta.get("namespace")), as_str(meta.get("name"))


def _meta(obj: Obj) -> Obj:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else EMPTY


class _Owners:
    """Lookup of possible owners by uid and by (kind, namespace, name)."""

    def __init__(self) -> None:
        self.by_uid: dict[str, Workload | Obj] = {}
        self.by_name: dict[tuple[str, str, str], Workload | Obj] = {}

    def add(self, obj: Obj, target: Workload | Obj) -> None:
        uid = as_str(_meta(obj).get("uid"))
        if uid:
            self.by_uid[uid] = target
        self.by_name[identity(obj)] = target

    def owner_of(self, obj: Obj) -> Workload | Obj | None:
        namespace = as_str(_meta(obj).get("namespace"))
        refs = _meta(obj).get("ownerReferences")
        for ref in refs if isinstance(refs, list) else ():
            if not isinstance(ref, Mapping):
                continue
            found = self.by_uid.get(as_str(ref.get("uid")))
            if found is None:
                key = (as_str(ref.get("kind")), namespace, as_str(ref.get("name")))
                found = self.by_name.get(key)
            if found is not None:
                return found
        return None


def _has_owner_refs(obj: Obj) -> bool:
    refs = _meta(obj).get("ownerReferences")
    return isinstance(refs, list) and bool(refs)


def controller_ref(obj: Obj) -> Obj | None:
    """The ownerReference that controls the object (the first, when none says so)."""
    refs = _meta(obj).get("ownerReferences")
    found = [ref for ref in refs if isinstance(ref, Mapping)] if isinstance(refs, list) else []
    controlling = [ref for ref in found if ref.get("controller") is True]
    chosen = controlling or found
    return chosen[0] if chosen else None


def group(objects: Iterable[Obj]) -> Fleet:
    fleet = Fleet()
    owners = _Owners()
    replica_sets: list[Obj] = []
    jobs: list[Obj] = []
    pods: list[Obj] = []
    by_kind = {
        "ReplicaSet": replica_sets,
        "Pod": pods,
        "Node": fleet.nodes,
        "Event": fleet.events,
    }
    for obj in objects:
        kind = as_str(obj.get("kind"))
        if kind in WORKLOAD_KINDS:
            workload = Workload(obj)
            fleet.workloads.append(workload)
            owners.add(obj, workload)
            if kind == Kind.JOB.value:
                jobs.append(obj)
        elif kind in by_kind:
            by_kind[kind].append(obj)
        else:
            fleet.ignored[kind or "(no kind)"] = fleet.ignored.get(kind or "(no kind)", 0) + 1

    selectors = _selectors(fleet.workloads)
    for replica_set in replica_sets:
        owners.add(replica_set, replica_set)
        owner = owners.owner_of(replica_set)
        if owner is None and not _has_owner_refs(replica_set):
            owner = _by_selector(replica_set, selectors, Kind.DEPLOYMENT.value)
        if isinstance(owner, Workload):
            owner.replica_sets.append(replica_set)
    rs_owner = {id(rs): w for w in fleet.workloads for rs in w.replica_sets}

    for job in jobs:
        owner = owners.owner_of(job)
        if owner is None and not _has_owner_refs(job):
            owner = _cronjob_by_name(job, owners)
        if isinstance(owner, Workload) and owner.kind == Kind.CRONJOB.value:
            owner.jobs.append(job)

    for pod in pods:
        owner = owners.owner_of(pod)
        absent: Absent | None = None
        if owner is not None and not isinstance(owner, Workload):
            replica_set = owner
            owner = rs_owner.get(id(replica_set))
            if owner is None:
                absent = _absent(replica_set, f"ReplicaSet {identity(replica_set)[2]}")
        elif owner is None and _has_owner_refs(pod):
            owner = _by_replica_set_name(pod, fleet.workloads)
            if owner is None:
                absent = _absent(pod)
        elif owner is None:
            owner = _by_selector(pod, selectors, None)
        if isinstance(owner, Workload):
            owner.pods.append(pod)
        else:
            fleet.loose_pods.append(pod)
            if absent is not None:
                fleet.absent_owners.append((pod, absent))
    return fleet


def _absent(obj: Obj, named_by: str = "") -> Absent | None:
    """The owner ``obj``'s controlling reference names, if it is one the gateway groups under."""
    ref = controller_ref(obj)
    kind = as_str(ref.get("kind")) if ref is not None else ""
    if ref is None or kind not in _GROUPING_KINDS:
        return None
    return Absent(kind, as_str(ref.get("name")), named_by)


def _by_replica_set_name(pod: Obj, workloads: list[Workload]) -> Workload | None:
    """The Deployment whose absent ReplicaSet ``<deployment>-<pod-template-hash>`` the pod names."""
    ref = controller_ref(pod)
    if ref is None or ref.get("kind") != "ReplicaSet":
        return None
    labels = _meta(pod).get("labels")
    template_hash = labels.get("pod-template-hash") if isinstance(labels, Mapping) else None
    name = as_str(ref.get("name"))
    if not isinstance(template_hash, str) or not name.endswith(f"-{template_hash}"):
        return None
    wanted = (Kind.DEPLOYMENT.value, identity(pod)[1], name[: -len(template_hash) - 1])
    for workload in workloads:
        if identity(workload.obj) != wanted or workload.replica_sets:
            continue
        spec = workload.obj.get("spec")
        selector = selector_from_spec(spec.get("selector")) if isinstance(spec, Mapping) else None
        if selector is not None and selector.matches(labels):
            workload.inferred[name] = workload.inferred.get(name, 0) + 1
            return workload
    return None


def _selectors(workloads: list[Workload]) -> list[tuple[Workload, Selector]]:
    found = []
    for workload in workloads:
        spec = workload.obj.get("spec")
        selector = selector_from_spec(spec.get("selector")) if isinstance(spec, Mapping) else None
        if selector is not None:
            found.append((workload, selector))
    return found


def _by_selector(
    obj: Obj, selectors: list[tuple[Workload, Selector]], kind: str | None
) -> Workload | None:
    namespace = as_str(_meta(obj).get("namespace"))
    labels = _meta(obj).get("labels")
    for workload, selector in selectors:
        if kind is not None and workload.kind != kind:
            continue
        if identity(workload.obj)[1] == namespace and selector.matches(labels):
            return workload
    return None


def _cronjob_by_name(job: Obj, owners: _Owners) -> Workload | None:
    _, namespace, name = identity(job)
    found = _CRONJOB_JOB_NAME.match(name)
    if found is None:
        return None
    owner = owners.by_name.get((Kind.CRONJOB.value, namespace, found.group("owner")))
    return owner if isinstance(owner, Workload) else None
