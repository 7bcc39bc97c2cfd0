"""Turning changes into Redis commands, atomically.

Every batch is one MULTI/EXEC, so readers never see a record without its index
entry or a count that disagrees with the records. A whole cluster is rewritten in
one transaction too (after a relist or when Redis comes back), and the feed gets an
entry for every difference between what Redis held and the new truth.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
import redis.asyncio as redis

from gateway.store import feed
from gateway.store.changes import (
    Change,
    EventPush,
    FeedEntry,
    NamespaceRemove,
    NamespaceUpsert,
    NodeRemove,
    NodeUpsert,
    PodRemove,
    PodUpsert,
    WorkloadRemove,
    WorkloadUpsert,
)
from gateway.store.keys import Keys

EVENTS_PER_OBJECT = 20
EVENT_TTL_SECONDS = 3600
_BULK = 1000


class StoreWriter:
    def __init__(self, client: redis.Redis, keys: Keys, feed_length: int = 10_000) -> None:
        self.client = client
        self.keys = keys
        self.feed_length = feed_length

    def _stream(self, cluster: str, entry: FeedEntry) -> str:
        if entry.stream == feed.PODS:
            return self.keys.pod_feed(cluster)
        return self.keys.workload_feed(cluster)

    def _queue(self, pipe: Any, cluster: str, change: Change) -> None:
        keys = self.keys
        match change:
            case WorkloadUpsert():
                pipe.hset(keys.workloads(cluster), change.id, change.record)
                pipe.hset(keys.workload_index(cluster), change.id, change.index)
                pipe.hset(keys.workload_labels(cluster), change.id, change.labels)
                if change.count_before != change.count_after:
                    if change.count_before is not None:
                        pipe.hincrby(keys.workload_counts(cluster), change.count_before, -1)
                    pipe.hincrby(keys.workload_counts(cluster), change.count_after, 1)
            case WorkloadRemove():
                for key in (
                    keys.workloads(cluster),
                    keys.workload_index(cluster),
                    keys.workload_labels(cluster),
                ):
                    pipe.hdel(key, change.id)
                if change.count_before is not None:
                    pipe.hincrby(keys.workload_counts(cluster), change.count_before, -1)
                pipe.unlink(keys.events(cluster, change.id))
            case PodUpsert():
                pipe.hset(keys.pods(cluster), change.id, change.record)
                if change.counts_before != change.counts_after:
                    for field in change.counts_before:
                        pipe.hincrby(keys.pod_counts(cluster), field, -1)
                    for field in change.counts_after:
                        pipe.hincrby(keys.pod_counts(cluster), field, 1)
            case PodRemove():
                pipe.hdel(keys.pods(cluster), change.id)
                for field in change.counts_before:
                    pipe.hincrby(keys.pod_counts(cluster), field, -1)
                pipe.unlink(keys.events(cluster, f"Pod/{change.id}"))
            case NodeUpsert():
                pipe.hset(keys.nodes(cluster), change.name, change.record)
            case NodeRemove():
                pipe.hdel(keys.nodes(cluster), change.name)
            case NamespaceUpsert():
                pipe.hset(keys.namespaces(cluster), change.name, change.record)
            case NamespaceRemove():
                pipe.hdel(keys.namespaces(cluster), change.name)
            case EventPush():
                for object_id in change.object_ids:
                    key = keys.events(cluster, object_id)
                    pipe.lpush(key, change.record)
                    pipe.ltrim(key, 0, EVENTS_PER_OBJECT - 1)
                    pipe.expire(key, EVENT_TTL_SECONDS)
            case FeedEntry():
                pipe.xadd(
                    self._stream(cluster, change),
                    _fields(change),
                    maxlen=self.feed_length,
                    approximate=True,
                )

    async def apply(self, cluster: str, changes: Sequence[Change]) -> None:
        if not changes:
            return
        async with self.client.pipeline(transaction=True) as pipe:
            for change in changes:
                self._queue(pipe, cluster, change)
            await pipe.execute()

    async def replace_cluster(self, cluster: str, changes: Sequence[Change]) -> int:
        """Make Redis hold exactly ``changes`` for this cluster; returns feed entries written.

        Reads what Redis held before, so transitions that happened while nobody was
        writing (a gateway restart, a Redis outage, a relist) still reach the feed.
        """
        before = await self.client.hgetall(self.keys.workload_index(cluster))
        previous = {_text(k): orjson.loads(v) for k, v in before.items()}
        stale = [
            key
            async for key in self.client.scan_iter(self.keys.cluster_pattern(cluster), count=1000)
        ]
        entries = _differences(previous, changes)
        async with self.client.pipeline(transaction=True) as pipe:
            for chunk in _chunks(stale, _BULK):
                pipe.unlink(*chunk)
            self._queue_bulk(pipe, cluster, changes)
            for entry in entries:
                self._queue(pipe, cluster, entry)
            await pipe.execute()
        return len(entries)

    def _queue_bulk(self, pipe: Any, cluster: str, changes: Sequence[Change]) -> None:
        """A full cluster as a few hundred HSETs of a thousand fields, not a million commands."""
        keys = self.keys
        hashes: dict[str, dict[str, bytes]] = {}
        counts: dict[str, dict[str, int]] = {}

        def put(key: str, field: str, value: bytes) -> None:
            hashes.setdefault(key, {})[field] = value

        def count(key: str, field: str) -> None:
            bucket = counts.setdefault(key, {})
            bucket[field] = bucket.get(field, 0) + 1

        for change in changes:
            match change:
                case WorkloadUpsert():
                    put(keys.workloads(cluster), change.id, change.record)
                    put(keys.workload_index(cluster), change.id, change.index)
                    put(keys.workload_labels(cluster), change.id, change.labels)
                    count(keys.workload_counts(cluster), change.count_after)
                case PodUpsert():
                    put(keys.pods(cluster), change.id, change.record)
                    for field in change.counts_after:
                        count(keys.pod_counts(cluster), field)
                case NodeUpsert():
                    put(keys.nodes(cluster), change.name, change.record)
                case NamespaceUpsert():
                    put(keys.namespaces(cluster), change.name, change.record)
                case _:
                    self._queue(pipe, cluster, change)
        for key, fields in hashes.items():
            items = list(fields.items())
            for chunk in _chunks(items, _BULK):
                pipe.hset(key, mapping=dict(chunk))
        for key, totals in counts.items():
            pipe.hset(key, mapping={field: str(value) for field, value in totals.items()})

    async def put_cluster(self, name: str, record: bytes, entry: FeedEntry | None) -> None:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(self.keys.clusters, name, record)
            if entry is not None:
                pipe.xadd(
                    self.keys.cluster_feed,
                    _fields(entry),
                    maxlen=self.feed_length,
                    approximate=True,
                )
            await pipe.execute()


def _differences(previous: dict[str, Any], changes: Sequence[Change]) -> list[FeedEntry]:
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for change in changes:
        if not isinstance(change, WorkloadUpsert):
            continue
        seen.add(change.id)
        status, reason = orjson.loads(change.index)[:2]
        before = previous.get(change.id)
        if before is None:
            entries.append(feed.workload_entry(feed.ADDED, orjson.loads(change.record)))
        elif before[0] != status or before[1] != reason:
            entries.append(
                feed.workload_entry(feed.CHANGED, orjson.loads(change.record), before[0], before[1])
            )
    for gone in sorted(set(previous) - seen):
        kind, namespace, name = gone.split("/", 2)
        status, reason = previous[gone][:2]
        last = {
            "kind": kind,
            "namespace": namespace,
            "name": name,
            "status": status,
            "reason": reason,
            "message": "",
        }
        entries.append(feed.workload_entry(feed.DELETED, last, status, reason))
    return entries


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _fields(entry: FeedEntry) -> dict[Any, Any]:
    return dict(entry.fields)


def _chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
