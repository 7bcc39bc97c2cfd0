"""Subscription messages: what a change feed tells a subscriber about one object.

Kept apart from the objects they carry (schema/types.py): a message names its object
by identity and status transition even when the object is gone, so a workload's or pod's
message has every field but type and cursor nullable (null on the snapshot's end marker).
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from schema.types import Pod, PodIssue, PodPhase, Workload, WorkloadKind, WorkloadStatus


@strawberry.enum(description="What a subscription message reports about its object.")
class ChangeType(Enum):
    _value_: str

    SNAPSHOT = strawberry.enum_value(
        "snapshot",
        description=(
            "The object's current state, sent because the subscription asked for a snapshot."
        ),
    )
    SNAPSHOT_END = strawberry.enum_value(
        "snapshot_end",
        description=(
            "The snapshot is complete (sent even when it held nothing): live changes follow."
            " The marker names nothing: every field but type and cursor is null, and its "
            "cursor resumes right after the snapshot."
        ),
    )
    ADDED = strawberry.enum_value("added", description="The object appeared in the cache.")
    CHANGED = strawberry.enum_value(
        "changed", description="Its status, reason or another watched value changed."
    )
    DELETED = strawberry.enum_value(
        "deleted", description="The object is gone from the cluster; no object is attached."
    )


@strawberry.type(
    description=(
        "One message of workloadStatusChanged: a workload's change, a snapshot entry or the "
        "snapshot's end."
    )
)
class WorkloadStatusChange:
    type: ChangeType = strawberry.field(
        description=(
            "What happened: a snapshot entry, the snapshot's end, or an added, changed or "
            "deleted workload."
        ),
    )
    cursor: str = strawberry.field(description="Pass as `after` to resume right after this change.")
    cluster: str | None = strawberry.field(
        description="Cluster of the workload; null only on SNAPSHOT_END."
    )
    kind: WorkloadKind | None = strawberry.field(
        description="Kind of the workload (CUSTOM for custom resources); null only on SNAPSHOT_END."
    )
    group_kind: str | None = strawberry.field(
        description=(
            "Kind of the workload as a GroupKind (Deployment.apps, Rollout.argoproj.io); null "
            "only on SNAPSHOT_END."
        )
    )
    kind_name: str | None = strawberry.field(
        description="The manifest `kind` (Deployment, Rollout); null only on SNAPSHOT_END."
    )
    namespace: str | None = strawberry.field(
        description="Namespace of the workload; null only on SNAPSHOT_END."
    )
    name: str | None = strawberry.field(
        description="Name of the workload; null only on SNAPSHOT_END."
    )
    workload_id: strawberry.ID | None = strawberry.field(
        description="Global id of the workload, for node(id:); null only on SNAPSHOT_END."
    )
    old_status: WorkloadStatus | None = strawberry.field(
        description="Status before the change; null when added, in a snapshot or on SNAPSHOT_END."
    )
    new_status: WorkloadStatus | None = strawberry.field(
        description="Status after the change; null when deleted or on SNAPSHOT_END."
    )
    old_reason: str | None = strawberry.field(
        description="Reason before the change; empty when there was none."
    )
    reason: str | None = strawberry.field(
        description="Reason after the change, a short code such as CrashLoopBackOff."
    )
    message: str | None = strawberry.field(description="The workload's message after the change.")
    resource_version: str | None = strawberry.field(
        description="metadata.resourceVersion of the object the change was read from; may be empty."
    )
    time: datetime | None = strawberry.field(
        description=(
            "When the gateway recorded the change (in a snapshot: the workload's since), as "
            "an RFC 3339 timestamp."
        ),
    )
    workload: Workload | None = strawberry.field(
        description="The workload as it is after the change; null when deleted or on SNAPSHOT_END."
    )


@strawberry.type(
    description=(
        "One message of podStatusChanged: a pod's change, a snapshot entry or the snapshot's end."
    )
)
class PodStatusChange:
    type: ChangeType = strawberry.field(
        description=(
            "What happened: a snapshot entry, the snapshot's end, or an added, changed or "
            "deleted pod."
        ),
    )
    cursor: str = strawberry.field(description="Pass as `after` to resume right after this change.")
    cluster: str | None = strawberry.field(
        description="Cluster of the pod; null only on SNAPSHOT_END."
    )
    namespace: str | None = strawberry.field(
        description="Namespace of the pod; null only on SNAPSHOT_END."
    )
    name: str | None = strawberry.field(description="Name of the pod; null only on SNAPSHOT_END.")
    pod_id: strawberry.ID | None = strawberry.field(
        description="Global id of the pod, for node(id:); null only on SNAPSHOT_END."
    )
    old_phase: PodPhase | None = strawberry.field(
        description="Phase before the change; null when added, in a snapshot or on SNAPSHOT_END."
    )
    new_phase: PodPhase | None = strawberry.field(
        description="Phase after the change; null when deleted or on SNAPSHOT_END."
    )
    old_issue: PodIssue | None = strawberry.field(
        description="What was wrong with the pod before the change; null: nothing, or not known."
    )
    new_issue: PodIssue | None = strawberry.field(
        description="What is wrong with the pod itself (cluster reachability aside)."
    )
    old_reason: str | None = strawberry.field(
        description="kubectl's STATUS column before the change; empty when not known."
    )
    reason: str | None = strawberry.field(
        description="kubectl's STATUS column after the change, e.g. Running, CrashLoopBackOff."
    )
    message: str | None = strawberry.field(
        description="The pod's problem after the change, in a sentence or two; empty when none."
    )
    time: datetime | None = strawberry.field(
        description=(
            "When the gateway recorded the change (in a snapshot: the pod's since), as an RFC "
            "3339 timestamp."
        ),
    )
    pod: Pod | None = strawberry.field(
        description="The pod as it is after the change; null when deleted or on SNAPSHOT_END."
    )


@strawberry.type(
    description=(
        "One message of clusterReachabilityChanged: a cluster's API server stopped or resumed "
        "answering."
    )
)
class ClusterReachabilityChange:
    cursor: str = strawberry.field(description="Pass as `after` to resume right after this change.")
    cluster: str = strawberry.field(
        description="Name of the cluster, as configured in the gateway."
    )
    reachable: bool = strawberry.field(
        description="Whether its API server answers the gateway now."
    )
    since: datetime | None = strawberry.field(
        description=(
            "When the API server became unreachable (or reachable again), as an RFC 3339 timestamp."
        ),
    )
    error: str = strawberry.field(
        description=(
            "The last connection error while unreachable (a generic sentence for tenants); "
            "empty when reachable."
        ),
    )
    time: datetime | None = strawberry.field(
        description="When the gateway recorded the change, as an RFC 3339 timestamp."
    )
