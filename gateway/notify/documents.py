"""The subscriptions the bot sends, and the variables that carry its filter and cursor."""

from __future__ import annotations

from typing import Any

WORKLOAD_CHANGES = """subscription NotifierWorkloads(
  $after: String, $snapshot: Boolean, $filter: WorkloadFilter
) {
  workloadStatusChanged(after: $after, snapshot: $snapshot, filter: $filter) {
    type cursor cluster kind groupKind namespace name oldStatus newStatus oldReason reason
    message time workload { statusLabel warnings counts { desired ready } }
  }
}"""

POD_CHANGES = """subscription NotifierPods($after: String, $filter: PodFilter) {
  podStatusChanged(after: $after, filter: $filter) {
    type cursor cluster namespace name oldPhase newPhase oldIssue newIssue reason message time
    pod { owner }
  }
}"""

CLUSTER_CHANGES = """subscription NotifierClusters($after: String) {
  clusterReachabilityChanged(after: $after) { cursor cluster reachable since error time }
}"""


def workload_variables(
    workload_filter: dict[str, Any], after: str | None, snapshot: bool
) -> dict[str, Any]:
    variables: dict[str, Any] = {"filter": workload_filter}
    if after is not None:
        variables["after"] = after
    if snapshot:
        variables["snapshot"] = True
    return variables


def pod_variables(pod_filter: dict[str, Any], after: str | None) -> dict[str, Any]:
    variables: dict[str, Any] = {"filter": pod_filter}
    if after is not None:
        variables["after"] = after
    return variables


def cluster_variables(after: str | None) -> dict[str, Any]:
    return {} if after is None else {"after": after}


FEED_CURSOR = """query NotifierFeedCursor($feed: Feed!) { feedCursor(feed: $feed) }"""
