"""Reading the cache in batches: one round trip per question, never one per row.

Every method takes many references at once and pipelines the reads, so a page of a
thousand workloads with their pods costs two or three round trips to Redis.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import orjson

from gateway.redis_connect import Client
from gateway.store.errors import bounded
from gateway.store.keys import SEPARATOR, Keys
from gateway.store.memo import RecordMemo
from gateway.store.records import Record
from gateway.store.selection import IndexEntry

Ref = tuple[str, str]
"""(cluster, id within the cluster)."""


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _load(value: Any) -> Any:
    return orjson.loads(value) if value is not None else None


_INDEX_AS_JSON = """
local flat = redis.call('HGETALL', KEYS[1])
local rows = {}
for i = 1, #flat, 2 do
  rows[#rows + 1] = '[' .. cjson.encode(flat[i]) .. ',' .. flat[i + 1] .. ']'
end
return '[' .. table.concat(rows, ',') .. ']'
"""
"""A workload index as one JSON document: [[id, [status, reason, since]], ...].

The values are JSON already; joined on the server they arrive as one reply, where
HGETALL sends two per workload and redis-py's parser spends more on those than
everything else the query does with the index (5 ms of CPU for 1,000 workloads,
against 0.3 ms). Sent with EVAL, which the server caches compiled: no SCRIPT LOAD
round trip, nothing to reload after a restart.
"""


class StoreReader:
    def __init__(self, client: Client, keys: Keys) -> None:
        self.client = client
        self.keys = keys
        self.workload_memo = RecordMemo()

    @bounded
    async def clusters(self) -> dict[str, Record]:
        raw = await self.client.hgetall(self.keys.clusters)
        return {_text(k): orjson.loads(v) for k, v in sorted(raw.items())}

    @bounded
    async def index(self, clusters: Sequence[str]) -> list[IndexEntry]:
        async with self.client.pipeline(transaction=False) as pipe:
            for cluster in clusters:
                pipe.eval(_INDEX_AS_JSON, 1, self.keys.workload_index(cluster))
            answers = await pipe.execute()
        entries: list[IndexEntry] = []
        for cluster, document in zip(clusters, answers, strict=True):
            for key, (status, reason, since) in orjson.loads(document):
                kind, namespace, name = key.split("/", 2)
                entries.append(IndexEntry(cluster, kind, namespace, name, status, reason, since))
        return entries

    async def _hmget(
        self, key_of: Any, refs: Sequence[Ref], decode: Callable[[bytes], Any] = orjson.loads
    ) -> dict[Ref, Any]:
        by_cluster: dict[str, list[str]] = defaultdict(list)
        for cluster, item in refs:
            by_cluster[cluster].append(item)
        clusters = list(by_cluster)
        async with self.client.pipeline(transaction=False) as pipe:
            for cluster in clusters:
                pipe.hmget(key_of(cluster), by_cluster[cluster])
            answers = await pipe.execute()
        found: dict[Ref, Any] = {}
        for cluster, values in zip(clusters, answers, strict=True):
            for item, value in zip(by_cluster[cluster], values, strict=True):
                if value is not None:
                    found[(cluster, item)] = decode(value)
        return found

    @bounded
    async def labels(self, entries: Iterable[IndexEntry]) -> dict[Ref, Any]:
        return await self._hmget(self.keys.workload_labels, [(e.cluster, e.id) for e in entries])

    @bounded
    async def workloads(self, refs: Sequence[Ref]) -> dict[Ref, Record]:
        return await self._hmget(self.keys.workloads, refs, self.workload_memo.decode)

    @bounded
    async def pods(self, refs: Sequence[Ref]) -> dict[Ref, Record]:
        return await self._hmget(self.keys.pods, refs)

    @bounded
    async def events(self, refs: Sequence[Ref], limit: int) -> dict[Ref, list[Record]]:
        """Newest first; ``refs`` name objects as "Kind/namespace/name"."""
        async with self.client.pipeline(transaction=False) as pipe:
            for cluster, object_id in refs:
                pipe.lrange(self.keys.events(cluster, object_id), 0, limit - 1)
            answers = await pipe.execute()
        return {
            ref: [orjson.loads(v) for v in values]
            for ref, values in zip(refs, answers, strict=True)
        }

    @bounded
    async def all_of(self, key: str) -> list[Record]:
        raw = await self.client.hgetall(key)
        return [orjson.loads(v) for _, v in sorted(raw.items())]

    @bounded
    async def nodes(self, cluster: str) -> list[Record]:
        return await self.all_of(self.keys.nodes(cluster))

    @bounded
    async def namespaces(self, cluster: str) -> list[Record]:
        return await self.all_of(self.keys.namespaces(cluster))

    @bounded
    async def node(self, cluster: str, name: str) -> Record | None:
        found: Record | None = _load(await self.client.hget(self.keys.nodes(cluster), name))
        return found

    async def _counts(
        self, key_of: Callable[[str], str], clusters: Sequence[str]
    ) -> list[tuple[str, list[str], int]]:
        """(cluster, field split at the separator, count) of every non-zero count."""
        async with self.client.pipeline(transaction=False) as pipe:
            for cluster in clusters:
                pipe.hgetall(key_of(cluster))
            answers = await pipe.execute()
        return [
            (cluster, _text(field).split(SEPARATOR), int(value))
            for cluster, raw in zip(clusters, answers, strict=True)
            for field, value in raw.items()
            if int(value) > 0
        ]

    @bounded
    async def workload_counts(
        self, clusters: Sequence[str]
    ) -> list[tuple[str, str, str, str, int]]:
        """(cluster, namespace, kind, status, count) for every non-zero count."""
        found = await self._counts(self.keys.workload_counts, clusters)
        return [
            (cluster, parts[0], parts[1], SEPARATOR.join(parts[2:]), n)
            for cluster, parts, n in found
        ]

    @bounded
    async def standalone_counts(
        self, clusters: Sequence[str]
    ) -> list[tuple[str, str, str, bool, str, int]]:
        """(cluster, namespace, phase, abnormal, kind, count) of standalone pods, non-zero
        counts; ``kind`` is what an orphan belonged to, "" for pods that never had one."""
        found = await self._counts(self.keys.standalone_counts, clusters)
        return [
            (cluster, parts[0], parts[1], bool(parts[2]), "".join(parts[3:4]), n)
            for cluster, parts, n in found
        ]
