"""workloadStatusChanged's and clusterReachabilityChanged's messages, from feed entries and
from the index (a snapshot), apart from the resolvers that stream them.

Built from the entry alone (and, for a reachability error, whether the caller operates
the cluster), so that every subscriber of one view can be handed the same object
(schema/sharedresults.py).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any

import strawberry

from gateway.store.hub import FeedEvent
from gateway.store.queries import tenant_error
from gateway.store.selection import Criteria, Order
from schema import convert
from schema.changes import ChangeType, ClusterReachabilityChange, WorkloadStatusChange
from schema.context import ApiContext
from schema.errors import bad_input


def _kind(kind: str) -> dict[str, Any]:
    """A change's kind fields, from the kind string of its workload id."""
    fields = convert.kind_fields(kind)
    return {k: fields[k] for k in ("kind", "group_kind", "kind_name")}


def _time(value: str) -> datetime | None:
    return convert.to_time(value)


def workload_change(event: FeedEvent, cursor: str) -> WorkloadStatusChange:
    fields = event.fields
    kind, namespace, name = fields["id"].split("/", 2)
    record = event.record
    workload = None
    if fields["type"] != "deleted" and record is not None:
        workload = convert.workload(record)
    return WorkloadStatusChange(
        type=ChangeType(fields["type"]),
        cursor=cursor,
        cluster=event.cluster,
        **_kind(kind),
        namespace=namespace,
        name=name,
        workload_id=strawberry.ID(
            convert.workload_id(
                {"cluster": event.cluster, "kind": kind, "namespace": namespace, "name": name}
            )
        ),
        old_status=convert.STATUS_BY_LABEL.get(fields.get("oldStatus", "")),
        new_status=convert.STATUS_BY_LABEL.get(fields.get("newStatus", "")),
        old_reason=fields.get("oldReason", ""),
        reason=fields.get("reason", ""),
        message=fields.get("message", ""),
        resource_version=fields.get("resourceVersion", ""),
        time=_time(fields.get("time", "")),
        workload=workload,
    )


def snapshot_end(cursor: str) -> WorkloadStatusChange:
    """Without it a client cannot tell an empty snapshot, or the last message of one,
    from a quiet feed: it would hide its loading state on a timer."""
    return WorkloadStatusChange(
        type=ChangeType.SNAPSHOT_END,
        cursor=cursor,
        cluster=None,
        kind=None,
        group_kind=None,
        kind_name=None,
        namespace=None,
        name=None,
        workload_id=None,
        old_status=None,
        new_status=None,
        old_reason=None,
        reason=None,
        message=None,
        resource_version=None,
        time=None,
        workload=None,
    )


async def snapshot(
    ctx: ApiContext, chosen: Criteria, cursor: str
) -> AsyncGenerator[WorkloadStatusChange, None]:
    entries = await ctx.queries.selected(chosen, Order())
    if len(entries) > ctx.limits.snapshot_max:
        raise bad_input(
            f"the snapshot would hold {len(entries)} workloads "
            f"(at most {ctx.limits.snapshot_max}); narrow the filter"
        )
    for start in range(0, len(entries), 500):
        part = entries[start : start + 500]
        records = await ctx.queries.workloads_of(part)
        for entry in part:
            record = records.get((entry.cluster, entry.id))
            if record is None:
                continue
            workload = ctx.queries.built(record, convert.workload)
            yield WorkloadStatusChange(
                type=ChangeType.SNAPSHOT,
                cursor=cursor,
                cluster=entry.cluster,
                **_kind(entry.kind),
                namespace=entry.namespace,
                name=entry.name,
                workload_id=strawberry.ID(workload.id),
                old_status=None,
                new_status=workload.status,
                old_reason="",
                reason=workload.reason,
                message=workload.message,
                resource_version=str(record.get("resourceVersion") or ""),
                time=workload.since,
                workload=workload,
            )


def reachability_change(
    event: FeedEvent, cursor: str, ctx: ApiContext
) -> ClusterReachabilityChange:
    fields = event.fields
    cluster = str(fields.get("cluster", ""))
    error = str(fields.get("error", ""))
    return ClusterReachabilityChange(
        cursor=cursor,
        cluster=cluster,
        reachable=fields.get("reachable") == "true",
        since=_time(fields.get("since", "")),
        error=error if ctx.queries.sees_infrastructure(cluster) else tenant_error(error),
        time=_time(fields.get("time", "")),
    )
