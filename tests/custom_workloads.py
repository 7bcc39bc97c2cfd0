"""Custom workloads in the cache, written as the custom-resource watcher writes them.

The records follow the watcher's contract: every field a built-in workload record has,
``kind`` as ``Kind.group``, plus ``apiVersion`` and ``family``; its pods name it as their
owner by that same string; the cluster record lists the kinds in ``customKinds``. They go
through the store's own writer, so ids, index, counts and feed entries are the real ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
import redis.asyncio as redis

from gateway.store import feed
from gateway.store.changes import Change, PodUpsert, WorkloadRemove, WorkloadUpsert
from gateway.store.keys import Keys, count_field
from gateway.store.podindex import entry_of
from gateway.store.records import Record, pod_id, workload_id
from gateway.store.writer import StoreWriter

ROLLOUT = "Rollout.argoproj.io"
ROLLOUT_KIND = {
    "kind": ROLLOUT,
    "group": "argoproj.io",
    "version": "v1alpha1",
    "plural": "rollouts",
    "namespaced": True,
    "family": "long-running",
    "rule": "argoproj.io/Rollout",
}
SINCE = "2024-05-01T11:00:00Z"


def rollout(
    cluster: str,
    *,
    namespace: str = "shop",
    name: str = "checkout",
    status: str = "Running",
    reason: str = "",
    message: str = "",
    pods: tuple[str, ...] = (),
) -> Record:
    """A Rollout record; the counts its rule does not fill stay null, as the watcher's do."""
    return {
        "cluster": cluster,
        "kind": ROLLOUT,
        "apiVersion": "argoproj.io/v1alpha1",
        "family": "long-running",
        "namespace": namespace,
        "name": name,
        "uid": f"uid-{namespace}-{name}",
        "labels": {"app": name},
        "status": status,
        "reason": reason,
        "message": message or f"Rollout {name} is {status}",
        "warnings": [],
        "since": SINCE,
        "counts": {
            "desired": 2,
            "current": 2,
            "ready": 2 if status == "Running" else 1,
            "updated": None,
            "available": None,
            "active": None,
            "succeeded": None,
            "failed": None,
            "completions": None,
            "lastSchedule": None,
            "lastSuccess": None,
        },
        "images": ["shop/checkout:2.1"],
        "pods": list(pods),
        "created": "2024-05-01T10:00:00Z",
        "resourceVersion": "4711",
    }


def rollout_pod(cluster: str, owner: Record, name: str) -> Record:
    """A running, ready pod owned by ``owner``."""
    return {
        "cluster": cluster,
        "namespace": owner["namespace"],
        "name": name,
        "uid": f"uid-{name}",
        "owner": workload_id(owner["kind"], owner["namespace"], owner["name"]),
        "node": "worker-1",
        "phase": "Running",
        "displayReason": "Running",
        "reason": "",
        "message": "",
        "abnormal": False,
        "issue": None,
        "ready": True,
        "readyContainers": 1,
        "totalContainers": 1,
        "restarts": 0,
        "since": SINCE,
        "containers": [],
        "created": "2024-05-01T10:00:00Z",
    }


def _upsert(record: Record, before: Record | None) -> WorkloadUpsert:
    kind, namespace = record["kind"], record["namespace"]
    return WorkloadUpsert(
        workload_id(kind, namespace, record["name"]),
        orjson.dumps(record),
        orjson.dumps([record["status"], record["reason"], 1714561200.0]),
        orjson.dumps(record["labels"]),
        None if before is None else count_field(namespace, kind, before["status"]),
        count_field(namespace, kind, record["status"]),
    )


async def put_workload(
    client: redis.Redis, record: Record, before: Record | None = None, pods: Sequence[Record] = ()
) -> None:
    """Write (or rewrite, from ``before``) a custom workload and its pods, with feed entries."""
    changes: list[Change] = [_upsert(record, before)]
    if before is None:
        changes.append(feed.workload_entry(feed.ADDED, record))
    elif (before["status"], before["reason"]) != (record["status"], record["reason"]):
        changes.append(
            feed.workload_entry(feed.CHANGED, record, before["status"], before["reason"])
        )
    for pod in pods:
        changes.append(
            PodUpsert(
                pod_id(pod["namespace"], pod["name"]),
                orjson.dumps(pod),
                (),
                (count_field(pod["namespace"], pod["phase"]),),
                None,
                entry_of(pod),
                orjson.dumps({}),
            )
        )
    await StoreWriter(client, Keys()).apply(record["cluster"], changes)


async def put_pod(client: redis.Redis, pod: Record, before: Record) -> None:
    """Rewrite a pod (from ``before``) with its feed entry, as a status change would."""
    counts: tuple[str, ...] = (count_field(pod["namespace"], pod["phase"]),)
    if pod["abnormal"]:
        counts += (count_field(pod["namespace"], "abnormal"),)
    changes: list[Change] = [
        PodUpsert(
            pod_id(pod["namespace"], pod["name"]),
            orjson.dumps(pod),
            (count_field(before["namespace"], before["phase"]),),
            counts,
            entry_of(before),
            entry_of(pod),
        ),
        feed.pod_entry(
            feed.CHANGED,
            pod,
            before["phase"],
            before["displayReason"],
            issue=pod["issue"] or "",
            old_owner=before["owner"],
        ),
    ]
    await StoreWriter(client, Keys()).apply(pod["cluster"], changes)


async def remove_workload(client: redis.Redis, record: Record) -> None:
    kind, namespace = record["kind"], record["namespace"]
    changes: list[Change] = [
        WorkloadRemove(
            workload_id(kind, namespace, record["name"]),
            count_field(namespace, kind, record["status"]),
        ),
        feed.workload_entry(feed.DELETED, record, record["status"], record["reason"]),
    ]
    await StoreWriter(client, Keys()).apply(record["cluster"], changes)


async def watch_kinds(client: redis.Redis, cluster: str, kinds: list[dict[str, Any]]) -> None:
    """The cluster record lists ``kinds`` as watched, as the watcher's record does."""
    keys = Keys()
    raw = await client.hget(keys.clusters, cluster)
    record = orjson.loads(raw) if raw else {"name": cluster, "reachable": True, "synced": True}
    record["customKinds"] = kinds
    await StoreWriter(client, keys).put_cluster(cluster, orjson.dumps(record), None)
