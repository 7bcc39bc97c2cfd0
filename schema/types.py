"""The GraphQL types: small dataclasses filled from cache records, no per-row resolvers.

Lists of workloads are built whole by the parent resolver (pods and events included
when the query asks for them), because a resolver per row costs several times more
than the data itself. The one field that does I/O per object is ``Pod.logs``, and it
is meant to be asked for one pod at a time.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

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
    _value_: str

    WAITING = strawberry.enum_value(
        Status.WAITING.value,
        description=(
            "Not settled yet: being created, rolling out, scaling or paused; a Job not started "
            "or suspended; a CronJob before its first run. The reason says which."
        ),
    )
    RUNNING = strawberry.enum_value(
        Status.RUNNING.value,
        description=(
            "Deployment, StatefulSet or DaemonSet with every desired replica ready and nothing "
            "rolling out (zero desired replicas included)."
        ),
    )
    DELETING = strawberry.enum_value(
        Status.DELETING.value,
        description="metadata.deletionTimestamp is set: the object is being deleted.",
    )
    EXCEPTION = strawberry.enum_value(
        Status.EXCEPTION.value,
        description=(
            "Abnormal: the state cannot be observed (the cluster's API server is unreachable, "
            "or a pod's node is not reporting: ClusterUnreachable, NodeLost, NodeNotReady); "
            "for a Job also a Failed condition (backoff limit, deadline)."
        ),
    )
    NOT_READY = strawberry.enum_value(
        Status.NOT_READY.value,
        description=(
            "Abnormal: replicas cannot start or stay ready (crashing containers, image pulls, "
            "unschedulable pods, quota or progress-deadline failures)."
        ),
    )
    EXECUTING = strawberry.enum_value(
        Status.EXECUTING.value,
        description="A Job that has started (status.startTime) or has active pods.",
    )
    EXECUTION_COMPLETE = strawberry.enum_value(
        Status.EXECUTION_COMPLETE.value,
        description=(
            "A Job with a Complete (or SuccessCriteriaMet) condition: it finished successfully."
        ),
    )
    STARTED = strawberry.enum_value(
        Status.STARTED.value,
        description="A CronJob that is not suspended and has been scheduled at least once.",
    )
    STOPPED = strawberry.enum_value(
        Status.STOPPED.value,
        description="A CronJob with spec.suspend true: it creates no new Jobs.",
    )
    PENDING = strawberry.enum_value(EnginePodPhase.PENDING.value, description=_PHASE_STATUS)
    SUCCEEDED = strawberry.enum_value(EnginePodPhase.SUCCEEDED.value, description=_PHASE_STATUS)
    FAILED = strawberry.enum_value(EnginePodPhase.FAILED.value, description=_PHASE_STATUS)
    UNKNOWN = strawberry.enum_value(EnginePodPhase.UNKNOWN.value, description=_PHASE_STATUS)


@strawberry.enum(
    description=(
        "The Kubernetes kind of a workload (its manifest's `kind`); custom resources are all "
        "CUSTOM, told apart by groupKind."
    )
)
class WorkloadKind(Enum):
    _value_: str

    DEPLOYMENT = strawberry.enum_value("Deployment", description="An apps/v1 Deployment.")
    STATEFUL_SET = strawberry.enum_value("StatefulSet", description="An apps/v1 StatefulSet.")
    DAEMON_SET = strawberry.enum_value("DaemonSet", description="An apps/v1 DaemonSet.")
    JOB = strawberry.enum_value("Job", description="A batch/v1 Job.")
    CRON_JOB = strawberry.enum_value("CronJob", description="A batch/v1 CronJob.")
    CUSTOM = strawberry.enum_value(
        "Custom",
        description=(
            "A custom resource (an Argo Rollout, a KubeVirt VirtualMachine, ...): see kindName "
            "and apiGroup, or groupKind."
        ),
    )
    POD = strawberry.enum_value(
        "Pod",
        description=(
            "Standalone pods (of no workload), as statusSummary counts them: no Workload "
            "has this kind; the pods connection lists them (standalone: true)."
        ),
    )


@strawberry.enum(description="An event's type, as Kubernetes fixes it (Normal or Warning).")
class EventType(Enum):
    _value_: str

    NORMAL = strawberry.enum_value("Normal", description="Something expected happened.")
    WARNING = strawberry.enum_value(
        "Warning", description="Something went wrong or may need attention."
    )


@strawberry.enum(
    description=(
        "Which of Kubernetes' three container states (status.containerStatuses[].state) a "
        "container is in."
    )
)
class ContainerState(Enum):
    _value_: str

    RUNNING = strawberry.enum_value("running", description="Started and not terminated.")
    WAITING = strawberry.enum_value(
        "waiting", description="Not running yet or again: pulling, crash-loop back-off, ..."
    )
    TERMINATED = strawberry.enum_value(
        "terminated", description="Ran and exited (its exit code and reason say how)."
    )
    UNKNOWN = strawberry.enum_value(
        "unknown", description="No state reported (a pod not started, or its node lost)."
    )


@strawberry.enum(
    description=(
        "How a workload replaces its pods on a template change (spec.strategy.type for a "
        "Deployment, spec.updateStrategy.type for a StatefulSet or DaemonSet)."
    )
)
class UpdateStrategy(Enum):
    _value_: str

    ROLLING_UPDATE = strawberry.enum_value(
        "RollingUpdate", description="A few pods at a time, within maxUnavailable and maxSurge."
    )
    RECREATE = strawberry.enum_value(
        "Recreate", description="Deployments: every old pod goes before the new ones start."
    )
    ON_DELETE = strawberry.enum_value(
        "OnDelete",
        description="StatefulSets and DaemonSets: a pod is replaced only once someone deletes it.",
    )


@strawberry.enum(description="A pod's lifecycle phase, as Kubernetes reports it in status.phase.")
class PodPhase(Enum):
    _value_: str

    PENDING = strawberry.enum_value(
        EnginePodPhase.PENDING.value,
        description="Accepted, but not every container runs yet (scheduling, image pulls).",
    )
    RUNNING = strawberry.enum_value(
        EnginePodPhase.RUNNING.value,
        description="Bound to a node, with at least one container running or starting.",
    )
    SUCCEEDED = strawberry.enum_value(
        EnginePodPhase.SUCCEEDED.value,
        description="Every container terminated with exit code 0 and will not restart.",
    )
    FAILED = strawberry.enum_value(
        EnginePodPhase.FAILED.value,
        description="Every container terminated and at least one failed (or it was evicted).",
    )
    UNKNOWN = strawberry.enum_value(
        EnginePodPhase.UNKNOWN.value,
        description="The phase could not be read, typically because the node stopped reporting.",
    )


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


@strawberry.enum(description="The change feeds the subscriptions follow.")
class Feed(Enum):
    _value_: str

    WORKLOADS = strawberry.enum_value("workloads", description="workloadStatusChanged's feed.")
    PODS = strawberry.enum_value("pods", description="podStatusChanged's feed.")
    CLUSTERS = strawberry.enum_value("clusters", description="clusterReachabilityChanged's feed.")


@strawberry.interface(description="An object with a stable global id, for node(id:).")
class Node:
    id: strawberry.ID = strawberry.field(
        description=(
            "Opaque global id encoding type, cluster and path; pass it to node(id:) to read "
            "the object again."
        )
    )


@strawberry.type(
    description=(
        "Replica and run counters of a workload, copied from its Kubernetes status and spec."
    )
)
class Counts:
    desired: int | None = strawberry.field(
        description=(
            "Replicas wanted: spec.replicas (1 when unset) for Deployments and StatefulSets, "
            "status.desiredNumberScheduled for DaemonSets, spec.completions for Jobs; null "
            "otherwise."
        ),
    )
    current: int | None = strawberry.field(
        description=(
            "Replicas that exist: status.replicas, or a DaemonSet's "
            "status.currentNumberScheduled; null for Jobs and CronJobs."
        ),
    )
    ready: int | None = strawberry.field(
        description=(
            "Ready pods: status.readyReplicas, a DaemonSet's status.numberReady or a Job's "
            "status.ready."
        ),
    )
    updated: int | None = strawberry.field(
        description=(
            "Replicas on the newest revision: status.updatedReplicas, or a DaemonSet's "
            "status.updatedNumberScheduled."
        ),
    )
    available: int | None = strawberry.field(
        description=(
            "Replicas ready for at least minReadySeconds: status.availableReplicas, or a "
            "DaemonSet's status.numberAvailable."
        ),
    )
    active: int | None = strawberry.field(
        description=(
            "A Job's running pods (status.active) or a CronJob's running Jobs (entries of "
            "status.active)."
        ),
    )
    succeeded: int | None = strawberry.field(
        description="A Job's pods that finished successfully (status.succeeded)."
    )
    failed: int | None = strawberry.field(
        description="A Job's pods that failed (status.failed), counted against its backoff limit."
    )
    completions: int | None = strawberry.field(
        description="A Job's spec.completions; null when unset (one success completes it)."
    )
    last_schedule: datetime | None = strawberry.field(
        description="A CronJob's status.lastScheduleTime, as an RFC 3339 timestamp."
    )
    last_success: datetime | None = strawberry.field(
        description="A CronJob's status.lastSuccessfulTime, as an RFC 3339 timestamp."
    )


@strawberry.type(
    description="A Kubernetes event about a workload or pod, as the gateway caches it."
)
class Event:
    type: EventType = strawberry.field(description="Normal or Warning, the event's own type.")
    reason: str = strawberry.field(
        description="The event's short CamelCase cause, e.g. BackOff, FailedScheduling, Pulled."
    )
    message: str = strawberry.field(
        description="The event's text (note for events.k8s.io events), cut at 1000 characters."
    )
    count: int = strawberry.field(
        description="How many times it occurred (count, or series.count); at least 1."
    )
    last_seen: datetime | None = strawberry.field(
        description=(
            "Latest occurrence (series.lastObservedTime, lastTimestamp, eventTime or "
            "firstTimestamp), as an RFC 3339 timestamp."
        ),
    )
    object: str = strawberry.field(description="Kind/name of the object the event is about.")
    field_path: str = strawberry.field(
        description=(
            "involvedObject.fieldPath, e.g. spec.containers{web}; empty when about the whole "
            "object."
        ),
    )


@strawberry.type(
    description=(
        "One container's state from the pod's status (containerStatuses), as kubectl describe "
        "shows it."
    )
)
class Container:
    name: str = strawberry.field(description="The container's name in the pod spec.")
    image: str = strawberry.field(
        description="The image the kubelet reports running (containerStatuses[].image)."
    )
    init: bool = strawberry.field(
        description="True for an init container (from status.initContainerStatuses)."
    )
    ready: bool = strawberry.field(
        description="containerStatuses[].ready: the container passes its readiness probe."
    )
    restarts: int = strawberry.field(
        description="restartCount: how many times the kubelet restarted it."
    )
    state: ContainerState = strawberry.field(description="The container's current state.")
    reason: str = strawberry.field(
        description=(
            "Reason of its current state, e.g. CrashLoopBackOff, ErrImagePull, Completed; "
            "often empty while running."
        ),
    )
    message: str = strawberry.field(
        description="Message of its current state, cut at 300 characters; often empty."
    )
    exit_code: int | None = strawberry.field(
        description="Exit code when its current state is terminated; null otherwise."
    )
    last_termination_reason: str = strawberry.field(
        description=(
            "lastState.terminated.reason of the previous run, e.g. OOMKilled, Error; empty if none."
        ),
    )
    last_exit_code: int | None = strawberry.field(
        description=(
            "lastState.terminated.exitCode of the previous run; null if it never terminated before."
        ),
    )
    last_finished_at: datetime | None = strawberry.field(
        description="lastState.terminated.finishedAt of the previous run, as an RFC 3339 timestamp."
    )


@strawberry.type(
    description=(
        "A pod with the gateway's verdict on it, read from the cache (only logs reach the API "
        "server)."
    )
)
class Pod(Node):
    cluster: str = strawberry.field(
        description="Name of the cluster the pod runs in, as configured in the gateway."
    )
    namespace: str = strawberry.field(description="The pod's metadata.namespace.")
    name: str = strawberry.field(description="The pod's metadata.name.")
    owner: str | None = strawberry.field(description="The owning workload as Kind/namespace/name.")
    node: str | None = strawberry.field(
        description="spec.nodeName: the node it is scheduled on; null until scheduled."
    )
    phase: PodPhase = strawberry.field(description="status.phase, as Kubernetes reports it.")
    display_reason: str = strawberry.field(description="What kubectl shows in its STATUS column.")
    reason: str = strawberry.field(
        description=(
            "Short code of the pod's problem (CrashLoopBackOff, Unschedulable, NodeLost, "
            "...); empty when there is none."
        ),
    )
    message: str = strawberry.field(
        description=(
            "The problem in a sentence or two, for a person to act on; empty when there is none."
        ),
    )
    abnormal: bool = strawberry.field(
        description="True when the pod has an issue other than STARTING."
    )
    issue: PodIssue | None = strawberry.field(description="What is wrong; null: nothing.")
    ready: bool = strawberry.field(description="The pod's Ready condition is True.")
    ready_containers: int = strawberry.field(
        description="Containers that are ready, the left number of kubectl's READY column."
    )
    total_containers: int = strawberry.field(
        description="Containers counted in kubectl's READY column (app containers and sidecars)."
    )
    restarts: int = strawberry.field(
        description="Container restarts, as kubectl's RESTARTS column counts them."
    )
    since: datetime | None = strawberry.field(
        description=(
            "When the current problem began (else the latest condition change or start), as "
            "an RFC 3339 timestamp."
        ),
    )
    created_at: datetime | None = strawberry.field(
        description="metadata.creationTimestamp, as an RFC 3339 timestamp."
    )
    ip: str | None = strawberry.field(description="status.podIP; null until one is assigned.")
    containers: list[Container] = strawberry.field(
        description="Each container's state, init containers first."
    )
    events: list[Event] = strawberry.field(
        description=(
            "Events about this pod, newest first, at most 20 (the gateway's events-per-object "
            "limit)."
        ),
    )

    @strawberry.field(
        description="The container's log tail, read from the API server (at most 1000 lines)."
    )
    async def logs(
        self,
        info: Info,
        container: Annotated[
            str | None,
            strawberry.argument(
                description="The container to read; may be omitted when the pod has only one."
            ),
        ] = None,
        tail_lines: Annotated[
            int,
            strawberry.argument(description="How many lines from the end to return, 1 to 1000."),
        ] = 100,
        since_seconds: Annotated[
            int | None,
            strawberry.argument(
                description="Only lines written in the last this many seconds (at least 1)."
            ),
        ] = None,
        previous: Annotated[
            bool,
            strawberry.argument(
                description="Read the previous, terminated run of the container (after a crash)."
            ),
        ] = False,
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
    description=(
        "Deployment, StatefulSet, DaemonSet, Job, CronJob or a custom resource (CustomWorkload), "
        "with its computed status."
    )
)
class Workload(Node):
    cluster: str = strawberry.field(
        description="Name of the cluster it runs in, as configured in the gateway."
    )
    kind: WorkloadKind = strawberry.field(
        description="Its Kubernetes kind; CUSTOM for every custom resource (see groupKind)."
    )
    kind_name: str = strawberry.field(
        description="The manifest's `kind`, custom resources included: Deployment, Rollout, ..."
    )
    api_group: str = strawberry.field(
        description="The API group it is served in: apps, batch, argoproj.io, ..."
    )
    api_version: str = strawberry.field(
        description="The manifest's `apiVersion`: apps/v1, batch/v1, argoproj.io/v1alpha1, ..."
    )
    group_kind: str = strawberry.field(
        description=(
            "Kind and group as Kubernetes writes a GroupKind: Deployment.apps, "
            "Rollout.argoproj.io; what the groupKinds filters take."
        )
    )
    namespace: str = strawberry.field(description="Its metadata.namespace.")
    name: str = strawberry.field(description="Its metadata.name.")
    labels: JSON = strawberry.field(description="metadata.labels, as a JSON object of strings.")
    status: WorkloadStatus = strawberry.field(
        description="The gateway's verdict, computed from the object's status, conditions and pods."
    )
    status_label: str = strawberry.field(description='The manual\'s words, e.g. "Not Ready".')
    reason: str = strawberry.field(
        description="A short machine code: CrashLoopBackOff, RollingUpdate, ..."
    )
    message: str = strawberry.field(
        description="What is wrong (or going on), in one or two sentences."
    )
    warnings: list[str] = strawberry.field(
        description=(
            "Notes that do not change the status, e.g. a paused rollout or a CronJob's failed "
            "last run."
        ),
    )
    abnormal: bool = strawberry.field(description="True when status is EXCEPTION or NOT_READY.")
    since: datetime | None = strawberry.field(
        description=(
            "When the current status or reason began (from the condition or pod it rests on, "
            "else creation), as an RFC 3339 timestamp."
        ),
    )
    created_at: datetime | None = strawberry.field(
        description="metadata.creationTimestamp, as an RFC 3339 timestamp."
    )
    counts: Counts = strawberry.field(
        description=(
            "Replica and run counters from its status; a field is null where the kind has no "
            "such number."
        ),
    )
    images: list[str] = strawberry.field(
        description="Distinct container images of its pod template, init containers first."
    )
    pod_names: list[str] = strawberry.field(
        description=(
            "Names of the pods it owns (a Deployment's through its ReplicaSets), in its namespace."
        ),
    )
    pods: list[Pod] = strawberry.field(
        description="The pods it owns, with their own verdicts; read only when selected."
    )
    events: list[Event] = strawberry.field(
        description=(
            "Events about the workload object, newest first, at most 20 (the gateway's "
            "events-per-object limit)."
        ),
    )

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


@strawberry.type(description="An apps/v1 Deployment with its computed status.")
class Deployment(Workload):
    strategy: UpdateStrategy | None = strawberry.field(
        description="spec.strategy.type: ROLLING_UPDATE or RECREATE; null when unset."
    )
    paused: bool = strawberry.field(
        description="spec.paused: template changes are not rolled out (reason Paused, Waiting)."
    )


@strawberry.type(description="An apps/v1 StatefulSet with its computed status.")
class StatefulSet(Workload):
    strategy: UpdateStrategy | None = strawberry.field(
        description="spec.updateStrategy.type: ROLLING_UPDATE or ON_DELETE; null when unset."
    )


@strawberry.type(description="An apps/v1 DaemonSet with its computed status.")
class DaemonSet(Workload):
    strategy: UpdateStrategy | None = strawberry.field(
        description="spec.updateStrategy.type: ROLLING_UPDATE or ON_DELETE; null when unset."
    )


@strawberry.type(
    description=(
        "A batch/v1 Job with its computed status: Waiting, Executing, Execution Complete, Deleting "
        "or Exception."
    )
)
class Job(Workload):
    completions: int | None = strawberry.field(
        description="spec.completions: successful pods needed; null means one success completes it."
    )
    parallelism: int = strawberry.field(
        description="spec.parallelism: pods allowed to run at once (1 when unset)."
    )
    backoff_limit: int = strawberry.field(
        description="spec.backoffLimit: retries before the Job is marked failed (6 when unset)."
    )
    suspend: bool = strawberry.field(
        description="spec.suspend: the Job creates no pods while true."
    )
    active: int = strawberry.field(description="status.active: pods running now (0 when absent).")
    succeeded: int = strawberry.field(
        description="status.succeeded: pods that finished successfully (0 when absent)."
    )
    failed: int = strawberry.field(description="status.failed: pods that failed (0 when absent).")
    start_time: datetime | None = strawberry.field(
        description="status.startTime, as an RFC 3339 timestamp; null before the Job starts."
    )
    completion_time: datetime | None = strawberry.field(
        description=(
            "status.completionTime, as an RFC 3339 timestamp; set only once the Job has completed."
        ),
    )


@strawberry.type(
    description=(
        "A batch/v1 CronJob with its computed status: Waiting, Started, Stopped or Deleting."
    )
)
class CronJob(Workload):
    schedule: str = strawberry.field(
        description="spec.schedule: the cron expression, e.g. */5 * * * *."
    )
    time_zone: str | None = strawberry.field(
        description="spec.timeZone (an IANA name); null: the controller manager's time zone."
    )
    suspend: bool = strawberry.field(
        description="spec.suspend: no new Jobs are created while true (status Stopped)."
    )
    concurrency_policy: str = strawberry.field(
        description="spec.concurrencyPolicy: Allow, Forbid or Replace (Allow when unset)."
    )
    last_schedule_time: datetime | None = strawberry.field(
        description=(
            "status.lastScheduleTime: when a Job was last created, as an RFC 3339 timestamp."
        ),
    )
    last_successful_time: datetime | None = strawberry.field(
        description=(
            "status.lastSuccessfulTime: when a Job last completed, as an RFC 3339 timestamp."
        ),
    )
    job_names: list[str] = strawberry.field(
        description="Names of the Jobs it owns, in its namespace."
    )
    jobs: list[Job] = strawberry.field(
        description="The Jobs it owns, with their own verdicts; read only when selected."
    )


@strawberry.type(description="Relay paging state of one page of a connection.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="More items follow this page: pass endCursor as `after` to read them."
    )
    has_previous_page: bool = strawberry.field(
        description="Items come before this page: pass startCursor as `before` (pods) to read them."
    )
    start_cursor: str | None = strawberry.field(
        description="Cursor of the page's first edge; null when the page is empty."
    )
    end_cursor: str | None = strawberry.field(
        description="Cursor of the page's last edge; null when the page is empty."
    )


@strawberry.type(description="One workload of a page with its cursor.")
class WorkloadEdge:
    cursor: str = strawberry.field(
        description=(
            "Opaque position of this workload in the ordered list; pass as `after` to page on."
        ),
    )
    node: Workload = strawberry.field(description="The workload at this position.")


@strawberry.type(
    description="One page of workloads (Relay connection), ordered and filtered on the server."
)
class WorkloadConnection:
    edges: list[WorkloadEdge] = strawberry.field(
        description="The page's workloads with their cursors."
    )
    nodes: list[Workload] = strawberry.field(
        description="The same workloads as edges, without cursors."
    )
    page_info: PageInfo = strawberry.field(
        description="Where this page sits and the cursors to move on."
    )
    total_count: int = strawberry.field(description="Workloads the filter admits across all pages.")


@strawberry.type(description="One pod of a page with its cursor.")
class PodEdge:
    cursor: str = strawberry.field(
        description=(
            "Opaque position of this pod in the ordered list; pass as `after` or `before` to page."
        ),
    )
    node: Pod = strawberry.field(description="The pod at this position.")


@strawberry.type(
    description="One page of pods (Relay connection), ordered and filtered on the server."
)
class PodConnection:
    edges: list[PodEdge] = strawberry.field(description="The page's pods with their cursors.")
    nodes: list[Pod] = strawberry.field(description="The same pods as edges, without cursors.")
    page_info: PageInfo = strawberry.field(
        description="Where this page sits and the cursors to move on."
    )
    total_count: int = strawberry.field(description="Pods the filter admits across all pages.")


@strawberry.type(description="How many objects have one status.")
class StatusCount:
    status: WorkloadStatus = strawberry.field(description="The status counted.")
    label: str = strawberry.field(description="The status in the manual's words, e.g. Not Ready.")
    count: int = strawberry.field(description="Objects with this status.")


@strawberry.type(description="How many objects of one kind have one status.")
class KindStatusCount:
    kind: WorkloadKind = strawberry.field(
        description="The kind counted (POD: standalone pods; CUSTOM: the custom kind groupKind)."
    )
    group_kind: str = strawberry.field(
        description=(
            "The kind counted as a GroupKind (Deployment.apps, Rollout.argoproj.io; Pod for "
            "standalone pods): each custom kind is counted apart."
        )
    )
    kind_name: str = strawberry.field(
        description="The kind counted as a manifest's `kind`: Deployment, Rollout, Pod, ..."
    )
    status: WorkloadStatus = strawberry.field(
        description="The status counted (for POD, the pods' phase)."
    )
    count: int = strawberry.field(description="Objects of this kind with this status.")


@strawberry.type(
    description="Counts of workloads (and standalone pods) by status and kind, for dashboards."
)
class StatusSummary:
    total: int = strawberry.field(
        description="Objects counted: the workloads the filter admits, plus standalone pods."
    )
    abnormal: int = strawberry.field(
        description=(
            "Those that are abnormal: Exception or Not Ready workloads, and abnormal "
            "standalone pods."
        ),
    )
    by_status: list[StatusCount] = strawberry.field(
        description="Counts per status, all kinds together."
    )
    by_kind: list[KindStatusCount] = strawberry.field(description="Counts per kind and status.")


@strawberry.type(description="A Kubernetes node of a cluster, with its readiness.")
class ClusterNode(Node):
    cluster: str = strawberry.field(
        description="Name of the cluster the node belongs to, as configured in the gateway."
    )
    name: str = strawberry.field(description="The node's metadata.name.")
    ready: bool = strawberry.field(description="The node's Ready condition is True.")
    reason: str = strawberry.field(
        description=(
            "Why it is not ready: NodeNotReady, NodeLost or NodeStatusUnknown; empty when ready."
        ),
    )
    message: str = strawberry.field(
        description=(
            "The problem in a sentence, quoting the Ready condition's message; empty when ready."
        ),
    )
    since: datetime | None = strawberry.field(
        description="lastTransitionTime of its Ready condition, as an RFC 3339 timestamp."
    )
    unschedulable: bool = strawberry.field(
        description="spec.unschedulable: the node is cordoned and takes no new pods."
    )
    roles: list[str] = strawberry.field(
        description=(
            "Roles from its node-role.kubernetes.io/<role> labels, sorted, e.g. control-plane."
        ),
    )
    kubelet_version: str = strawberry.field(
        description="status.nodeInfo.kubeletVersion, e.g. v1.30.2."
    )
    labels: JSON = strawberry.field(description="metadata.labels, as a JSON object of strings.")


@strawberry.type(description="A Kubernetes namespace of a cluster.")
class Namespace:
    cluster: str = strawberry.field(
        description="Name of the cluster it belongs to, as configured in the gateway."
    )
    name: str = strawberry.field(description="The namespace's metadata.name.")
    phase: str = strawberry.field(description="status.phase: Active or Terminating.")
    labels: JSON = strawberry.field(description="metadata.labels, as a JSON object of strings.")
