"""The pod index against a real Valkey server: entries, sorted sets and standalone counts
follow every change the mirror hands the writer, and the consistency checker sees damage."""

from __future__ import annotations

from typing import Any

import redis.asyncio as redis

from gateway.consistency import cached_records, compare, records_of
from gateway.store.keys import Keys
from gateway.store.writer import StoreWriter
from gateway.watch.mirror import ClusterMirror
from tests.redis_io import hash_of, text
from tests.status import objects as o
from tests.store.test_mirror import fleet_mirror, web_pod

KEYS = Keys("test")
CLUSTER = "sim-1"


def trainer(**changes: Any) -> dict[str, Any]:
    return o.standalone_pod("gpu-trainer", node="worker-2", **changes)


def unschedulable(name: str = "batch-probe") -> dict[str, Any]:
    return o.standalone_pod(
        name,
        node=None,
        phase="Pending",
        minutes_ago=30,
        conditions=[o.condition("PodScheduled", "False", 29, "Unschedulable", "0/3 nodes fit.")],
    )


async def members(client: redis.Redis, name: str) -> list[str]:
    found: list[Any] = await client.zrange(KEYS.pod_set(CLUSTER, name), 0, -1)
    return [text(m).replace("\x00", " ") for m in found]


async def differences(client: redis.Redis, mirror: ClusterMirror) -> list[str]:
    """What the checker finds between the cache and a fresh snapshot of the same mirror."""
    cached = await cached_records(client, KEYS, CLUSTER)
    expected = records_of(mirror.snapshot())
    return compare(CLUSTER, expected, cached).differences


async def test_every_change_keeps_the_index_what_the_records_say(
    redis_client: redis.Redis,
) -> None:
    writer = StoreWriter(redis_client, KEYS)
    mirror = fleet_mirror()
    mirror.replace("Pod", [web_pod(i) for i in range(3)] + [trainer(), unschedulable()])
    await writer.replace_cluster(CLUSTER, mirror.snapshot())
    assert await members(redis_client, "standalone") == ["batch-probe shop", "gpu-trainer shop"]
    assert await members(redis_client, "abnormal") == ["batch-probe shop"]
    assert await members(redis_client, "node:worker-2") == [
        "gpu-trainer shop",
        "web-7d9f8b6c5d-p1 shop",
    ]
    assert await members(redis_client, "phase:Pending") == ["batch-probe shop"]
    counts = await hash_of(redis_client, KEYS.standalone_counts(CLUSTER))
    assert {k: int(v) for k, v in counts.items()} == {
        "shop|Pending|abnormal": 1,
        "shop|Running|": 1,
    }
    assert await differences(redis_client, mirror) == []

    # The trainer crash-loops, one web pod is deleted, the pending pod is scheduled.
    mirror.apply("Pod", "MODIFIED", trainer(statuses=[o.crash_loop("web")]))
    mirror.apply("Pod", "DELETED", web_pod(0))
    mirror.apply("Pod", "MODIFIED", o.standalone_pod("batch-probe", node="worker-3"))
    await writer.apply(CLUSTER, mirror.flush())
    assert await members(redis_client, "abnormal") == ["gpu-trainer shop"]
    assert await members(redis_client, "reason:CrashLoopBackOff") == ["gpu-trainer shop"]
    assert await members(redis_client, "phase:Pending") == []
    assert await members(redis_client, "node:worker-1") == []
    assert "web-7d9f8b6c5d-p0 shop" not in await members(redis_client, "all")
    counts = await hash_of(redis_client, KEYS.standalone_counts(CLUSTER))
    assert {k: int(v) for k, v in counts.items() if int(v)} == {
        "shop|Running|abnormal": 1,
        "shop|Running|": 1,
    }
    assert await differences(redis_client, mirror) == []

    # The Deployment goes with its pods left behind: they are standalone now.
    mirror.replace("Deployment", [])
    await writer.apply(CLUSTER, mirror.flush())
    assert await members(redis_client, "standalone") == [
        "batch-probe shop",
        "gpu-trainer shop",
        "web-7d9f8b6c5d-p1 shop",
        "web-7d9f8b6c5d-p2 shop",
    ]
    # Counted apart, under the kind they belonged to: only Deployment readers count them.
    counts = await hash_of(redis_client, KEYS.standalone_counts(CLUSTER))
    assert {k: int(v) for k, v in counts.items() if int(v)} == {
        "shop|Running|abnormal": 1,
        "shop|Running|": 1,
        "shop|Running||Deployment": 2,
    }
    assert await differences(redis_client, mirror) == []


async def test_labels_are_kept_per_pod_and_follow_relabelling(redis_client: redis.Redis) -> None:
    writer = StoreWriter(redis_client, KEYS)
    mirror = fleet_mirror()
    mirror.apply("Pod", "ADDED", trainer())
    await writer.replace_cluster(CLUSTER, mirror.snapshot())
    labels = await hash_of(redis_client, KEYS.pod_labels(CLUSTER))
    assert text(labels["shop/gpu-trainer"]) == '{"run":"gpu-trainer"}'
    mirror.apply("Pod", "MODIFIED", trainer(labels={"run": "gpu-trainer", "team": "ml"}))
    await writer.apply(CLUSTER, mirror.flush())
    labels = await hash_of(redis_client, KEYS.pod_labels(CLUSTER))
    assert text(labels["shop/gpu-trainer"]) == '{"run":"gpu-trainer","team":"ml"}'
    mirror.apply("Pod", "DELETED", trainer())
    await writer.apply(CLUSTER, mirror.flush())
    assert "shop/gpu-trainer" not in await hash_of(redis_client, KEYS.pod_labels(CLUSTER))


async def test_the_checker_reports_a_damaged_pod_index(redis_client: redis.Redis) -> None:
    mirror = fleet_mirror()
    mirror.apply("Pod", "ADDED", unschedulable())
    await StoreWriter(redis_client, KEYS).replace_cluster(CLUSTER, mirror.snapshot())
    await redis_client.zrem(KEYS.pod_set(CLUSTER, "abnormal"), "batch-probe\x00shop")
    await redis_client.zadd(KEYS.pod_set(CLUSTER, "standalone"), {"ghost\x00shop": 0})
    await redis_client.hset(
        KEYS.pod_index(CLUSTER),
        "shop/batch-probe",
        b'["Running","Running",false,"","",0.0]',
    )
    await redis_client.hincrby(KEYS.standalone_counts(CLUSTER), "shop|Pending|abnormal", 1)
    found = await differences(redis_client, mirror)
    assert "pod index set abnormal: missing from the cache" in found
    assert any(f.startswith("pod index set standalone: ghost") for f in found), found
    assert any("pod index entry shop/batch-probe: phase is 'Running'" in f for f in found), found
    assert any("standalone pod count shop|Pending|abnormal: count is 2" in f for f in found), found
