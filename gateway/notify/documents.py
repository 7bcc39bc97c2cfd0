"""The subscriptions the bot sends, and the variables that carry its filter and cursor."""

from __future__ import annotations

from typing import Any

WORKLOAD_CHANGES = """subscription NotifierWorkloads(
  $since: String, $snapshot: Boolean, $filter: WorkloadFilter
) {
  workloadStatusChanged(since: $since, snapshot: $snapshot, filter: $filter) {
    type cursor cluster kind namespace name oldStatus newStatus oldReason reason message time
    workload { statusLabel warnings counts { desired ready } }
  }
}"""

POD_CHANGES = """subscription NotifierPods($since: String, $filter: PodFilter) {
  podStatusChanged(since: $since, filter: $filter) {
    type cursor cluster namespace name oldPhase newPhase oldIssue newIssue reason message time
    pod { owner }
  }
}"""

CLUSTER_CHANGES = """subscription NotifierClusters($since: String) {
  clusterReachabilityChanged(since: $since) { cursor cluster reachable since error time }
}"""


def workload_variables(
    workload_filter: dict[str, Any], since: str | None, snapshot: bool
) -> dict[str, Any]:
    variables: dict[str, Any] = {"filter": workload_filter}
    if since is not None:
        variables["since"] = since
    if snapshot:
        variables["snapshot"] = True
    return variables


def pod_variables(pod_filter: dict[str, Any], since: str | None) -> dict[str, Any]:
    variables: dict[str, Any] = {"filter": pod_filter}
    if since is not None:
        variables["since"] = since
    return variables


def cluster_variables(since: str | None) -> dict[str, Any]:
    return {} if since is None else {"since": since}


FEED_CURSOR = """query NotifierFeedCursor($feed: Feed!) { feedCursor(feed: $feed) }"""
