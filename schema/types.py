"""The GraphQL types: small dataclasses filled from cache records, no per-row resolvers.

Lists of workloads are built whole by the parent resolver (pods and events included
when the query asks for them), because a resolver per row costs several times more
than the data itself. The one field that does I/O per object is ``Pod.logs``, and it
is meant to be asked for one pod at a time.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from graphql import GraphQLAbstractType, GraphQLResolveInfo
from strawberry.scalars import JSON
from strawberry.types import Info

from gateway.status.model import PodIssue as EngineIssue
from gateway.status.model import PodPhase as EnginePodPhase
from gateway.status.model import Status

_PHASE_STATUS = (
    "A standalone pod's phase, as statusSummary counts it (with kind POD); no workload has it."
)


@strawberry.enum(description="Workload statuses, in the container-management manual's vocabulary.")
class WorkloadStatus(Enum):
    WAITING = Status.WAITING.value
    RUNNING = Status.RUNNING.value
    DELETING = Status.DELETING.value
    EXCEPTION = Status.EXCEPTION.value
    NOT_READY = Status.NOT_READY.value
    EXECUTING = Status.EXECUTING.value
    EXECUTION_COMPLETE = Status.EXECUTION_COMPLETE.value
    STARTED = Status.STARTED.value
    STOPPED = Status.STOPPED.value
    PENDING = strawberry.enum_value(EnginePodPhase.PENDING.value, description=_PHASE_STATUS)
    SUCCEEDED = strawberry.enum_value(EnginePodPhase.SUCCEEDED.value, description=_PHASE_STATUS)
    FAILED = strawberry.enum_value(EnginePodPhase.FAILED.value, description=_PHASE_STATUS)
    UNKNOWN = strawberry.enum_value(EnginePodPhase.UNKNOWN.value, description=_PHASE_STATUS)


@strawberry.enum
class WorkloadKind(Enum):
    DEPLOYMENT = "Deployment"
    STATEFUL_SET = "StatefulSet"
    DAEMON_SET = "DaemonSet"
    JOB = "Job"
    CRON_JOB = "CronJob"
    POD = strawberry.enum_value(
        "Pod",
        description=(
            "Standalone pods (of no workload), as statusSummary counts them: no Workload "
            "has this kind; the pods connection lists them (standalone: true)."
        ),
    )


@strawberry.enum
class PodPhase(Enum):
    PENDING = EnginePodPhase.PENDING.value
    RUNNING = EnginePodPhase.RUNNING.value
    SUCCEEDED = EnginePodPhase.SUCCEEDED.value
    FAILED = EnginePodPhase.FAILED.value
    UNKNOWN = EnginePodPhase.UNKNOWN.value


@strawberry.enum(description="What is wrong with a pod, as the workload rules see it.")
class PodIssue(Enum):
    UNOBSERVABLE = strawberry.enum_value(
        EngineIssue.UNOBSERVABLE.value,
        description="Its node (or the cluster) is not reporting: NodeLost, NodeNotReady.",
    )
    CONTAINER_ERROR = strawberry.enum_value(
        EngineIssue.CONTAINER_ERROR.value,
        description="A container cannot start or keeps failing: CrashLoopBackOff, images.",
    )
    UNSCHEDULABLE = strawberry.enum_value(
        EngineIssue.UNSCHEDULABLE.value, description="No node can take it."
    )
    NOT_READY = strawberry.enum_value(
        EngineIssue.NOT_READY.value, description="Running, but not ready past its start-up."
    )
    STARTING = strawberry.enum_value(
        EngineIssue.STARTING.value, description="Still starting: not abnormal yet."
    )
    FAILED = strawberry.enum_value(
        EngineIssue.FAILED.value, description="Terminated in failure: phase Failed, evicted."
    )


@strawberry.enum
class ChangeType(Enum):
    SNAPSHOT = "snapshot"
    SNAPSHOT_END = strawberry.enum_value(
        "snapshot_end",
        description=(
            "The snapshot is complete (sent even when it held nothing): live changes follow."
            " The marker names no workload; its cursor resumes right after the snapshot."
        ),
    )
    ADDED = "added"
    CHANGED = "changed"
    DELETED = "deleted"


@strawberry.enum(description="The change feeds the subscriptions follow.")
class Feed(Enum):
    WORKLOADS = "workloads"
    PODS = "pods"
    CLUSTERS = "clusters"


@strawberry.interface(description="An object with a stable global id, for node(id:).")
class Node:
    id: strawberry.ID


@strawberry.type
class Counts:
    desired: int | None
    current: int | None
    ready: int | None
    updated: int | None
    available: int | None
    active: int | None
    succeeded: int | None
    failed: int | None
    completions: int | None
    last_schedule: datetime | None
    last_success: datetime | None


@strawberry.type
class Event:
    type: str
    reason: str
    message: str
    count: int
    last_seen: datetime | None
    object: str = strawberry.field(description="Kind/name of the object the event is about.")
    field_path: str


@strawberry.type
class Container:
    name: str
    image: str
    init: bool
    ready: bool
    restarts: int
    state: str = strawberry.field(description="running, waiting, terminated or unknown.")
    reason: str
    message: str
    exit_code: int | None
    last_termination_reason: str
    last_exit_code: int | None
    last_finished_at: datetime | None


@strawberry.type
class Pod(Node):
    cluster: str
    namespace: str
    name: str
    owner: str | None = strawberry.field(description="The owning workload as Kind/namespace/name.")
    node: str | None
    phase: PodPhase
    display_reason: str = strawberry.field(description="What kubectl shows in its STATUS column.")
    reason: str
    message: str
    abnormal: bool
    issue: PodIssue | None = strawberry.field(description="What is wrong; null: nothing.")
    ready: bool
    ready_containers: int
    total_containers: int
    restarts: int
    since: datetime | None
    created_at: datetime | None
    ip: str | None
    containers: list[Container]
    events: list[Event]

    @strawberry.field(
        description="The container's log tail, read from the API server (at most 1000 lines)."
    )
    async def logs(
        self,
        info: Info,
        container: str | None = None,
        tail_lines: int = 100,
        since_seconds: int | None = None,
        previous: bool = False,
    ) -> str:
        from schema.logs import read_logs

        return await read_logs(
            info,
            self,
            container=container,
            tail_lines=tail_lines,
            since_seconds=since_seconds,
            previous=previous,
        )


@strawberry.interface(
    description="Deployment, StatefulSet, DaemonSet, Job or CronJob, with its computed status."
)
class Workload(Node):
    cluster: str
    kind: WorkloadKind
    namespace: str
    name: str
    labels: JSON
    status: WorkloadStatus
    status_label: str = strawberry.field(description='The manual\'s words, e.g. "Not Ready".')
    reason: str = strawberry.field(
        description="A short machine code: CrashLoopBackOff, RollingUpdate, ..."
    )
    message: str = strawberry.field(
        description="What is wrong (or going on), in one or two sentences."
    )
    warnings: list[str]
    abnormal: bool
    since: datetime | None
    created_at: datetime | None
    counts: Counts
    images: list[str]
    pod_names: list[str]
    pods: list[Pod]
    events: list[Event]

    @classmethod
    def resolve_type(
        cls, obj: Any, info: GraphQLResolveInfo[Any], abstract_type: GraphQLAbstractType
    ) -> str | None:
        """The concrete type is the object's class: one attribute read per object.

        Strawberry's default tries a cast, lists the interface's implementations and
        reads the type definition for every object of a page, a third of the cost of
        completing a plain workload. An object that is not one of ours has no type.
        """
        definition = getattr(type(obj), "__strawberry_definition__", None)
        return definition.name if definition is not None else None

    @classmethod
    def is_type_of(cls, obj: Any, info: GraphQLResolveInfo[Any]) -> bool:
        """Inherited by each kind (``cls`` is Deployment, Job, ...): exactly that class."""
        return type(obj) is cls


@strawberry.type
class Deployment(Workload):
    strategy: str | None
    paused: bool


@strawberry.type
class StatefulSet(Workload):
    strategy: str | None


@strawberry.type
class DaemonSet(Workload):
    strategy: str | None


@strawberry.type
class Job(Workload):
    completions: int | None
    parallelism: int
    backoff_limit: int
    suspend: bool
    active: int
    succeeded: int
    failed: int
    start_time: datetime | None
    completion_time: datetime | None


@strawberry.type
class CronJob(Workload):
    schedule: str
    time_zone: str | None
    suspend: bool
    concurrency_policy: str
    last_schedule_time: datetime | None
    last_successful_time: datetime | None
    job_names: list[str]
    jobs: list[Job]


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class WorkloadEdge:
    cursor: str
    node: Workload


@strawberry.type
class WorkloadConnection:
    edges: list[WorkloadEdge]
    nodes: list[Workload]
    page_info: PageInfo
    total_count: int


@strawberry.type
class PodEdge:
    cursor: str
    node: Pod


@strawberry.type
class PodConnection:
    edges: list[PodEdge]
    nodes: list[Pod]
    page_info: PageInfo
    total_count: int


@strawberry.type
class StatusCount:
    status: WorkloadStatus
    label: str
    count: int


@strawberry.type
class KindStatusCount:
    kind: WorkloadKind
    status: WorkloadStatus
    count: int


@strawberry.type
class StatusSummary:
    total: int
    abnormal: int
    by_status: list[StatusCount]
    by_kind: list[KindStatusCount]


@strawberry.type
class ClusterNode(Node):
    cluster: str
    name: str
    ready: bool
    reason: str
    message: str
    since: datetime | None
    unschedulable: bool
    roles: list[str]
    kubelet_version: str
    labels: JSON


@strawberry.type
class Namespace:
    cluster: str
    name: str
    phase: str
    labels: JSON


@strawberry.type
class WorkloadStatusChange:
    type: ChangeType
    cursor: str = strawberry.field(description="Pass as `since` to resume right after this change.")
    cluster: str
    kind: WorkloadKind | None = strawberry.field(description="Null only on SNAPSHOT_END.")
    namespace: str
    name: str
    workload_id: strawberry.ID
    old_status: WorkloadStatus | None
    new_status: WorkloadStatus | None
    old_reason: str
    reason: str
    message: str
    resource_version: str
    time: datetime | None
    workload: Workload | None


@strawberry.type
class PodStatusChange:
    type: ChangeType
    cursor: str
    cluster: str
    namespace: str
    name: str
    pod_id: strawberry.ID = strawberry.field(description="Empty only on SNAPSHOT_END.")
    old_phase: PodPhase | None
    new_phase: PodPhase | None
    old_issue: PodIssue | None
    new_issue: PodIssue | None = strawberry.field(
        description="What is wrong with the pod itself (cluster reachability aside)."
    )
    old_reason: str
    reason: str
    message: str
    time: datetime | None
    pod: Pod | None


@strawberry.type
class ClusterReachabilityChange:
    cursor: str
    cluster: str
    reachable: bool
    since: datetime | None
    error: str
    time: datetime | None
