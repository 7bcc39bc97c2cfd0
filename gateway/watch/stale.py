"""Which records the next flush rebuilds: the objects that changed and those judged with them.

A change spreads through ownership: a pod's change re-judges its workload (through
its ReplicaSet), a Job's its CronJob, a custom workload's the custom workload that
controls it (a VirtualMachineInstance's its VirtualMachine), a node's every pod on it
and their owners, a pod without a controller every workload whose selector matches it.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.status.fields import Obj
from gateway.watch.objects import MAX_OWNER_DEPTH, ClusterObjects, PodKey, WorkloadKey


@dataclass(frozen=True, slots=True)
class StaleKeys:
    workloads: set[WorkloadKey]
    pods: set[PodKey]
    nodes: set[str]
    namespaces: set[str]


class Stale:
    def __init__(self, objects: ClusterObjects) -> None:
        self.objects = objects
        self.workloads: set[WorkloadKey] = set()
        self.pods: set[PodKey] = set()
        self.nodes: set[str] = set()
        self.namespaces: set[str] = set()

    def take(self) -> StaleKeys:
        """What is stale now; marks made from here on are for the next flush."""
        taken = StaleKeys(self.workloads, self.pods, self.nodes, self.namespaces)
        self.workloads, self.pods, self.nodes, self.namespaces = set(), set(), set(), set()
        return taken

    @property
    def any(self) -> bool:
        return bool(self.workloads or self.pods or self.nodes or self.namespaces)

    def everything(self) -> None:
        self.workloads.update(self.objects.workloads)
        self.pods.update(self.objects.pods)

    def owner(self, uid: str) -> None:
        """Mark the workload behind this owner uid (through a ReplicaSet if need be)."""
        if not uid:
            return
        objects = self.objects
        workload = objects.uid_workload.get(uid)
        if workload is None:
            replica_set = objects.uid_replica_set.get(uid)
            entry = objects.replica_sets.get(replica_set) if replica_set else None
            workload = objects.uid_workload.get(entry.owner_uid) if entry else None
        if workload is not None:
            self.workloads.add(workload)
            if workload[0] == "Job":
                job = objects.workloads.get(workload)
                cronjob = objects.uid_workload.get(job.owner_uid) if job is not None else None
                if cronjob is not None:
                    self.workloads.add(cronjob)
            parent = objects.parent_of(workload)
            for _ in range(MAX_OWNER_DEPTH):
                if parent is None or parent in self.workloads:
                    break
                self.workloads.add(parent)
                parent = objects.parent_of(parent)

    def owned_pods(self, uid: str) -> None:
        """Pods that arrived before this owner name it now (their records carry the owner)."""
        objects = self.objects
        owned = set(objects.pods_by_owner.get(uid, ()))
        for replica_set in objects.replica_sets_by_owner.get(uid, ()):
            entry = objects.replica_sets.get(replica_set)
            if entry is not None:
                owned |= objects.pods_by_owner.get(entry.uid, set())
        self.pods.update(owned)

    def node_pods(self, node: str) -> None:
        objects = self.objects
        for pod in objects.pods_by_node.get(node, ()):
            self.pods.add(pod)
            entry = objects.pods.get(pod)
            if entry is not None:
                self.owner(entry.owner_uid)

    def selecting(self, namespace: str, labels: Obj | None) -> None:
        for key, entry in self.objects.workloads.items():
            if (
                key[1] == namespace
                and entry.selector is not None
                and entry.selector.matches(labels)
            ):
                self.workloads.add(key)
