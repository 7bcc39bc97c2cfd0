"""The status engine's entry points: a total function from objects to a verdict.

``evaluate_workload`` takes pods already evaluated (the watcher caches them and only
re-evaluates what changed); ``evaluate`` takes raw dicts for one-off use (explain,
tests). Neither raises: an object the rules cannot read gets a verdict whose reason
is InvalidObject and whose message names the fields that are missing or wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from gateway.status import daemonset, deployment, statefulset
from gateway.status.cronjob import evaluate_cronjob
from gateway.status.events import index_events
from gateway.status.fields import EMPTY, Obj, as_str
from gateway.status.job import evaluate_job
from gateway.status.malformed import describe_malformed
from gateway.status.model import Kind, PodState, Status, WorkloadState
from gateway.status.nodes import index_nodes
from gateway.status.pods import evaluate_pod
from gateway.status.replicated import ReplicatedRules, evaluate_replicated

_REPLICATED: dict[str, ReplicatedRules] = {
    Kind.DEPLOYMENT.value: deployment.RULES,
    Kind.STATEFULSET.value: statefulset.RULES,
    Kind.DAEMONSET.value: daemonset.RULES,
}
WORKLOAD_KINDS = frozenset(k.value for k in Kind)
_KIND_LIST = ", ".join(sorted(WORKLOAD_KINDS))
_READ_ERRORS = (AttributeError, KeyError, TypeError, ValueError, IndexError, OverflowError)


def evaluate_workload(
    obj: object,
    now: datetime,
    *,
    pods: Sequence[PodState] = (),
    replica_sets: Sequence[Obj] = (),
    jobs: Sequence[Obj] = (),
) -> WorkloadState:
    if not isinstance(obj, Mapping):
        return _invalid(obj, "", describe_malformed(obj, ""))
    kind = obj.get("kind")
    try:
        rules = _REPLICATED.get(kind) if isinstance(kind, str) else None
        if rules is not None:
            return evaluate_replicated(rules, obj, pods, replica_sets)
        if kind == Kind.JOB.value:
            return evaluate_job(obj, pods)
        if kind == Kind.CRONJOB.value:
            return evaluate_cronjob(obj, jobs, now)
    except _READ_ERRORS as error:
        problems = describe_malformed(obj, str(kind))
        if problems:
            return _invalid(obj, str(kind), problems)
        return _invalid(
            obj,
            str(kind),
            [f"could not be evaluated ({type(error).__name__}: {error})"],
            "EvaluationError",
        )
    return _invalid(
        obj,
        str(kind) if isinstance(kind, str) else "",
        [f"kind {kind!r} is not a workload kind (expected one of {_KIND_LIST})"],
        "UnsupportedKind",
    )


def evaluate(
    obj: object,
    now: datetime,
    *,
    pods: Sequence[Obj] = (),
    replica_sets: Sequence[Obj] = (),
    jobs: Sequence[Obj] = (),
    nodes: Sequence[Obj] = (),
    events: Sequence[Obj] = (),
) -> WorkloadState:
    """One workload from raw objects: its pods, ReplicaSets, Jobs, their Nodes and events.

    Related objects that are not objects at all are no evidence and are left out, so a
    stray value in a list never costs the workload its verdict.
    """
    node_health = index_nodes(_objects(nodes))
    by_pod = index_events(_objects(events))
    states = [
        evaluate_pod(pod, node_health, now, by_pod.get(_pod_key(pod), ())) for pod in _objects(pods)
    ]
    return evaluate_workload(
        obj, now, pods=states, replica_sets=_objects(replica_sets), jobs=_objects(jobs)
    )


def _objects(items: object) -> list[Obj]:
    if not isinstance(items, list | tuple):
        return []
    return [item for item in items if isinstance(item, Mapping)]


def _pod_key(pod: Obj) -> tuple[str, str, str]:
    meta = pod.get("metadata")
    meta = meta if isinstance(meta, Mapping) else EMPTY
    return ("Pod", as_str(meta.get("namespace")), as_str(meta.get("name")))


def _invalid(
    obj: object, kind: str, problems: list[str], reason: str = "InvalidObject"
) -> WorkloadState:
    meta = obj.get("metadata") if isinstance(obj, Mapping) else None
    meta = meta if isinstance(meta, Mapping) else EMPTY
    name = as_str(meta.get("name"))
    subject = f"{kind or 'Object'} {name}".strip() if name else (kind or "The object")
    status = Status.WAITING if kind == Kind.CRONJOB.value else Status.EXCEPTION
    return WorkloadState(
        kind=kind,
        namespace=as_str(meta.get("namespace")),
        name=name,
        uid=as_str(meta.get("uid")),
        status=status,
        reason=reason,
        message=f"{subject} cannot be evaluated: {'; '.join(problems)}.",
    )
