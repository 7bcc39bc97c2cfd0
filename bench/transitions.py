"""Status transitions written into the store exactly as the watcher writes them.

To time the gateway's own path (Redis stream -> feed hub -> subscription ->
WebSocket) apart from the simulated cluster's, the benchmark flips one workload of
its own between Running and Not Ready through the real ``StoreWriter``: each flip
is the record, index, labels and count updates plus the feed entry, in one
MULTI/EXEC, as ``ClusterMirror`` produces them for a real transition. The workload
is a copy of a real record in a namespace of its own, so subscribers can filter
on it and the simulated cluster's workloads are left alone.
"""

from __future__ import annotations

from typing import Any

import orjson

from gateway.redis_connect import Client
from gateway.store import feed
from gateway.store.changes import Change, WorkloadUpsert
from gateway.store.keys import Keys, count_field
from gateway.store.writer import StoreWriter

NAMESPACE = "bench-latency"
NAME = "flip"
RUNNING, NOT_READY = "Running", "Not Ready"


class StatusFlipper:
    def __init__(self, client: Client, keys: Keys, cluster: str) -> None:
        self.client = client
        self.keys = keys
        self.cluster = cluster
        self.writer = StoreWriter(client, keys)
        self.record: dict[str, Any] = {}
        self.flips = 0

    @property
    def id(self) -> str:
        return f"{self.record['kind']}/{NAMESPACE}/{NAME}"

    async def create(self) -> None:
        """Add the workload (Running), modelled on the first real one of the cluster."""
        first = sorted(await self.client.hkeys(self.keys.workloads(self.cluster)))[0]
        raw = await self.client.hget(self.keys.workloads(self.cluster), first)
        if raw is None:
            raise RuntimeError(f"cluster {self.cluster} has no workloads in the store")
        template = orjson.loads(raw)
        self.record = {**template, "namespace": NAMESPACE, "name": NAME}
        self.record.update(status=RUNNING, reason="", message="All pods are running.")
        await self.writer.apply(
            self.cluster, [self._upsert(None), feed.workload_entry(feed.ADDED, self.record)]
        )

    def _upsert(self, before: str | None) -> WorkloadUpsert:
        record = self.record
        return WorkloadUpsert(
            self.id,
            orjson.dumps(record),
            orjson.dumps([record["status"], record["reason"], 0]),
            orjson.dumps(record["labels"]),
            before,
            count_field(NAMESPACE, record["kind"], record["status"]),
        )

    def changes(self, token: str) -> list[Change]:
        """The next flip; ``token`` ends its message so subscribers can tell it apart."""
        old_status, old_reason = self.record["status"], self.record["reason"]
        before = count_field(NAMESPACE, self.record["kind"], old_status)
        self.flips += 1
        if old_status == RUNNING:
            self.record.update(
                status=NOT_READY,
                reason="CrashLoopBackOff",
                message=(
                    f"Pod {NAME}-0: container app is in CrashLoopBackOff (exit code 1). {token}"
                ),
            )
        else:
            self.record.update(status=RUNNING, reason="", message=f"All pods are running. {token}")
        return [
            self._upsert(before),
            feed.workload_entry(feed.CHANGED, self.record, old_status, old_reason),
        ]

    async def write(self, changes: list[Change]) -> None:
        await self.writer.apply(self.cluster, changes)
