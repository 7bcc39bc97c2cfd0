"""Turning changes into Redis commands, atomically.

Every batch is one MULTI/EXEC, so readers never see a record without its index
entry or a count that disagrees with the records. A whole cluster is rewritten in
one transaction too (after a relist or when Redis comes back), and the feed gets an
entry for every difference between what Redis held and the new truth.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from gateway.redis_connect import Client
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
from gateway.store.podindex import PodIndexEntry

EVENTS_PER_OBJECT = 20
MARK_TTL_SECONDS = 86_400
"""A dead writer's mark goes after a day; a live one writes (heartbeats) far more often."""
EVENT_TTL_SECONDS = 3600
_BULK = 1000
_STAGED_CHUNK = 5000
_UNLINK, _RENAME = "UNLINK", "RENAME"
"""Queued as plain commands: in redis-py's cluster pipeline ``unlink`` is a coroutine
that splits keys by slot and queues nothing, and ``rename`` is refused for fear of two
slots; a transaction's keys share one slot here (see keys.py), so neither is needed."""

_APPEND = """
for i = 3, #ARGV do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', ARGV[2], ARGV[i])
end
"""
"""Feed entries appended to one stream by one command: ``ARGV`` is the stream's length
bound, the entry field, then one payload per entry. A batch of pod changes carries
hundreds of entries, and as one XADD each, packing the commands and parsing their
replies in redis-py cost more than everything else the write does. Sent with EVAL,
which the server caches compiled: nothing to load first or again after a restart."""


@dataclass(slots=True)
class _Batch:
    """Changes folded into as few commands as possible: one HSET per hash, net count deltas.

    Within a batch the last write of a field wins, whether a set or a delete; that is
    what applying the changes one by one would have left behind.
    """

    sets: dict[str, dict[str, bytes]] = field(default_factory=dict)
    deletes: dict[str, set[str]] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    unlinks: set[str] = field(default_factory=set)
    joins: dict[str, set[str]] = field(default_factory=dict)
    leaves: dict[str, set[str]] = field(default_factory=dict)
    pushes: dict[str, list[bytes]] = field(default_factory=dict)
    entries: list[tuple[str, FeedEntry]] = field(default_factory=list)

    def put(self, key: str, name: str, value: bytes) -> None:
        self.sets.setdefault(key, {})[name] = value
        deleted = self.deletes.get(key)
        if deleted:
            deleted.discard(name)

    def drop(self, key: str, name: str) -> None:
        self.deletes.setdefault(key, set()).add(name)
        written = self.sets.get(key)
        if written:
            written.pop(name, None)

    def join(self, key: str, member: str) -> None:
        """Into a sorted set (score 0: the set keeps its members in byte order)."""
        self.joins.setdefault(key, set()).add(member)
        left = self.leaves.get(key)
        if left:
            left.discard(member)

    def leave(self, key: str, member: str) -> None:
        self.leaves.setdefault(key, set()).add(member)
        joined = self.joins.get(key)
        if joined:
            joined.discard(member)

    def forget_events(self, key: str) -> None:
        """The object is gone: its event list goes, and so do events pushed for it earlier
        in the batch. Unlinks are sent before pushes, so events that come after the
        removal in the batch (a pod's Killing) still start the list anew."""
        self.unlinks.add(key)
        self.pushes.pop(key, None)

    def count(self, key: str, name: str, delta: int) -> None:
        bucket = self.counts.setdefault(key, {})
        bucket[name] = bucket.get(name, 0) + delta

    def queue(self, pipe: Any, feed_length: int) -> None:
        for key in sorted(self.unlinks):
            pipe.execute_command(_UNLINK, key)
        for key, names in self.deletes.items():
            if names:
                pipe.hdel(key, *sorted(names))
        for key, values in self.sets.items():
            if len(values) <= _BULK:
                pipe.hset(key, mapping=values)
                continue
            items = list(values.items())
            for chunk in _chunks(items, _BULK):
                pipe.hset(key, mapping=dict(chunk))
        for key, members in self.leaves.items():
            for chunk in _chunks(sorted(members), _BULK):
                pipe.zrem(key, *chunk)
        for key, members in self.joins.items():
            for chunk in _chunks(sorted(members), _BULK):
                pipe.zadd(key, dict.fromkeys(chunk, 0))
        for key, deltas in self.counts.items():
            for name, delta in deltas.items():
                if delta:
                    pipe.hincrby(key, name, delta)
        for key, records in self.pushes.items():
            pipe.lpush(key, *records)
            pipe.ltrim(key, 0, EVENTS_PER_OBJECT - 1)
            pipe.expire(key, EVENT_TTL_SECONDS)
        payloads: dict[str, list[bytes]] = {}
        for stream, entry in self.entries:
            payloads.setdefault(stream, []).append(feed.payload(entry))
        for stream, appended in payloads.items():
            for chunk in _chunks(appended, _BULK):
                pipe.eval(_APPEND, 1, stream, feed_length, feed.FIELD, *chunk)


class WritesLost(Exception):
    """Redis no longer holds a write it acknowledged: the transaction just made went onto
    an older state (a replica that lagged was promoted, or the server restarted empty)."""


