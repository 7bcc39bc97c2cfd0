"""What the records say while a cluster's API server is unreachable.

The last known statuses stay, but no one may take them for current: every workload
reads Exception (ClusterUnreachable) with its last known status in the message, and
every pod is unobservable.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from gateway.status import PodIssue, PodProblem, PodState, Status, WorkloadState
from gateway.status.fields import format_time


@dataclass(slots=True)
class Unreachable:
    since: datetime
    error: str


def pod_while_unreachable(state: PodState, cluster: str, unreachable: Unreachable) -> PodState:
    text = (
        f"Cluster {cluster} is unreachable since {format_time(unreachable.since)}; "
        f"pod {state.name} was last seen {state.display_reason}."
    )
    return replace(
        state,
        problem=PodProblem(PodIssue.UNOBSERVABLE, "ClusterUnreachable", text, unreachable.since),
    )


def workload_while_unreachable(
    state: WorkloadState, cluster: str, unreachable: Unreachable
) -> WorkloadState:
    return replace(
        state,
        status=Status.EXCEPTION,
        reason="ClusterUnreachable",
        message=(
            f"The API server of cluster {cluster} has been unreachable since "
            f"{format_time(unreachable.since)} ({unreachable.error}); last known "
            f"status: {state.status.value} ({state.reason})."
        ),
        since=unreachable.since,
        recheck_at=None,
    )
