"""The compact records the cache keeps: what the API shows, not whole manifests.

A record is a plain JSON object. Workload records carry the verdict, counts, labels,
images, pod names and the few kind-specific fields people ask about; pod records
carry the verdict and a summary of each container. Keys are the GraphQL field names
so the schema reads them without translation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TypedDict

import orjson

from gateway.status import Counts, NodeHealth, PodState, WorkloadState
from gateway.status.fields import EMPTY, Obj, as_int, as_str, seconds_text

Record = dict[str, Any]


class ContainerRecord(TypedDict):
    name: str
    image: str
    init: bool
    ready: bool
    restarts: int
    state: str
    reason: str
    message: str
    exitCode: int | None
    lastReason: str
    lastExitCode: int | None
    lastFinishedAt: str | None


def iso(value: datetime | None) -> str | None:
    return seconds_text(value) if value is not None else None


def workload_id(kind: str, namespace: str, name: str) -> str:
    return f"{kind}/{namespace}/{name}"


def pod_id(namespace: str, name: str) -> str:
    return f"{namespace}/{name}"


def counts_record(counts: Counts) -> Record:
    return {
        "desired": counts.desired,
        "current": counts.current,
        "ready": counts.ready,
        "updated": counts.updated,
        "available": counts.available,
        "active": counts.active,
        "succeeded": counts.succeeded,
        "failed": counts.failed,
        "completions": counts.completions,
        "lastSchedule": iso(counts.last_schedule),
        "lastSuccess": iso(counts.last_success),
    }


def template_images(obj: Obj) -> list[str]:
    """Images of the pod template (Job templates nest one level deeper in CronJobs)."""
    spec = obj.get("spec")
    spec = spec if isinstance(spec, dict) else EMPTY
    template = spec.get("template")
    if not isinstance(template, dict):
        job = spec.get("jobTemplate")
        job_spec = job.get("spec") if isinstance(job, dict) else None
        template = job_spec.get("template") if isinstance(job_spec, dict) else None
    pod_spec = template.get("spec") if isinstance(template, dict) else None
    if not isinstance(pod_spec, dict):
        return []
    images: list[str] = []
    for key in ("initContainers", "containers"):
        for container in pod_spec.get(key) or ():
            if isinstance(container, dict):
                image = as_str(container.get("image"))
                if image and image not in images:
                    images.append(image)
    return images


def _kind_fields(obj: Obj) -> Record:
    """The handful of spec/status fields each kind's page shows."""
    kind = obj.get("kind")
    spec = obj.get("spec")
    spec = spec if isinstance(spec, dict) else EMPTY
    status = obj.get("status")
    status = status if isinstance(status, dict) else EMPTY
    strategy = spec.get("strategy") or spec.get("updateStrategy")
    strategy_type = as_str(strategy.get("type")) if isinstance(strategy, dict) else ""
    if kind == "CronJob":
        return {
            "schedule": as_str(spec.get("schedule")),
            "timeZone": as_str(spec.get("timeZone")) or None,
            "suspend": spec.get("suspend") is True,
            "concurrencyPolicy": as_str(spec.get("concurrencyPolicy")) or "Allow",
            "lastScheduleTime": as_str(status.get("lastScheduleTime")) or None,
            "lastSuccessfulTime": as_str(status.get("lastSuccessfulTime")) or None,
        }
    if kind == "Job":
        return {
            "completions": spec.get("completions")
            if isinstance(spec.get("completions"), int)
            else None,
            "parallelism": as_int(spec.get("parallelism"), 1),
            "backoffLimit": as_int(spec.get("backoffLimit"), 6),
            "suspend": spec.get("suspend") is True,
            "startTime": as_str(status.get("startTime")) or None,
            "completionTime": as_str(status.get("completionTime")) or None,
        }
    fields: Record = {"strategy": strategy_type or None}
    if kind == "Deployment":
        fields["paused"] = spec.get("paused") is True
    return fields


def workload_record(
    cluster: str,
    state: WorkloadState,
    *,
    obj: Obj,
    images: Sequence[str],
    pods: Sequence[str],
    jobs: Sequence[str] = (),
    family: str | None = None,
) -> Record:
    """``family`` is given for a custom kind: its record names the family and API version
    in place of the built-in kinds' spec fields."""
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else EMPTY
    labels = meta.get("labels")
    record: Record = {
        "cluster": cluster,
        "kind": state.kind,
        "namespace": state.namespace,
        "name": state.name,
        "uid": state.uid,
        "labels": dict(labels) if isinstance(labels, dict) else {},
        "status": state.status.value,
        "reason": state.reason,
        "message": state.message,
        "warnings": list(state.warnings),
        "since": iso(state.since),
        "counts": counts_record(state.counts),
        "images": list(images),
        "pods": list(pods),
        "created": as_str(meta.get("creationTimestamp")) or None,
        "resourceVersion": as_str(meta.get("resourceVersion")),
    }
    if family is None:
        record.update(_kind_fields(obj))
    else:
        record["apiVersion"] = as_str(obj.get("apiVersion"))
        record["family"] = family
    if state.kind == "CronJob":
        record["jobs"] = list(jobs)
    return record