class StoreWriter:
    """``marker`` names this writer's write marks (see ``Keys.write_mark``); without one
    (tests, benchmarks that own their Redis) no transaction carries them."""

    def __init__(
        self, client: Client, keys: Keys, feed_length: int = 10_000, marker: str | None = None
    ) -> None:
        self.client = client
        self.keys = keys
        self.feed_length = feed_length
        self.marker = marker
        self.acknowledged: dict[str | None, int] = {}
        """Per mark group (a Kubernetes cluster, None for the shared keys), the highest
        mark a transaction of this writer was answered with."""

    async def _commit(self, pipe: Any, group: str | None) -> None:
        """EXEC, with the group's mark bumped inside the transaction when there is one.

        A transaction acknowledged before this one was sent precedes it on the primary,
        and a replica holds a prefix of the primary's history: so unless Redis lost
        acknowledged writes, the mark this one reads is above every mark seen so far.
        Concurrent transactions of one group do not matter, since only marks answered
        before sending count. Each group has its own mark because in Redis Cluster each
        lives on the primary (and fails over with the replica) that holds its slot.
        """
        if self.marker is None:
            await pipe.execute()
            return
        key = self.keys.write_mark(self.marker, group)
        floor = self.acknowledged.get(group, 0)
        pipe.incr(key)
        pipe.expire(key, MARK_TTL_SECONDS)
        mark = int((await pipe.execute())[-2])
        if mark <= floor:
            self.acknowledged[group] = mark
            raise WritesLost(
                f"the write mark of {group or 'the shared keys'} is {mark}, "
                f"though {floor} was acknowledged"
            )
        self.acknowledged[group] = max(self.acknowledged.get(group, 0), mark)

    async def held_marks(self) -> dict[str | None, int]:
        """The mark Redis holds now (0 when it holds none) of every group this writer
        has written: groups it never wrote have nothing to lose."""
        if self.marker is None or not self.acknowledged:
            return {}
        groups = list(self.acknowledged)
        async with self.client.pipeline(transaction=False) as pipe:
            for group in groups:
                pipe.get(self.keys.write_mark(self.marker, group))
            values = await pipe.execute()
        return {
            group: int(value) if value is not None else 0
            for group, value in zip(groups, values, strict=True)
        }

    def _stream(self, cluster: str, entry: FeedEntry) -> str:
        if entry.stream == feed.PODS:
            return self.keys.pod_feed(cluster)
        return self.keys.workload_feed(cluster)

    def _fold(self, batch: _Batch, keys: Keys, cluster: str, change: Change) -> None:
        """``keys`` names the cluster's own keys, or its staging keys for a rewrite."""
        match change:  # the most frequent first: a pod changes status, its feed entry
            case PodUpsert():
                batch.put(keys.pods(cluster), change.id, change.record)
                if change.counts_before != change.counts_after:
                    counts = keys.pod_counts(cluster)
                    for name in change.counts_before:
                        batch.count(counts, name, -1)
                    for name in change.counts_after:
                        batch.count(counts, name, 1)
                if change.indexed is not None and change.indexed != change.indexed_before:
                    self._index_pod(batch, keys, cluster, change.indexed_before, change.indexed)
                if change.labels is not None:
                    batch.put(keys.pod_labels(cluster), change.id, change.labels)
            case FeedEntry():
                batch.entries.append((self._stream(cluster, change), change))
            case WorkloadUpsert():
                batch.put(keys.workloads(cluster), change.id, change.record)
                batch.put(keys.workload_index(cluster), change.id, change.index)
                batch.put(keys.workload_labels(cluster), change.id, change.labels)
                if change.count_before != change.count_after:
                    if change.count_before is not None:
                        batch.count(keys.workload_counts(cluster), change.count_before, -1)
                    batch.count(keys.workload_counts(cluster), change.count_after, 1)
            case WorkloadRemove():
                for key in (
                    keys.workloads(cluster),
                    keys.workload_index(cluster),
                    keys.workload_labels(cluster),
                ):
                    batch.drop(key, change.id)
                if change.count_before is not None:
                    batch.count(keys.workload_counts(cluster), change.count_before, -1)
                batch.forget_events(keys.events(cluster, change.id))
            case PodRemove():
                batch.drop(keys.pods(cluster), change.id)
                for name in change.counts_before:
                    batch.count(keys.pod_counts(cluster), name, -1)
                batch.drop(keys.pod_labels(cluster), change.id)
                batch.drop(keys.pod_index(cluster), change.id)
                if change.indexed_before is not None:
                    self._index_pod(batch, keys, cluster, change.indexed_before, None)
                batch.forget_events(keys.events(cluster, f"Pod/{change.id}"))
            case NodeUpsert():
                batch.put(keys.nodes(cluster), change.name, change.record)
            case NodeRemove():
                batch.drop(keys.nodes(cluster), change.name)
            case NamespaceUpsert():
                batch.put(keys.namespaces(cluster), change.name, change.record)
            case NamespaceRemove():
                batch.drop(keys.namespaces(cluster), change.name)
            case EventPush():
                for object_id in change.object_ids:
                    key = keys.events(cluster, object_id)
                    batch.pushes.setdefault(key, []).append(change.record)

    def _index_pod(
        self,
        batch: _Batch,
        keys: Keys,
        cluster: str,
        before: PodIndexEntry | None,
        after: PodIndexEntry | None,
    ) -> None:
        """Move a pod's index entry, set memberships and standalone count from ``before``
        (what Redis holds) to ``after`` (None: the pod is gone); only differences are sent."""
        old = before.members() if before else {}
        new = after.members() if after else {}
        for name, member in old.items():
            if new.get(name) != member:
                batch.leave(keys.pod_set(cluster, name), member)
        for name, member in new.items():
            if old.get(name) != member:
                batch.join(keys.pod_set(cluster, name), member)
        gone, now = before.tally() if before else None, after.tally() if after else None
        if gone != now:
            if gone is not None:
                batch.count(keys.standalone_counts(cluster), gone, -1)
            if now is not None:
                batch.count(keys.standalone_counts(cluster), now, 1)
        if after is not None:
            batch.put(keys.pod_index(cluster), after.id, after.encoded())

    async def apply(self, cluster: str, changes: Sequence[Change]) -> None:
        if not changes:
            return
        batch = _Batch()
        for change in changes:
            self._fold(batch, self.keys, cluster, change)
        async with self.client.pipeline(transaction=True) as pipe:
            batch.queue(pipe, self.feed_length)
            await self._commit(pipe, cluster)

    async def replace_cluster(self, cluster: str, changes: Iterable[Change]) -> int:
        """Make Redis hold exactly ``changes`` for this cluster; returns feed entries written.

        The new state is written in chunks under staging keys nobody reads, then swapped
        in with one transaction (old keys dropped, staging keys renamed, feed entries
        added): readers see the old cluster or the new one, never a mix, and neither
        this process nor Redis holds a whole cluster's commands at once. Feed entries
        come from comparing with what Redis held before, so transitions that happened
        while nobody was writing (a restart, a Redis outage, a relist) still reach the
        feed.
        """
        before = await self.client.hgetall(self.keys.workload_index(cluster))
        previous = {_text(k): orjson.loads(v) for k, v in before.items()}
        staging = self.keys.staging()
        await self._unlink_matching(staging.cluster_pattern(cluster))
        entries: list[FeedEntry] = []
        seen: set[str] = set()
        batch = _Batch()
        for folded, change in enumerate(changes, 1):
            if isinstance(change, WorkloadUpsert):
                seen.add(change.id)
                entry = _difference(previous.get(change.id), change)
                if entry is not None:
                    entries.append(entry)
            self._fold(batch, staging, cluster, change)
            if folded % _STAGED_CHUNK == 0:
                await self._execute(batch)
                batch = _Batch()
        await self._execute(batch)
        entries.extend(_disappeared(previous, seen))
        staged = [
            _text(key)
            async for key in self.client.scan_iter(staging.cluster_pattern(cluster), count=1000)
        ]
        stale = [
            _text(key)
            async for key in self.client.scan_iter(self.keys.cluster_pattern(cluster), count=1000)
        ]
        swap = _Batch()
        swap.entries = [(self._stream(cluster, entry), entry) for entry in entries]
        stem, staged_stem = self.keys.stem(cluster), staging.stem(cluster)
        async with self.client.pipeline(transaction=True) as pipe:
            for chunk in _chunks(stale, _BULK):
                pipe.execute_command(_UNLINK, *chunk)
            for key in staged:
                pipe.execute_command(_RENAME, key, stem + key[len(staged_stem) :])
            swap.queue(pipe, self.feed_length)
            await self._commit(pipe, cluster)
        return len(entries)

    async def _execute(self, batch: _Batch) -> None:
        async with self.client.pipeline(transaction=False) as pipe:
            batch.queue(pipe, self.feed_length)
            await pipe.execute()

    async def _unlink_matching(self, pattern: str) -> None:
        found = [key async for key in self.client.scan_iter(pattern, count=1000)]
        for chunk in _chunks(found, _BULK):
            await self.client.unlink(*chunk)

    async def put_cluster(self, name: str, record: bytes, entry: FeedEntry | None) -> None:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(self.keys.clusters, name, record)
            if entry is not None:
                pipe.xadd(
                    self.keys.cluster_feed,
                    _encoded(entry),
                    maxlen=self.feed_length,
                    approximate=True,
                )
            await self._commit(pipe, None)


def _difference(before: Any, change: WorkloadUpsert) -> FeedEntry | None:
    status, reason = orjson.loads(change.index)[:2]
    if before is None:
        return feed.workload_entry(feed.ADDED, orjson.loads(change.record))
    if before[0] != status or before[1] != reason:
        return feed.workload_entry(feed.CHANGED, orjson.loads(change.record), before[0], before[1])
    return None


def _disappeared(previous: dict[str, Any], seen: set[str]) -> list[FeedEntry]:
    entries: list[FeedEntry] = []
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


def _encoded(entry: FeedEntry) -> dict[Any, Any]:
    return dict(feed.encode(entry))


def _chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
