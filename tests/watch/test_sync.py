"""Watchers against the simulated cluster: first sync, every kind of change, relists, outages."""

from __future__ import annotations

import orjson
import redis.asyncio as redis

from gateway.redis_server import EmbeddedRedis
from gateway.service import Gateway
from gateway.store.keys import Keys
from simcluster.fleet import SimulatedFleet
from tests.redis_io import hash_of, stream_of
from tests.simcluster.objects import behaviour, cronjob, job, workload
from tests.watch.conftest import (
    assert_consistent,
    cached,
    feed_entries,
    settings_for,
    status_of,
    until,
)


async def test_first_sync_mirrors_the_cluster(
    fleet: SimulatedFleet, redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    cluster = fleet["sim-1"]
    cluster.create(workload("Deployment", "web", replicas=3))
    cluster.create(workload("StatefulSet", "db", replicas=2))
    await cluster.wait_for(lambda: len(cluster.list_objects("Pod", "default")) == 5)
    gateway = Gateway(settings_for(fleet, redis_server.url))
    await gateway.start()
    try:
        await until(status_of(redis_client, "sim-1", "Deployment", "default", "web"), within=20)
        await assert_consistent(gateway)
        record = await redis_client.hget(Keys().clusters, "sim-1")
        assert record is not None and b'"synced":true' in record
    finally:
        await gateway.stop()


async def test_every_kind_of_change_reaches_the_cache(
    fleet: SimulatedFleet, gateway: Gateway, redis_client: redis.Redis
) -> None:
    cluster = fleet["sim-1"]
    cluster.create(workload("Deployment", "web", replicas=2))
    await until(status_of(redis_client, "sim-1", "Deployment", "default", "web"))
    assert await until(
        lambda: _is(redis_client, "Deployment", "web", ("Running", "Ready")), within=20
    )

    cluster.create(workload("Deployment", "crashy", behaviour(behavior="crash-loop"), replicas=1))
    assert await until(
        lambda: _is(redis_client, "Deployment", "crashy", ("Not Ready", "CrashLoopBackOff")),
        within=30,
    )

    cluster.create(
        workload("Deployment", "hungry", behaviour(behavior="unschedulable"), replicas=1)
    )
    assert await until(
        lambda: _is(redis_client, "Deployment", "hungry", ("Not Ready", "Unschedulable")), within=20
    )
    hungry = await cached(redis_client, "sim-1", "Deployment", "default", "hungry")
    assert hungry is not None and "nodes are available" in hungry["message"]

    cluster.create(job("migrate", behaviour(behavior="exit", exit_code="0", run_seconds="2")))
    assert await until(
        lambda: _status(redis_client, "Job", "migrate", "Execution Complete"), within=30
    )

    cluster.create(
        cronjob(
            "nightly", "*/1 * * * *", behaviour(behavior="exit", exit_code="0", run_seconds="1")
        )
    )
    # Waiting until its first run; at 40x a minute passes in 1.5 s, so on a loaded machine
    # the first look may already find it Started.
    assert await until(
        lambda: _any_status(redis_client, "CronJob", "nightly", ("Waiting", "Started")),
        within=40,
    )
    fleet.advance(120)
    assert await until(lambda: _status(redis_client, "CronJob", "nightly", "Started"), within=30)

    node = cluster.list_objects("Pod", "default")[0]["spec"]["nodeName"]
    cluster.set_node_state(node, "Unreachable")
    owners = await until(lambda: _exceptions(redis_client), within=30)
    assert owners, "a workload with a pod on the lost node turns Exception"

    cluster.delete("Deployment", "web", "default")
    assert await until(lambda: _gone(redis_client, "Deployment", "web"), within=30)
    entries = [
        e for e in await feed_entries(redis_client, "sim-1") if e["id"] == "Deployment/default/web"
    ]
    assert entries[0]["type"] == "added"
    assert entries[-1]["type"] == "deleted"
    await assert_consistent(gateway)


async def _is(client: redis.Redis, kind: str, name: str, expected: tuple[str, str]) -> bool:
    return await status_of(client, "sim-1", kind, "default", name)() == expected


async def _status(client: redis.Redis, kind: str, name: str, expected: str) -> bool:
    found = await status_of(client, "sim-1", kind, "default", name)()
    return found is not None and found[0] == expected


async def _any_status(client: redis.Redis, kind: str, name: str, expected: tuple[str, ...]) -> bool:
    found = await status_of(client, "sim-1", kind, "default", name)()
    return found is not None and found[0] in expected


async def _gone(client: redis.Redis, kind: str, name: str) -> bool:
    return await cached(client, "sim-1", kind, "default", name) is None


async def _exceptions(client: redis.Redis) -> list[str]:
    raw = await hash_of(client, Keys().workloads("sim-1"))
    return [k for k, v in raw.items() if b'"status":"Exception"' in v]


async def test_relist_after_410_removes_what_was_deleted_while_away(
    fleet: SimulatedFleet, gateway: Gateway, redis_client: redis.Redis
) -> None:
    cluster = fleet["sim-1"]
    for name in ("keep", "drop-1", "drop-2"):
        cluster.create(workload("Deployment", name, replicas=1))
    for name in ("keep", "drop-1", "drop-2"):
        await until(status_of(redis_client, "sim-1", "Deployment", "default", name), within=20)
    await cluster.faults.go_unreachable()
    for name in ("drop-1", "drop-2"):
        cluster.delete("Deployment", name, "default")
    await cluster.wait_for(
        lambda: cluster.get("Deployment", "drop-2", "default") is None, within=20
    )
    cluster.faults.compact()
    await cluster.faults.come_back()
    assert await until(lambda: _gone(redis_client, "Deployment", "drop-2"), within=30)
    assert await _gone(redis_client, "Deployment", "drop-1")
    assert not await _gone(redis_client, "Deployment", "keep")
    watcher = gateway.supervisor.watchers["sim-1"]
    assert sum(r.stats.relists_after_expiry for r in watcher.reflectors) >= 1
    deleted = [e["id"] for e in await feed_entries(redis_client, "sim-1") if e["type"] == "deleted"]
    assert {"Deployment/default/drop-1", "Deployment/default/drop-2"} <= set(deleted)
    await assert_consistent(gateway)


async def test_unreachable_cluster_turns_exception_and_recovers(
    fleet: SimulatedFleet, gateway: Gateway, redis_client: redis.Redis
) -> None:
    cluster = fleet["sim-1"]
    cluster.create(workload("Deployment", "web", replicas=1))
    assert await until(
        lambda: _is(redis_client, "Deployment", "web", ("Running", "Ready")), within=20
    )
    await cluster.faults.go_unreachable()
    assert await until(
        lambda: _is(redis_client, "Deployment", "web", ("Exception", "ClusterUnreachable")),
        within=20,
    )
    record = await cached(redis_client, "sim-1", "Deployment", "default", "web")
    assert record is not None and "unreachable since" in record["message"]
    reachability = await stream_of(redis_client, Keys().cluster_feed)
    assert any(entry["reachable"] == "false" for entry in reachability)
    await cluster.faults.come_back()
    assert await until(
        lambda: _is(redis_client, "Deployment", "web", ("Running", "Ready")), within=30
    )
    await assert_consistent(gateway)


async def test_throttling_and_server_errors_are_retried(
    fleet: SimulatedFleet, gateway: Gateway, redis_client: redis.Redis
) -> None:
    cluster = fleet["sim-1"]
    cluster.faults.fail_next(6, code=429, retry_after=1)
    cluster.faults.drop_watches()
    cluster.create(workload("Deployment", "after-429", replicas=1))
    assert await until(
        status_of(redis_client, "sim-1", "Deployment", "default", "after-429"), within=30
    )
    cluster.faults.fail_next(4, code=500)
    cluster.faults.drop_watches()
    cluster.create(workload("Deployment", "after-500", replicas=1))
    assert await until(
        status_of(redis_client, "sim-1", "Deployment", "default", "after-500"), within=30
    )
    await assert_consistent(gateway)


async def test_a_stale_cluster_record_does_not_make_a_replica_ready(
    fleet: SimulatedFleet, redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    stale = {"name": "sim-1", "synced": True, "reachable": True, "watcher": "a-replica-long-gone"}
    await redis_client.hset(Keys().clusters, "sim-1", orjson.dumps(stale))
    await fleet["sim-1"].faults.go_unreachable()
    gateway = Gateway(settings_for(fleet, redis_server.url))
    await gateway.start()
    try:
        await until(lambda: _leased(redis_client), within=10)
        ready, details = await gateway.readiness()
        assert not ready
        assert details["clusters"]["sim-1"]["synced"] is False
    finally:
        await gateway.stop()
        await fleet["sim-1"].faults.come_back()


async def _leased(client: redis.Redis) -> bool:
    return await client.exists(Keys().lease("sim-1")) == 1
