"""podStatusChanged's parts: which feed entries a filter admits, and the changes it sends.

A change is admitted when the pod was or is what the filter asks for (its phase,
STATUS reason, abnormality or standalone-ness before or after), as workload changes
are: a subscriber to abnormal pods hears of a recovery, a subscriber to standalone
pods of one adopted by a workload. A snapshot, when asked for, is read from the pod
index like a ``pods`` page, and ends with a SNAPSHOT_END marker.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import Any

import strawberry

from gateway.status.model import abnormal_issue
from gateway.store.hub import FeedEvent
from gateway.store.podindex import PodCriteria
from schema import convert, ids
from schema.changes import ChangeType, PodStatusChange
from schema.context import ApiContext
from schema.errors import bad_input

SNAPSHOT_CHUNK = 500


def _either(was: bool, now: bool, wanted: bool | None) -> bool:
    return wanted is None or wanted in (was, now)


def admits_pod(chosen: PodCriteria, ctx: ApiContext) -> Callable[[FeedEvent], bool]:
    """Reads the caller's visibility at each event: a recheck may have narrowed it."""

    def admits(event: FeedEvent) -> bool:
        if chosen.clusters and event.cluster not in chosen.clusters:
            return False
        fields = event.fields
        record: dict[str, Any] = event.record or {}
        if not record or not ctx.queries.pod_visible(record):
            return False
        if chosen.namespaces and record["namespace"] not in chosen.namespaces:
            return False
        phases = {fields.get("oldPhase", ""), fields.get("newPhase", "")} - {""}
        if chosen.phases and not phases & chosen.phases:
            return False
        reasons = {fields.get("oldReason", ""), fields.get("reason", "")} - {""}
        if chosen.reasons and not reasons & chosen.reasons:
            return False
        if chosen.nodes and record.get("node") not in chosen.nodes:
            return False
        now_abnormal = abnormal_issue(fields.get("issue")) if "issue" in fields else None
        abnormal = bool(record.get("abnormal")) if now_abnormal is None else now_abnormal
        if not _either(abnormal_issue(fields.get("oldIssue")), abnormal, chosen.abnormal):
            return False
        owner = record.get("owner")
        old_owner = fields.get("oldOwner", owner)
        if not _either(not old_owner, not owner, chosen.standalone):
            return False
        if chosen.workload and chosen.workload not in (owner, old_owner):
            return False
        if chosen.name_contains and chosen.name_contains.lower() not in record["name"].lower():
            return False
        if chosen.needs_labels and chosen.selector is not None:
            return chosen.selector.matches(fields.get("labels"))
        return True

    return admits


def pod_id(cluster: str, namespace: str, name: str) -> strawberry.ID:
    return strawberry.ID(ids.encode("Pod", cluster, f"{namespace}/{name}"))


def pod_change(event: FeedEvent, cursor: str) -> PodStatusChange:
    fields = event.fields
    namespace, name = fields["id"].split("/", 1)
    record = event.record
    return PodStatusChange(
        type=ChangeType(fields["type"]),
        cursor=cursor,
        cluster=event.cluster,
        namespace=namespace,
        name=name,
        pod_id=pod_id(event.cluster, namespace, name),
        old_phase=convert.PHASE_BY_NAME.get(fields.get("oldPhase", "")),
        new_phase=convert.PHASE_BY_NAME.get(fields.get("newPhase", "")),
        old_issue=convert.ISSUE_BY_NAME.get(fields.get("oldIssue") or ""),
        new_issue=convert.ISSUE_BY_NAME.get(fields.get("issue") or ""),
        old_reason=fields.get("oldReason", ""),
        reason=fields.get("reason", ""),
        message=fields.get("message", ""),
        time=convert.to_time(fields.get("time", "")),
        pod=convert.pod(record) if record is not None and fields["type"] != "deleted" else None,
    )


def snapshot_end(cursor: str) -> PodStatusChange:
    """Names no pod; its cursor resumes right after the snapshot."""
    return PodStatusChange(
        type=ChangeType.SNAPSHOT_END,
        cursor=cursor,
        cluster=None,
        namespace=None,
        name=None,
        pod_id=None,
        old_phase=None,
        new_phase=None,
        old_issue=None,
        new_issue=None,
        old_reason=None,
        reason=None,
        message=None,
        time=None,
        pod=None,
    )


async def snapshot(
    ctx: ApiContext, chosen: PodCriteria, cursor: str
) -> AsyncGenerator[PodStatusChange, None]:
    """Every pod the filter admits, as it is now (type SNAPSHOT)."""
    entries = await ctx.queries.matching_pods(chosen)
    if len(entries) > ctx.limits.snapshot_max:
        raise bad_input(
            f"the snapshot would hold {len(entries)} pods "
            f"(at most {ctx.limits.snapshot_max}); narrow the filter"
        )
    for start in range(0, len(entries), SNAPSHOT_CHUNK):
        part = entries[start : start + SNAPSHOT_CHUNK]
        records = await ctx.queries.pod_records([(c, e.id) for c, e in part])
        for cluster, entry in part:
            record = records.get((cluster, entry.id))
            if record is None:
                continue
            pod = convert.pod(record)
            yield PodStatusChange(
                type=ChangeType.SNAPSHOT,
                cursor=cursor,
                cluster=cluster,
                namespace=entry.namespace,
                name=entry.name,
                pod_id=strawberry.ID(pod.id),
                old_phase=None,
                new_phase=pod.phase,
                old_issue=None,
                new_issue=pod.issue,
                old_reason="",
                reason=pod.display_reason,
                message=pod.message,
                time=pod.since,
                pod=pod,
            )
