"""What an input lacks that the gateway, which watches the whole cluster, would see.

``explain`` reads whatever was dumped. When the pods of a Deployment are there but not
its ReplicaSets, the grouping still finds their owner by name (ownership.py), and the note
says it did. When what is missing cannot be made up for (no pods at all, a pod's node,
an owner, a CronJob's Jobs), the verdict rests on less than the gateway's would, and
the note says which objects were missing and how the gateway's answer could differ.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from gateway.ownership import Absent, Workload, identity
from gateway.status import Kind, Status, WorkloadState
from gateway.status.fields import EMPTY, Obj, as_str, name_list, plural

NO_NODES = (
    "No Node is in the input, so whether the pods' nodes are Ready is not known: a pod "
    "on a node that is not Ready cannot be observed, and the gateway says Exception for "
    "its workload. Dump them too (kubectl get nodes,deploy,rs,pods ...) to know."
)
UNREAD_REPLICA_SETS = (
    "A ReplicaSet's own ReplicaFailure condition (a quota error, say) could not be read "
    "where the ReplicaSet is not in the input; the Deployment's conditions repeat it once "
    "its controller has synced."
)
_REPLICATED = frozenset({Kind.DEPLOYMENT.value, Kind.STATEFULSET.value, Kind.DAEMONSET.value})


class KnownNodes:
    """The names of the Nodes in the input."""

    def __init__(self, nodes: Iterable[Obj]) -> None:
        self.names = {identity(node)[2] for node in nodes}

    def notes(self, pods: Iterable[Obj]) -> list[str]:
        """One note per node the pods run on that is not in the input (one in all if none is)."""
        missing = sorted({node for node in map(_node_of, pods) if node and node not in self.names})
        if not missing:
            return []
        if not self.names:
            return [NO_NODES]
        return [
            f"Node {node} is not in the input, so whether it is Ready is not known: if it "
            "is not, its pods cannot be observed, and the gateway says Exception for their "
            "workloads."
            for node in missing
        ]


def workload_notes(workload: Workload, state: WorkloadState, nodes: KnownNodes) -> list[str]:
    """Deleting comes first in every kind's rules: what else is missing cannot change it."""
    if state.status is Status.DELETING:
        return []
    notes = _inferred(workload) + _podless(workload, state) + _jobless(workload)
    return notes + nodes.notes(workload.pods)


def pod_notes(pod: Obj, absent: Absent | None, nodes: KnownNodes) -> list[str]:
    notes = nodes.notes([pod])
    if absent is not None:
        owner = f"{absent.kind} {absent.name}"
        if absent.named_by:
            text = f"Its {absent.named_by} is in the input but not the {owner} that owns it"
        else:
            text = f"Its owner {owner} is not in the input"
        notes.insert(
            0,
            f"{text}: the pod is shown on its own and counts for no workload here, while the "
            f"gateway judges it with {owner}.",
        )
    return notes


def _inferred(workload: Workload) -> list[str]:
    """Which ReplicaSets were gone through by name, then what that cannot tell (said the
    same way for every Deployment, so the table prints it once for all)."""
    if not workload.inferred:
        return []
    names = sorted(workload.inferred)
    count = sum(workload.inferred.values())
    pods = f"{plural(count, 'pod')} {'was' if count == 1 else 'were'}"
    if len(names) == 1:
        subject = f"Its ReplicaSet {names[0]} is not in the input: its {pods}"
    else:
        subject = f"Its ReplicaSets {name_list(names)} are not in the input: their {pods}"
    return [
        f"{subject} counted as this Deployment's by that name (the Deployment's name and "
        "their pod-template-hash) and its selector, as the gateway counts them.",
        UNREAD_REPLICA_SETS,
    ]


def _podless(workload: Workload, state: WorkloadState) -> list[str]:
    """A workload whose status counts pods of which none is in the input."""
    if workload.pods:
        return []
    if workload.kind in _REPLICATED:
        expected, unit = state.counts.current or 0, "pod"
        unseen = (
            "crash loops, image pulls, scheduling, lost nodes) are not seen: the gateway "
            "may say Not Ready or Exception."
        )
    elif workload.kind == Kind.JOB.value:
        expected, unit = state.counts.active or 0, "active pod"
        unseen = (
            "failing containers, lost nodes) are not seen: the gateway may say Exception "
            "or warn about failing pods."
        )
    else:
        return []
    if expected <= 0:
        return []
    return [
        f"No pod in the input is counted as its own, though its status counts "
        f"{plural(expected, unit)}: this verdict rests on those counts alone. Problems only "
        f"pods show ({unseen}"
    ]


def _jobless(workload: Workload) -> list[str]:
    """A CronJob whose running or finished Jobs are not in the input."""
    if workload.kind != Kind.CRONJOB.value:
        return []
    status = workload.obj.get("status")
    status = status if isinstance(status, Mapping) else EMPTY
    spec = workload.obj.get("spec")
    spec = spec if isinstance(spec, Mapping) else EMPTY
    present = {identity(job)[2] for job in workload.jobs}
    active = status.get("active")
    refs = [ref for ref in active if isinstance(ref, Mapping)] if isinstance(active, list) else []
    missing = sorted({as_str(ref.get("name")) for ref in refs} - present - {""})
    keeps_history = spec.get("successfulJobsHistoryLimit") != 0 or (
        spec.get("failedJobsHistoryLimit") != 0
    )
    unchecked = (
        "whether its last finished run failed could not be checked (the gateway warns when it did)."
    )
    if missing:
        one = len(missing) == 1
        return [
            f"Its running {'Job' if one else 'Jobs'} {name_list(missing)} (status.active) "
            f"{'is' if one else 'are'} not in the input: {'its' if one else 'their'} own "
            f"{'status is' if one else 'statuses are'} not shown here, and {unchecked}"
        ]
    if not workload.jobs and status.get("lastScheduleTime") and keeps_history:
        return [f"None of its Jobs are in the input although it has run: {unchecked}"]
    return []


def _node_of(pod: Obj) -> str:
    spec = pod.get("spec")
    return as_str(spec.get("nodeName")) if isinstance(spec, Mapping) else ""
