"""The store writer against a real Valkey server: records, indexes, counts and feeds agree."""

from __future__ import annotations

from typing import Any

import redis.asyncio as redis

from gateway.store.changes import EventPush, PodRemove
from gateway.store.keys import Keys
from gateway.store.writer import StoreWriter
from gateway.watch.mirror import ClusterMirror
from tests.redis_io import hash_of, load, stream_of
from tests.status import objects as o
from tests.store.test_mirror import WEB, fleet_mirror, web_pod

KEYS = Keys("test")


async def read_feed(client: redis.Redis, cluster: str = "sim-1") -> list[dict[str, Any]]:
    return await stream_of(client, KEYS.workload_feed(cluster))


async def hash_counts(client: redis.Redis, key: str) -> dict[str, int]:
    return {k: int(v) for k, v in (await hash_of(client, key)).items() if int(v)}


async def counts(client: redis.Redis, cluster: str = "sim-1") -> dict[str, int]:
    return await hash_counts(client, KEYS.workload_counts(cluster))


async def test_full_write_then_changes_keep_indexes_and_counts_exact(
    redis_client: redis.Redis,
) -> None:
    writer = StoreWriter(redis_client, KEYS, feed_length=100)
    mirror = fleet_mirror()
    await writer.replace_cluster("sim-1", mirror.snapshot())
    record = load(await redis_client.hget(KEYS.workloads("sim-1"), WEB))
    assert record["status"] == "Running"
    assert load(await redis_client.hget(KEYS.workload_index("sim-1"), WEB))[:2] == [
        "Running",
        "Ready",
    ]
    assert await counts(redis_client) == {"shop|Deployment|Running": 1}
    assert await redis_client.hlen(KEYS.pods("sim-1")) == 3
    assert [e["type"] for e in await read_feed(redis_client)] == ["added"]

    mirror.apply("Pod", "MODIFIED", web_pod(2, statuses=[o.crash_loop("web")]))
    await writer.apply("sim-1", mirror.flush())
    assert await counts(redis_client) == {"shop|Deployment|Not Ready": 1}
    assert await hash_counts(redis_client, KEYS.pod_counts("sim-1")) == {
        "shop|Running": 3,
        "shop|abnormal": 1,
    }
    entries = await read_feed(redis_client)
    assert [(e["type"], e["oldStatus"], e["newStatus"]) for e in entries] == [
        ("added", "", "Running"),
        ("changed", "Running", "Not Ready"),
    ]
    assert entries[-1]["record"]["reason"] == "CrashLoopBackOff"


async def test_rewrite_reports_what_changed_while_nobody_wrote(redis_client: redis.Redis) -> None:
    writer = StoreWriter(redis_client, KEYS, feed_length=100)
    before = fleet_mirror()
    before.replace("Deployment", [o.deployment(), o.deployment("api")])
    await writer.replace_cluster("sim-1", before.snapshot())
    await redis_client.delete(KEYS.workload_feed("sim-1"))

    after = ClusterMirror("sim-1", lambda: o.NOW)
    after.replace("Node", [o.node("worker-1"), o.node("worker-2"), o.node("worker-3")])
    after.replace("ReplicaSet", [o.replica_set()])
    after.replace("Deployment", [o.deployment(), o.deployment("cache")])
    after.replace("Pod", [web_pod(0, statuses=[o.crash_loop("web")]), web_pod(1), web_pod(2)])
    await writer.replace_cluster("sim-1", after.snapshot())

    entries = {(e["type"], e["id"]) for e in await read_feed(redis_client)}
    assert entries == {
        ("changed", WEB),
        ("added", "Deployment/shop/cache"),
        ("deleted", "Deployment/shop/api"),
    }
    assert not await redis_client.hexists(KEYS.workloads("sim-1"), "Deployment/shop/api")
    assert await counts(redis_client) == {
        "shop|Deployment|Not Ready": 1,
        "shop|Deployment|Running": 1,
    }


async def test_feeds_are_bounded(redis_client: redis.Redis) -> None:
    writer = StoreWriter(redis_client, KEYS, feed_length=10)
    mirror = fleet_mirror()
    await writer.replace_cluster("sim-1", mirror.snapshot())
    for round_number in range(200):
        statuses = [o.crash_loop("web")] if round_number % 2 else None
        mirror.apply("Pod", "MODIFIED", web_pod(0, statuses=statuses))
        await writer.apply("sim-1", mirror.flush())
    assert await redis_client.xlen(KEYS.workload_feed("sim-1")) < 200
    assert await redis_client.xlen(KEYS.pod_feed("sim-1")) < 200


async def test_a_removed_objects_events_go_even_when_an_event_follows_in_the_batch(
    redis_client: redis.Redis,
) -> None:
    """A pod deleted and its Killing event in one flush: a pod recreated under the same
    name (a StatefulSet's) must not show the deleted pod's events."""
    keys = Keys("ksg")
    events = keys.events("sim-1", "Pod/data/db-0")
    writer = StoreWriter(redis_client, keys)
    await writer.apply("sim-1", [EventPush(("Pod/data/db-0",), b'{"reason": "Started"}')])
    await writer.apply(
        "sim-1",
        [
            EventPush(("Pod/data/db-0",), b'{"reason": "Unhealthy"}'),
            PodRemove("data/db-0", ()),
            EventPush(("Pod/data/db-0",), b'{"reason": "Killing"}'),
        ],
    )
    assert await redis_client.lrange(events, 0, -1) == [b'{"reason": "Killing"}']
