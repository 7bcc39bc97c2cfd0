"""The gateway on a real three-primary Valkey Cluster (tests/watch/valkey_cluster.py).

Two simulated Kubernetes clusters whose keys live on different primaries, and the
shared keys on a third: syncing, queries, pod pages and one subscription across both
must work through ``redis+cluster://``; a primary that fails over (with its consent,
or killed), and a slot that moves to another primary, while the watchers write, must
leave the cache equal to the API servers again and the feeds readable. Whether a write
failed on the way (and the cache was rewritten) or the client's own retries rode the
failover out is the client's business; what holds in either case is tested.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from gateway.auth.ratelimit import RateLimiter
from gateway.config import PersistedQueries as PersistedSettings
from gateway.config import RateLimits
from gateway.http.persisted import PersistedQueries, sha256_of
from gateway.redis_connect import connect
from gateway.service import Gateway
from gateway.store.hub import WORKLOADS, FeedEvent
from gateway.store.keys import Keys
from gateway.store.podindex import PodCriteria
from gateway.store.selection import Criteria, Order
from simcluster.fleet import SimulatedFleet
from simcluster.watch import WatchSettings
from tests.simcluster.objects import behaviour, workload
from tests.watch.conftest import TIME_SCALE, assert_consistent, ready, settings_for, until
from tests.watch.valkey_cluster import ValkeyCluster, slot_of, valkey_cluster

CLUSTERS = ("sim-1", "sim-2")


@pytest_asyncio.fixture
async def valkey(tmp_path: Path) -> AsyncIterator[ValkeyCluster]:
    async with valkey_cluster(tmp_path / "valkey") as started:
        yield started


@pytest_asyncio.fixture
async def fleet2(tmp_path: Path) -> AsyncIterator[SimulatedFleet]:
    async with SimulatedFleet(
        clusters=2,
        time_scale=TIME_SCALE,
        kubeconfig=tmp_path / "kubeconfig",
        watch_settings=WatchSettings(bookmark_interval=0.5),
    ) as started:
        yield started


@pytest_asyncio.fixture
async def gateway(fleet2: SimulatedFleet, valkey: ValkeyCluster) -> AsyncIterator[Gateway]:
    assert len({valkey.primary_of(tag).port for tag in (*CLUSTERS, "g")}) == 3
    started = Gateway(settings_for(fleet2, valkey.url, lease_seconds=15.0))
    await started.start()
    for name in CLUSTERS:
        fleet2[name].create(workload("Deployment", "web", replicas=2))
        fleet2[name].create(workload("Deployment", "crashy", behaviour(behavior="crash-loop")))
    await until(lambda: ready(started), within=30)
    for name in CLUSTERS:
        await assert_consistent(started, name)
    try:
        yield started
    finally:
        await started.stop()


@pytest.mark.timeout(60)
async def test_queries_and_a_subscription_span_clusters_on_different_primaries(
    fleet2: SimulatedFleet, gateway: Gateway
) -> None:
    entries = await gateway.queries.selected(Criteria(), Order())
    assert {e.cluster for e in entries if e.name == "web"} == set(CLUSTERS)
    summary = await gateway.queries.summary(Criteria())
    assert summary.total == len(entries)
    pods = await gateway.queries.matching_pods(PodCriteria())
    assert {cluster for cluster, _ in pods} == set(CLUSTERS)

    await _added_reach_a_subscriber(gateway, fleet2, CLUSTERS, "db")


async def _added_reach_a_subscriber(
    gateway: Gateway, fleet: SimulatedFleet, clusters: tuple[str, ...], name: str
) -> None:
    """One subscription sees a workload created in each of ``clusters``: the hub's reads
    reach every primary that holds one of their feeds."""
    wanted = {(cluster, f"StatefulSet/default/{name}") for cluster in clusters}

    def admits(event: FeedEvent) -> bool:
        return event.fields.get("type") == "added"

    async with gateway.hub.subscribe(WORKLOADS, admits, 1000) as subscription:
        for cluster in clusters:
            fleet[cluster].create(workload("StatefulSet", name, replicas=1))
        async with asyncio.timeout(20):
            async for event in gateway.hub.follow(subscription):
                wanted.discard((event.cluster, event.fields["id"]))
                if not wanted:
                    return


@pytest.mark.timeout(60)
async def test_a_primary_failing_over_while_watchers_write(
    fleet2: SimulatedFleet, gateway: Gateway, valkey: ValkeyCluster
) -> None:
    fleet2["sim-1"].create(workload("Deployment", "more", replicas=3))
    await valkey.failover()
    fleet2["sim-1"].create(workload("Deployment", "after-failover", replicas=1))
    fleet2["sim-1"].delete("Deployment", "web", "default")
    await until(lambda: ready(gateway), within=30)
    for name in CLUSTERS:
        await assert_consistent(gateway, name, within=30)
    assert gateway.link.histories_lost == 0, "a failover with the primary's consent lost nothing"
    await _added_reach_a_subscriber(gateway, fleet2, CLUSTERS, "db-after")


@pytest.mark.timeout(60)
async def test_a_primary_killed_while_watchers_write(
    fleet2: SimulatedFleet, gateway: Gateway, valkey: ValkeyCluster
) -> None:
    fleet2["sim-1"].create(workload("Deployment", "more", replicas=3))
    await valkey.kill_primary()
    fleet2["sim-1"].create(workload("Deployment", "after-kill", replicas=1))
    fleet2["sim-2"].create(workload("Deployment", "after-kill", replicas=1))
    await until(lambda: ready(gateway), within=30)
    for name in CLUSTERS:
        await assert_consistent(gateway, name, within=30)
    await _added_reach_a_subscriber(gateway, fleet2, CLUSTERS, "db-after")


@pytest.mark.timeout(60)
async def test_a_lagging_replica_promoted_is_found_by_its_clusters_write_mark(
    fleet2: SimulatedFleet, gateway: Gateway, valkey: ValkeyCluster
) -> None:
    before = await gateway.hub.epoch()
    await valkey.cut_replication()
    fleet2["sim-1"].create(workload("Deployment", "unreplicated", replicas=3))
    await until(lambda: _cached(gateway, "sim-1", "Deployment/default/unreplicated"))
    await valkey.take_over()
    fleet2["sim-1"].create(workload("Deployment", "after-takeover", replicas=1))
    await until(lambda: _histories_lost(gateway), within=20)
    assert await gateway.hub.epoch() != before, "cursors into the lost writes must expire"
    await until(lambda: ready(gateway), within=30)
    for name in CLUSTERS:
        await assert_consistent(gateway, name, within=30)


async def _cached(gateway: Gateway, cluster: str, ref: str) -> bool:
    return bool(await gateway.client.hexists(gateway.keys.workloads(cluster), ref))


async def _histories_lost(gateway: Gateway) -> int:
    return gateway.link.histories_lost


@pytest.mark.timeout(60)
async def test_a_slot_moving_to_another_primary_while_watchers_write(
    fleet2: SimulatedFleet, gateway: Gateway, valkey: ValkeyCluster
) -> None:
    source, target = valkey.primary_of("sim-2"), valkey.primary_of("g")
    for n in range(3):
        fleet2["sim-2"].create(workload("Deployment", f"during-{n}", replicas=2))
    moved = await valkey.migrate_slot(slot_of("sim-2"), source, target)
    assert moved > 0
    fleet2["sim-2"].create(workload("Deployment", "after-move", replicas=1))
    await until(lambda: ready(gateway), within=30)
    for name in CLUSTERS:
        await assert_consistent(gateway, name, within=30)
    await _added_reach_a_subscriber(gateway, fleet2, CLUSTERS, "db-after")


async def test_rate_limits_and_persisted_query_budgets_keep_each_transaction_in_one_slot(
    valkey: ValkeyCluster,
) -> None:
    client = connect(valkey.url)
    keys = Keys()
    try:
        limiter = RateLimiter(client, keys, RateLimits())
        for _ in range(3):
            await limiter.request("alice")
        held = await limiter.hold_connection("alice", "10.0.0.1")
        await limiter.release(held)
        async with limiter.subscription("alice"):
            pass
        await limiter.close()

        persisted = PersistedQueries(lambda: client, keys, PersistedSettings(), lambda _: None)
        query = "{ clusters { name } }"
        extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha256_of(query)}}
        await persisted.resolve({"query": query, "extensions": extensions}, "alice")
        found = await persisted.resolve({"extensions": extensions}, "bob")
        assert found["query"] == query
    finally:
        await client.aclose()