def pod_record(
    cluster: str,
    state: PodState,
    owner: str | None,
    containers: bytes,
    extra: Mapping[str, Any],
    *,
    orphan_of: str = "",
) -> Record:
    """``containers`` is ``orjson.dumps(container_records(pod))``: kept that way, a pod's
    summary is one object to the garbage collector instead of a list of dicts. The
    record is for serialising with orjson (it holds them as a ``Fragment``).

    ``orphan_of`` is the kind of workload an ownerless pod belonged to (its Job deleted,
    the pod not yet): written as ``ownerKind``, it keeps the pod as hidden as it was."""
    record: Record = {
        "cluster": cluster,
        "namespace": state.namespace,
        "name": state.name,
        "uid": state.uid,
        "owner": owner,
        "node": state.node or None,
        "phase": state.phase.value,
        "displayReason": state.display_reason,
        "reason": state.problem.reason if state.problem else "",
        "message": state.message,
        "abnormal": state.abnormal,
        "issue": state.problem.issue.value if state.problem else None,
        "ready": state.ready,
        "readyContainers": state.ready_containers,
        "totalContainers": state.total_containers,
        "restarts": state.restarts,
        "since": iso(state.since),
        "containers": orjson.Fragment(containers),
        **extra,
    }
    if orphan_of and owner is None:
        record["ownerKind"] = orphan_of
    return record


def _state_of(state: Obj) -> tuple[str, str, str, int | None]:
    for name in ("running", "waiting", "terminated"):
        detail = state.get(name)
        if isinstance(detail, dict):
            code = detail.get("exitCode")
            return (
                name,
                as_str(detail.get("reason")),
                as_str(detail.get("message"))[:300],
                code if isinstance(code, int) else None,
            )
    return "unknown", "", "", None


def container_records(pod: Obj) -> list[ContainerRecord]:
    """One summary per container status, init containers first, as kubectl describe lists them."""
    status = pod.get("status")
    status = status if isinstance(status, dict) else EMPTY
    found: list[ContainerRecord] = []
    for key, init in (("initContainerStatuses", True), ("containerStatuses", False)):
        for cs in status.get(key) or ():
            if not isinstance(cs, dict):
                continue
            state = cs.get("state")
            name, reason, message, code = _state_of(state if isinstance(state, dict) else EMPTY)
            last = cs.get("lastState")
            last_done = last.get("terminated") if isinstance(last, dict) else None
            last_done = last_done if isinstance(last_done, dict) else None
            last_code = last_done.get("exitCode") if last_done else None
            found.append(
                {
                    "name": as_str(cs.get("name")),
                    "image": as_str(cs.get("image")),
                    "init": init,
                    "ready": cs.get("ready") is True,
                    "restarts": as_int(cs.get("restartCount")),
                    "state": name,
                    "reason": reason,
                    "message": message,
                    "exitCode": code,
                    "lastReason": as_str(last_done.get("reason")) if last_done else "",
                    "lastExitCode": last_code if isinstance(last_code, int) else None,
                    "lastFinishedAt": as_str(last_done.get("finishedAt")) or None
                    if last_done
                    else None,
                }
            )
    return found


def node_record(cluster: str, node: Obj, health: NodeHealth) -> Record:
    meta = node.get("metadata")
    meta = meta if isinstance(meta, dict) else EMPTY
    spec = node.get("spec")
    spec = spec if isinstance(spec, dict) else EMPTY
    labels = meta.get("labels")
    labels = labels if isinstance(labels, dict) else EMPTY
    roles = sorted(
        key.split("/", 1)[1]
        for key in labels
        if isinstance(key, str) and key.startswith("node-role.kubernetes.io/")
    )
    status = node.get("status")
    info = status.get("nodeInfo") if isinstance(status, dict) else None
    info = info if isinstance(info, dict) else EMPTY
    return {
        "cluster": cluster,
        "name": as_str(meta.get("name")),
        "ready": health.ready,
        "reason": health.reason,
        "message": health.message,
        "since": iso(health.since),
        "unschedulable": spec.get("unschedulable") is True,
        "roles": roles,
        "kubeletVersion": as_str(info.get("kubeletVersion")),
        "labels": dict(labels),
        "created": as_str(meta.get("creationTimestamp")) or None,
    }


def namespace_record(cluster: str, namespace: Obj) -> Record:
    meta = namespace.get("metadata")
    meta = meta if isinstance(meta, dict) else EMPTY
    status = namespace.get("status")
    labels = meta.get("labels")
    return {
        "cluster": cluster,
        "name": as_str(meta.get("name")),
        "phase": as_str(status.get("phase")) if isinstance(status, dict) else "",
        "labels": dict(labels) if isinstance(labels, dict) else {},
        "created": as_str(meta.get("creationTimestamp")) or None,
    }


def event_record(event: Obj) -> Record:
    """The fields a person reads in ``kubectl get events``, plus the timestamps rules use."""
    involved = event.get("involvedObject") or event.get("regarding")
    involved = involved if isinstance(involved, dict) else EMPTY
    series = event.get("series")
    series = series if isinstance(series, dict) else EMPTY
    last_seen = (
        as_str(series.get("lastObservedTime"))
        or as_str(event.get("lastTimestamp"))
        or as_str(event.get("eventTime"))
        or as_str(event.get("firstTimestamp"))
    )
    meta = event.get("metadata")
    meta = meta if isinstance(meta, dict) else EMPTY
    return {
        "uid": as_str(meta.get("uid")) or as_str(meta.get("name")),
        "type": as_str(event.get("type")) or "Normal",
        "reason": as_str(event.get("reason")),
        "message": as_str(event.get("message") or event.get("note"))[:1000],
        "count": as_int(event.get("count"), 1) or as_int(series.get("count"), 1),
        "lastSeen": last_seen or None,
        "object": f"{as_str(involved.get('kind'))}/{as_str(involved.get('name'))}",
        "fieldPath": as_str(involved.get("fieldPath")),
    }
