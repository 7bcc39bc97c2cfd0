"""The notifier in front of a gateway watching a simulated cluster, end to end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
import redis.asyncio as redis

from gateway.clusters import from_kubeconfig
from gateway.notify.filters import parse_filter
from gateway.redis_server import EmbeddedRedis
from simcluster.fleet import SimulatedFleet
from simcluster.watch import WatchSettings
from tests.api.harness import running_gateway
from tests.notify.conftest import (
    cluster_feed_followed,
    eventually,
    quick_config,
    running_notifier,
    transition_ids,
)
from tests.notify.receiver import WebhookReceiver
from tests.simcluster.objects import behaviour, workload
from tests.watch.conftest import TIME_SCALE, ready, until


@pytest_asyncio.fixture
async def fleet(tmp_path: Path) -> AsyncIterator[SimulatedFleet]:
    async with SimulatedFleet(
        time_scale=TIME_SCALE,
        kubeconfig=tmp_path / "kubeconfig",
        watch_settings=WatchSettings(bookmark_interval=0.5),
    ) as started:
        yield started


async def test_a_crash_loop_and_an_outage_of_a_simulated_cluster(
    fleet: SimulatedFleet,
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    cluster = fleet["sim-1"]
    cluster.create(workload("Deployment", "web", replicas=2))
    sources = from_kubeconfig(fleet.kubeconfig)
    async with running_gateway(redis_server.url, sources, grace_seconds=1.0) as gw:
        await until(lambda: ready(gw.gateway), within=30)
        config = quick_config(
            gw.websocket,
            receiver.url,
            tmp_path / "state.json",
            window=1.0,
            filter=parse_filter('{"clusters": ["sim-1"]}'),
        )
        async with running_notifier(config) as notifier:
            await cluster_feed_followed(notifier)
            cluster.create(
                workload("Deployment", "crashy", behaviour(behavior="crash-loop"), replicas=3)
            )
            await receiver.wait_for(
                lambda posts: any(
                    p.body["title"].endswith("default/crashy in sim-1") for p in posts
                ),
                within=30,
            )
            await cluster.faults.go_unreachable()
            await receiver.wait_for(
                lambda posts: posts[-1].body["kind"] == "cluster-down", within=30
            )
            await cluster.faults.come_back()
            await receiver.wait_for(lambda posts: posts[-1].body["kind"] == "cluster-up", within=30)
            await eventually(lambda: notifier.idle, within=20)
    posts = [p.body for p in receiver.posts]
    problem, down, up = posts
    assert problem["title"] == "Not Ready: Deployment default/crashy in sim-1"
    assert problem["facts"]["Reason"] == "CrashLoopBackOff"
    assert "crash" in problem["message"].lower()
    assert int(problem["facts"]["Pods affected"]) >= 1
    assert down["title"] == "Cluster sim-1 is unreachable"
    assert up["title"].startswith("Cluster sim-1 is reachable again")
    ids = transition_ids(posts)
    assert len(ids) == len(set(ids))
