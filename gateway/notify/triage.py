"""Deciding what a burst of transitions is worth saying, and keeping the open incidents.

A batch holds everything that arrived within the grouping window. Each workload's
transitions become at most one notice (first old status -> last new status, its
abnormal pods listed in it); a pod of no workload is judged the same way, as a
workload of kind Pod (model.standalone_status); a problem that comes and goes within
the window is not posted; a workload still in the status the channel was last told
about is not posted again; workloads turned Exception by an unreachable cluster are
told once, in the cluster's notice. Many notices at once become one digest.

Triage works on its own copy of the incidents, which already counts every notice it
has queued as told; the state's incidents take a notice's changes only once the
webhook accepts it (see ``state``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field, replace

from gateway.notify import notices
from gateway.notify.filters import ChannelFilter
from gateway.notify.model import (
    PodTransition,
    ReachabilityTransition,
    Severity,
    Transition,
    WorkloadKey,
    WorkloadTransition,
    is_abnormal,
    key_text,
    status_severity,
    transition_id,
)
from gateway.notify.notices import Notice
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
    workloads: dict[WorkloadKey, list[WorkloadTransition]] = field(
        default_factory=lambda: defaultdict(list)
    )
    pods: list[PodTransition] = field(default_factory=list)
    clusters: list[ReachabilityTransition] = field(default_factory=list)

    def add(self, transition: Transition) -> None:
        if isinstance(transition, WorkloadTransition):
            self.workloads[transition.key].append(transition)
        elif isinstance(transition, PodTransition):
            self.pods.append(transition)
        else:
            self.clusters.append(transition)

    def __len__(self) -> int:
        return sum(len(v) for v in self.workloads.values()) + len(self.pods) + len(self.clusters)


@dataclass(slots=True)
class Verdict:
    notices: list[Notice]
    dropped: list[str]
    """Ids of transitions handled without a post (absorbed, below the severity, flaps)."""
    carried: set[str] = field(default_factory=set)
    """Ids a notice accounts for although their own judgement found nothing to say."""


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
        self.incidents = {k: replace(v) for k, v in state.incidents.items()}

    def judge(self, batch: Batch) -> Verdict:
        verdict = Verdict([], [])
        pods_by_owner: dict[WorkloadKey, list[PodTransition]] = defaultdict(list)
        for pod in batch.pods:
            owner = pod.owner_key
            if owner is None:
                self._standalone(pod, batch, verdict)
            elif pod.abnormal:
                pods_by_owner[owner].append(pod)
            else:
                verdict.dropped.append(pod.id)  # better again: its workload says so
        self._clusters(batch, verdict)
        self._clusters_down_by_workloads(batch, verdict)
        for key, changes in batch.workloads.items():
            self._workload(key, changes, pods_by_owner.pop(key, []), verdict)
        for owner, pods in pods_by_owner.items():
            self._pods(owner, pods, verdict)
        verdict.dropped = [i for i in verdict.dropped if i not in verdict.carried]
        found = [n.marked_resent() if self.resent & set(n.ids) else n for n in verdict.notices]
        found.sort(key=lambda n: (n.kind not in _CLUSTER_KINDS, n.recovered, -n.severity))
        if len(found) > self.digest_after:
            found = [notices.digest(found, "many changes at once")]
        verdict.notices = found
        return verdict

    # ---- incidents -----------------------------------------------------------------

    def _told(self, key: str, notice: Notice) -> Notice:
        """The notice, carrying the incident as the channel will know it once it is posted."""
        incident = self.incidents.get(key)
        return replace(notice, incidents=((key, replace(incident) if incident else None),))

    def withdraw(self, notice: Notice) -> None:
        """The chat refused the notice: the channel knows what the state says, no more."""
        for key, promised in notice.incidents:
            saved = self.state.incidents.get(key)
            self.incidents.pop(key, None)
            if saved is not None:
                self.incidents[key] = replace(saved)
            elif promised is not None:
                self.incidents[key] = replace(promised, announced=None)

    def _quietly(self, key: str) -> None:
        """Facts changed without a post: the state learns them, not a new announcement."""
        working = self.incidents.get(key)
        saved = self.state.incidents.get(key)
        if working is None:
            if saved is not None and saved.announced is None:
                self.state.set_incident(key, None)
            return
        self.state.set_incident(key, replace(working, announced=saved.announced if saved else None))

    def _open(self, key: str, incident: Incident) -> None:
        self.incidents.pop(key, None)
        self.incidents[key] = incident

    # ---- clusters ------------------------------------------------------------------

    def _clusters(self, batch: Batch, verdict: Verdict) -> None:
        by_cluster: dict[str, list[ReachabilityTransition]] = defaultdict(list)
        for change in batch.clusters:
            by_cluster[change.cluster].append(change)
        for cluster, changes in by_cluster.items():
            ids = [c.id for c in changes]
            last = changes[-1]
            key = cluster_incident_key(cluster)
            incident = self.incidents.get(key)
            if not self.filter.admits_cluster(cluster):
                verdict.dropped.extend(ids)
            elif not last.reachable:
                if incident is not None and incident.announced == UNREACHABLE:
                    verdict.dropped.extend(ids)
                    continue
                since = last.since or last.time
                began = since.isoformat() if since else ""
                self._open(key, Incident(UNREACHABLE, "", last.error, began, UNREACHABLE))
                workloads = [
                    k
                    for k, ts in batch.workloads.items()
                    if k[0] == cluster and ts[-1].reason == CLUSTER_UNREACHABLE
                ]
                verdict.notices.append(
                    self._told(key, notices.cluster_down(last, len(workloads), ids))
                )
            else:
                self.incidents.pop(key, None)
                went_down = any(not c.reachable for c in changes)
                if (incident is not None and incident.announced) or (
                    incident is None and not went_down
                ):
                    began_at = notices.parse_time(incident.since) if incident else None
                    verdict.notices.append(self._told(key, notices.cluster_up(last, began_at, ids)))
                else:
                    log.info("cluster flapped within the window", extra={"cluster": cluster})
                    self._quietly(key)
                    verdict.dropped.extend(ids)

    def _clusters_down_by_workloads(self, batch: Batch, verdict: Verdict) -> None:
        """Workloads can say their cluster is unreachable before the cluster feed does.

        The watcher writes the workloads' Exception (ClusterUnreachable) before the
        cluster's reachability, so they may land in different windows; the cluster's
        notice goes out with the first of them, and the reachability is news no more.
        """
        stranded: dict[str, list[WorkloadTransition]] = defaultdict(list)
        for workload, changes in batch.workloads.items():
            last = changes[-1]
            if last.reason == CLUSTER_UNREACHABLE and is_abnormal(last.new_status):
                stranded[workload[0]].append(last)
        for cluster, workloads in stranded.items():
            if self._cluster_down(cluster) or not self.filter.admits_cluster(cluster):
                continue
            first = workloads[0]
            change = ReachabilityTransition(
                id=transition_id("c", cluster, "inferred", first.id),
                cluster=cluster,
                reachable=False,
                since=first.time,
                error=first.message,
                time=first.time,
            )
            key = cluster_incident_key(cluster)
            began = first.time.isoformat() if first.time else ""
            self._open(key, Incident(UNREACHABLE, "", first.message, began, UNREACHABLE))
            ids = [t.id for w in workloads for t in batch.workloads[w.key]]
            verdict.carried.update(ids)
            verdict.notices.append(
                self._told(key, notices.cluster_down(change, len(workloads), ids))
            )

    def _cluster_down(self, cluster: str) -> bool:
        incident = self.incidents.get(cluster_incident_key(cluster))
        return incident is not None and incident.announced == UNREACHABLE

    # ---- workloads -----------------------------------------------------------------

    def _workload(
        self,
        key: WorkloadKey,
        transitions: list[WorkloadTransition],
        pods: list[PodTransition],
        verdict: Verdict,
    ) -> None:
        ids = [t.id for t in transitions] + [p.id for p in pods]
        first, last = transitions[0], transitions[-1]
        incident_key = workload_incident_key(key)
        incident = self.incidents.get(incident_key)
        context = {"workload": key_text(key), "status": last.new_status, "reason": last.reason}
        status = last.new_status
        if status is not None and is_abnormal(status):
            announced = incident.announced if incident else None
            quiet = (
                (last.reason == CLUSTER_UNREACHABLE and self._cluster_down(key[0]))
                or announced == status
                or not self._worth_telling(status, announced)
            )
            self._open(
                incident_key,
                Incident(
                    status,
                    last.reason,
                    notices.clip(last.message, 500),
                    incident.since if incident else _iso(first),
                    announced if quiet else status,
                ),
            )
            if quiet:
                log.debug("transition not posted", extra=context)
                self._quietly(incident_key)
                verdict.dropped.extend(ids)
                return
            verdict.notices.append(
                self._told(incident_key, notices.problem(transitions, pods, ids))
            )
            return
        self.incidents.pop(incident_key, None)
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
            notice = notices.recovery(transitions, began, reason, ids)
            verdict.notices.append(self._told(incident_key, notice))
            return
        log.debug("recovery of an unannounced problem not posted", extra=context)
        self._quietly(incident_key)
        verdict.dropped.extend(ids)

    def _worth_telling(self, status: str, announced: str | None) -> bool:
        """At or above the minimum severity, or news about something the channel was told."""
        if status_severity(status) >= self.min_severity:
            return True
        return announced is not None and status_severity(announced) >= self.min_severity

    # ---- pods ----------------------------------------------------------------------

    def _standalone(self, pod: PodTransition, batch: Batch, verdict: Verdict) -> None:
        """A pod of no workload joins the batch's workloads, if the channel hears of it."""
        if self.filter.admits_standalone(pod.name):
            change = pod.as_workload()
            batch.workloads[change.key].append(change)
        else:
            verdict.dropped.append(pod.id)

    def _pods(self, owner: WorkloadKey, pods: list[PodTransition], verdict: Verdict) -> None:
        """Pods in trouble whose workload did not change: a warning, when asked for."""
        known = workload_incident_key(owner) in self.incidents
        admitted = (
            self.min_severity <= Severity.WARNING
            and not self.filter.label_selector
            and self.filter.admits_owner(owner[1], owner[3])
        )
        if known or not admitted or self._cluster_down(pods[0].cluster):
            verdict.dropped.extend(p.id for p in pods)
            return
        ids = [p.id for p in pods]
        verdict.notices.append(notices.pod_warning(owner, owner[0], owner[2], pods, ids))

    def forget_clusters(self) -> None:
        """The cluster feed lost its history: whether a cluster is still down is unknown."""
        for incidents in (self.incidents, self.state.incidents):
            for key in [k for k in incidents if k.startswith("c:")]:
                del incidents[key]

    # ---- summaries -----------------------------------------------------------------

    def summary(
        self, abnormal: tuple[WorkloadTransition, ...], gap: bool, error: str
    ) -> Notice | None:
        """What is abnormal now replaces what the bot believed; a notice if worth one."""
        replaced: dict[str, Incident | None] = dict.fromkeys(
            k for k in (*self.incidents, *self.state.incidents) if k.startswith("w:")
        )
        shown = []
        for item in abnormal:
            if item.new_status is None:
                continue
            told = status_severity(item.new_status) >= self.min_severity
            replaced[workload_incident_key(item.key)] = Incident(
                item.new_status,
                item.reason,
                notices.clip(item.message, 500),
                _iso(item),
                item.new_status if told else None,
            )
            if told:
                shown.append(item)
        for key, incident in replaced.items():
            self.incidents.pop(key, None)
            if incident is not None:
                self.incidents[key] = incident
        updates = tuple((k, replace(v) if v else None) for k, v in replaced.items())
        if not (gap or shown or error):
            for key, incident in updates:
                self.state.set_incident(key, incident)
            return None
        notice = notices.summary(shown, gap=gap, error=error, ids=())
        return replace(notice, incidents=updates)


_CLUSTER_KINDS = (notices.NoticeKind.CLUSTER_DOWN, notices.NoticeKind.CLUSTER_UP)


def _iso(transition: WorkloadTransition) -> str:
    return transition.time.isoformat() if transition.time else ""
