"""Deciding what a burst of transitions is worth saying, and keeping the open incidents.

A batch holds everything that arrived within the grouping window. Each workload's
transitions become at most one notice (first old status -> last new status, its
abnormal pods listed in it); a problem that comes and goes within the window is not
posted; a workload still in the status the channel was last told about is not posted
again; workloads turned Exception by an unreachable cluster are told once, in the
cluster's notice. Many notices at once become one digest.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from gateway.notify import notices
from gateway.notify.filters import ChannelFilter
from gateway.notify.model import (
    CLUSTERS,
    PODS,
    WORKLOADS,
    PodTransition,
    ReachabilityTransition,
    Severity,
    WorkloadKey,
    WorkloadTransition,
    is_abnormal,
    key_text,
    status_severity,
)
from gateway.notify.notices import Accounting, Notice
from gateway.notify.state import Incident, NotifierState

log = logging.getLogger(__name__)

CLUSTER_UNREACHABLE = "ClusterUnreachable"
UNREACHABLE = "Unreachable"


def workload_incident_key(key: WorkloadKey) -> str:
    return f"w:{key_text(key)}"


def cluster_incident_key(cluster: str) -> str:
    return f"c:{cluster}"


@dataclass(slots=True)
class Batch:
    workloads: dict[WorkloadKey, list[tuple[WorkloadTransition, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    pods: list[tuple[PodTransition, int]] = field(default_factory=list)
    clusters: list[tuple[ReachabilityTransition, int]] = field(default_factory=list)

    def __len__(self) -> int:
        return sum(len(v) for v in self.workloads.values()) + len(self.pods) + len(self.clusters)


@dataclass(slots=True)
class Verdict:
    notices: list[Notice]
    settled: list[tuple[str, int]]
    """Feed events handled without a post (absorbed, below the severity, flaps)."""


class Triage:
    def __init__(
        self,
        state: NotifierState,
        channel_filter: ChannelFilter,
        *,
        min_severity: Severity = Severity.NOT_READY,
        digest_after: int = 5,
        resent: frozenset[str] = frozenset(),
    ) -> None:
        self.state = state
        self.filter = channel_filter
        self.min_severity = min_severity
        self.digest_after = digest_after
        self.resent = resent

    def judge(self, batch: Batch) -> Verdict:
        verdict = Verdict([], [])
        pods_by_owner: dict[WorkloadKey | None, list[tuple[PodTransition, int]]] = defaultdict(list)
        for pod, seq in batch.pods:
            pods_by_owner[pod.owner_key].append((pod, seq))
        self._clusters(batch, verdict)
        for key, changes in batch.workloads.items():
            self._workload(key, changes, pods_by_owner.pop(key, []), verdict)
        for owner, pods in pods_by_owner.items():
            self._pods(owner, pods, verdict)
        found = [n.marked_resent() if self.resent & set(n.ids) else n for n in verdict.notices]
        found.sort(key=lambda n: (n.kind not in _CLUSTER_KINDS, n.recovered, -n.severity))
        if len(found) > self.digest_after:
            found = [notices.digest(found, "many changes at once")]
        verdict.notices = found
        return verdict

    # ---- clusters ------------------------------------------------------------------

    def _clusters(self, batch: Batch, verdict: Verdict) -> None:
        by_cluster: dict[str, list[tuple[ReachabilityTransition, int]]] = defaultdict(list)
        for change, seq in batch.clusters:
            by_cluster[change.cluster].append((change, seq))
        for cluster, entries in by_cluster.items():
            accounting = Accounting(
                [c.id for c, _ in entries], [(CLUSTERS, seq) for _, seq in entries]
            )
            last = entries[-1][0]
            key = cluster_incident_key(cluster)
            incident = self.state.incidents.get(key)
            if not self.filter.admits_cluster(cluster):
                verdict.settled.extend(accounting.progress)
            elif not last.reachable:
                if incident is not None and incident.announced == UNREACHABLE:
                    verdict.settled.extend(accounting.progress)
                    continue
                since = last.since or last.time
                self.state.open_incident(
                    key,
                    Incident(
                        UNREACHABLE, "", last.error, since.isoformat() if since else "", UNREACHABLE
                    ),
                )
                workloads = [
                    k
                    for k, ts in batch.workloads.items()
                    if k[0] == cluster and ts[-1][0].reason == CLUSTER_UNREACHABLE
                ]
                verdict.notices.append(notices.cluster_down(last, len(workloads), accounting))
            else:
                self.state.incidents.pop(key, None)
                went_down = any(not c.reachable for c, _ in entries)
                if (incident is not None and incident.announced) or (
                    incident is None and not went_down
                ):
                    began = notices.parse_time(incident.since) if incident else None
                    verdict.notices.append(notices.cluster_up(last, began, accounting))
                else:
                    log.info(
                        "cluster flapped within the window; not posted", extra={"cluster": cluster}
                    )
                    verdict.settled.extend(accounting.progress)

    def _cluster_announced_down(self, cluster: str) -> bool:
        incident = self.state.incidents.get(cluster_incident_key(cluster))
        return incident is not None and incident.announced == UNREACHABLE

    # ---- workloads -----------------------------------------------------------------

    def _workload(
        self,
        key: WorkloadKey,
        entries: list[tuple[WorkloadTransition, int]],
        pods: list[tuple[PodTransition, int]],
        verdict: Verdict,
    ) -> None:
        transitions = [t for t, _ in entries]
        accounting = Accounting(
            [t.id for t in transitions] + [p.id for p, _ in pods],
            [(WORKLOADS, seq) for _, seq in entries] + [(PODS, seq) for _, seq in pods],
        )
        first, last = transitions[0], transitions[-1]
        incident_key = workload_incident_key(key)
        incident = self.state.incidents.get(incident_key)
        context = {"workload": key_text(key), "status": last.new_status, "reason": last.reason}
        status = last.new_status
        if status is not None and is_abnormal(status):
            since = incident.since if incident else _iso(first)
            announced = incident.announced if incident else None
            quiet = (
                (last.reason == CLUSTER_UNREACHABLE and self._cluster_announced_down(key[0]))
                or announced == status
                or not self._worth_telling(status, announced)
            )
            self.state.open_incident(
                incident_key,
                Incident(
                    status,
                    last.reason,
                    notices.clip(last.message, 500),
                    since,
                    announced if quiet else status,
                ),
            )
            if quiet:
                log.debug("transition not posted", extra=context)
                verdict.settled.extend(accounting.progress)
                return
            verdict.notices.append(notices.problem(transitions, [p for p, _ in pods], accounting))
            return
        self.state.incidents.pop(incident_key, None)
        announced_before = incident is not None and incident.announced is not None
        unknown_before = (
            incident is None
            and is_abnormal(first.old_status)
            and not any(is_abnormal(t.new_status) for t in transitions)
            and status_severity(first.old_status) >= self.min_severity
        )
        if announced_before or unknown_before:
            began = notices.parse_time(incident.since) if incident else None
            reason = incident.reason if incident else first.old_reason
            verdict.notices.append(notices.recovery(transitions, began, reason, accounting))
            return
        log.debug("recovery of an unannounced problem not posted", extra=context)
        verdict.settled.extend(accounting.progress)

    def _worth_telling(self, status: str, announced: str | None) -> bool:
        """At or above the minimum severity, or news about something the channel was told."""
        if status_severity(status) >= self.min_severity:
            return True
        return announced is not None and status_severity(announced) >= self.min_severity

    # ---- pods whose workload did not change ----------------------------------------

    def _pods(
        self,
        owner: WorkloadKey | None,
        entries: list[tuple[PodTransition, int]],
        verdict: Verdict,
    ) -> None:
        accounting = Accounting([p.id for p, _ in entries], [(PODS, seq) for _, seq in entries])
        pods = [p for p, _ in entries]
        known = owner is not None and workload_incident_key(owner) in self.state.incidents
        admitted = self.min_severity <= Severity.WARNING and not self.filter.label_selector
        if owner is not None:
            admitted = admitted and self.filter.admits_owner(owner[1], owner[3])
        if known or not admitted or self._cluster_announced_down(pods[0].cluster):
            verdict.settled.extend(accounting.progress)
            return
        if owner is None:
            by_namespace: dict[tuple[str, str], list[tuple[PodTransition, int]]] = defaultdict(list)
            for pod, seq in entries:
                by_namespace[(pod.cluster, pod.namespace)].append((pod, seq))
            for (cluster, namespace), group in by_namespace.items():
                part = Accounting([p.id for p, _ in group], [(PODS, s) for _, s in group])
                verdict.notices.append(
                    notices.pod_warning(None, cluster, namespace, [p for p, _ in group], part)
                )
            return
        verdict.notices.append(notices.pod_warning(owner, owner[0], owner[2], pods, accounting))

    # ---- summaries -----------------------------------------------------------------

    def summary(
        self,
        abnormal: tuple[WorkloadTransition, ...],
        gap: bool,
        error: str,
        accounting: Accounting,
    ) -> Notice | None:
        """Replace what the bot believes is abnormal with the snapshot; a notice if worth one."""
        for key in [k for k in self.state.incidents if k.startswith("w:")]:
            del self.state.incidents[key]
        shown = []
        for item in abnormal:
            if item.new_status is None:
                continue
            told = status_severity(item.new_status) >= self.min_severity
            self.state.open_incident(
                workload_incident_key(item.key),
                Incident(
                    item.new_status,
                    item.reason,
                    notices.clip(item.message, 500),
                    _iso(item),
                    item.new_status if told else None,
                ),
            )
            if told:
                shown.append(item)
        if not (gap or shown or error):
            return None
        return notices.summary(shown, gap=gap, error=error, accounting=accounting)


_CLUSTER_KINDS = (notices.NoticeKind.CLUSTER_DOWN, notices.NoticeKind.CLUSTER_UP)


def _iso(transition: WorkloadTransition) -> str:
    return transition.time.isoformat() if transition.time else ""
