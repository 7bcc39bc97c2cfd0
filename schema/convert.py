"""Cache records to GraphQL objects, in one pass, with whatever the parent prefetched."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from gateway.kinds import BUILTIN_GROUPS, BUILTIN_VERSION, is_custom, split
from schema import ids
from schema.custom import FAMILY_BY_NAME, CustomKind, CustomWorkload, WorkloadFamily
from schema.types import (
    ClusterNode,
    Container,
    ContainerState,
    Counts,
    CronJob,
    DaemonSet,
    Deployment,
    Event,
    EventType,
    Job,
    Namespace,
    Pod,
    PodIssue,
    PodPhase,
    StatefulSet,
    UpdateStrategy,
    Workload,
    WorkloadKind,
    WorkloadStatus,
)

Record = Mapping[str, Any]

STATUS_BY_LABEL = {s.value: s for s in WorkloadStatus}
KIND_BY_NAME = {k.value: k for k in WorkloadKind if k.value in BUILTIN_GROUPS or k.value == "Pod"}
"""The enum value of each kind string the cache holds but custom ones (see ``kind_of``)."""
PHASE_BY_NAME = {p.value: p for p in PodPhase}
ISSUE_BY_NAME = {str(i.value): i for i in PodIssue}
CONTAINER_STATES = {c.value: c for c in ContainerState}
STRATEGIES = {u.value: u for u in UpdateStrategy}
_TYPES: dict[str, type[Workload]] = {
    "Deployment": Deployment,
    "StatefulSet": StatefulSet,
    "DaemonSet": DaemonSet,
    "Job": Job,
    "CronJob": CronJob,
}


def kind_of(kind: str) -> WorkloadKind | None:
    """The enum value of a cache kind string: every custom kind is CUSTOM; None for a
    string that is neither (nothing the watchers write)."""
    return WorkloadKind.CUSTOM if is_custom(kind) else KIND_BY_NAME.get(kind)


def kind_fields(kind: str, api_version: str | None = None) -> dict[str, Any]:
    """The fields every workload has that spell out its kind, from the cache's kind string
    (and the record's apiVersion, which built-in records do not carry)."""
    parts = split(kind)
    return {
        "kind": kind_of(kind),
        "kind_name": parts.kind,
        "api_group": parts.group,
        "api_version": api_version or f"{parts.group}/{BUILTIN_VERSION}",
        "group_kind": parts.text,
    }


def custom_kind(record: Record) -> CustomKind:
    """One entry of a cluster record's ``customKinds``."""
    group_kind = str(record["kind"])
    return CustomKind(
        group_kind=group_kind,
        kind_name=split(group_kind).kind,
        group=str(record.get("group") or split(group_kind).group),
        version=str(record.get("version") or ""),
        plural=str(record.get("plural") or ""),
        namespaced=bool(record.get("namespaced", True)),
        family=FAMILY_BY_NAME.get(str(record.get("family")), WorkloadFamily.LONG_RUNNING),
        rule=record.get("rule"),
    )


def to_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def counts(record: Record) -> Counts:
    return Counts(
        desired=record.get("desired"),
        current=record.get("current"),
        ready=record.get("ready"),
        updated=record.get("updated"),
        available=record.get("available"),
        active=record.get("active"),
        succeeded=record.get("succeeded"),
        failed=record.get("failed"),
        completions=record.get("completions"),
        last_schedule=to_time(record.get("lastSchedule")),
        last_success=to_time(record.get("lastSuccess")),
    )


def event(record: Record) -> Event:
    return Event(
        type=EventType.NORMAL if record["type"] == "Normal" else EventType.WARNING,
        reason=record["reason"],
        message=record["message"],
        count=record["count"],
        last_seen=to_time(record.get("lastSeen")),
        object=record["object"],
        field_path=record.get("fieldPath", ""),
    )


def container(record: Record) -> Container:
    return Container(
        name=record["name"],
        image=record["image"],
        init=record["init"],
        ready=record["ready"],
        restarts=record["restarts"],
        state=CONTAINER_STATES.get(record["state"], ContainerState.UNKNOWN),
        reason=record["reason"],
        message=record["message"],
        exit_code=record.get("exitCode"),
        last_termination_reason=record.get("lastReason", ""),
        last_exit_code=record.get("lastExitCode"),
        last_finished_at=to_time(record.get("lastFinishedAt")),
    )


def pod(record: Record, events: Sequence[Record] = ()) -> Pod:
    cluster = record["cluster"]
    return Pod(
        id=strawberry.ID(ids.encode("Pod", cluster, f"{record['namespace']}/{record['name']}")),
        cluster=cluster,
        namespace=record["namespace"],
        name=record["name"],
        owner=record.get("owner"),
        node=record.get("node"),
        phase=PHASE_BY_NAME.get(record["phase"], PodPhase.UNKNOWN),
        display_reason=record["displayReason"],
        reason=record.get("reason", ""),
        message=record["message"],
        abnormal=record["abnormal"],
        issue=ISSUE_BY_NAME.get(record.get("issue") or ""),
        ready=record["ready"],
        ready_containers=record["readyContainers"],
        total_containers=record["totalContainers"],
        restarts=record["restarts"],
        since=to_time(record.get("since")),
        created_at=to_time(record.get("created")),
        ip=record.get("ip"),
        containers=[container(c) for c in record.get("containers") or ()],
        events=[event(e) for e in events],
    )


def workload_id(record: Record) -> str:
    return ids.encode(
        "Workload", record["cluster"], f"{record['kind']}/{record['namespace']}/{record['name']}"
    )


def workload(
    record: Record,
    pods: Sequence[Pod] = (),
    events: Sequence[Record] = (),
    jobs: Sequence[Job] = (),
) -> Workload:
    kind = record["kind"]
    status = STATUS_BY_LABEL.get(record["status"], WorkloadStatus.EXCEPTION)
    common: dict[str, Any] = {
        "id": workload_id(record),
        "cluster": record["cluster"],
        **kind_fields(kind, record.get("apiVersion")),
        "namespace": record["namespace"],
        "name": record["name"],
        "labels": record.get("labels") or {},
        "status": status,
        "status_label": status.value,
        "reason": record["reason"],
        "message": record["message"],
        "warnings": record.get("warnings") or [],
        "abnormal": status in (WorkloadStatus.EXCEPTION, WorkloadStatus.NOT_READY),
        "since": to_time(record.get("since")),
        "created_at": to_time(record.get("created")),
        "counts": counts(record.get("counts") or {}),
        "images": record.get("images") or [],
        "pod_names": record.get("pods") or [],
        "pods": list(pods),
        "events": [event(e) for e in events],
    }
    if is_custom(kind):
        family = FAMILY_BY_NAME.get(str(record.get("family")), WorkloadFamily.LONG_RUNNING)
        return CustomWorkload(**common, family=family)
    if kind in ("Deployment", "StatefulSet", "DaemonSet"):
        common["strategy"] = STRATEGIES.get(record.get("strategy") or "")
    if kind == "Deployment":
        common["paused"] = bool(record.get("paused"))
    elif kind == "Job":
        tally = record.get("counts") or {}
        common.update(
            completions=record.get("completions"),
            parallelism=record.get("parallelism", 1),
            backoff_limit=record.get("backoffLimit", 6),
            suspend=bool(record.get("suspend")),
            active=tally.get("active") or 0,
            succeeded=tally.get("succeeded") or 0,
            failed=tally.get("failed") or 0,
            start_time=to_time(record.get("startTime")),
            completion_time=to_time(record.get("completionTime")),
        )
    elif kind == "CronJob":
        common.update(
            schedule=record.get("schedule", ""),
            time_zone=record.get("timeZone"),
            suspend=bool(record.get("suspend")),
            concurrency_policy=record.get("concurrencyPolicy", "Allow"),
            last_schedule_time=to_time(record.get("lastScheduleTime")),
            last_successful_time=to_time(record.get("lastSuccessfulTime")),
            job_names=record.get("jobs") or [],
            jobs=list(jobs),
        )
    return _TYPES[kind](**common)


def node(record: Record) -> ClusterNode:
    return ClusterNode(
        id=strawberry.ID(ids.encode("ClusterNode", record["cluster"], record["name"])),
        cluster=record["cluster"],
        name=record["name"],
        ready=record["ready"],
        reason=record["reason"],
        message=record["message"],
        since=to_time(record.get("since")),
        unschedulable=record["unschedulable"],
        roles=record.get("roles") or [],
        kubelet_version=record.get("kubeletVersion", ""),
        labels=JSON(record.get("labels") or {}),
    )


def namespace(record: Record) -> Namespace:
    return Namespace(
        cluster=record["cluster"],
        name=record["name"],
        phase=record.get("phase", ""),
        labels=JSON(record.get("labels") or {}),
    )
