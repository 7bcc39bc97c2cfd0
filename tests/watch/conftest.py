"""A simulated fleet and a gateway watching it, both in the test's event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import orjson
import pytest_asyncio
import redis.asyncio as redis

from gateway.clusters import from_kubeconfig
from gateway.consistency import Report, check
from gateway.redis_connect import Client
from gateway.redis_server import EmbeddedRedis
from gateway.service import Gateway, Settings
from gateway.store.keys import Keys
from simcluster.fleet import SimulatedFleet
from simcluster.watch import WatchSettings
from tests.redis_io import stream_of

TIME_SCALE = 40.0
T = TypeVar("T")


@pytest_asyncio.fixture
async def fleet(tmp_path: Path) -> AsyncIterator[SimulatedFleet]:
    async with SimulatedFleet(
        time_scale=TIME_SCALE,
        kubeconfig=tmp_path / "kubeconfig",
        watch_settings=WatchSettings(bookmark_interval=0.5),
    ) as started:
        yield started


def settings_for(fleet: SimulatedFleet, redis_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "sources": from_kubeconfig(fleet.kubeconfig),
        "redis_url": redis_url,
        "grace_seconds": 1.0,
        "lease_seconds": 3.0,
    }
    values.update(overrides)
    return Settings(**values)


@pytest_asyncio.fixture
async def gateway(
    fleet: SimulatedFleet, redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> AsyncIterator[Gateway]:
    started = Gateway(settings_for(fleet, redis_server.url))
    await started.start()
    try:
        await until(lambda: ready(started), within=30)
        yield started
    finally:
        await started.stop()


async def ready(gateway: Gateway) -> bool:
    is_ready, _ = await gateway.readiness()
    return is_ready


async def until(check: Callable[[], Awaitable[T]], within: float = 15.0, every: float = 0.05) -> T:
    """Poll an async condition until it is truthy; fail with the last value after ``within`` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = await check()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {within}s (last value: {value!r})")
        await asyncio.sleep(every)


async def assert_consistent(
    gateway: Gateway, cluster: str = "sim-1", within: float = 20.0
) -> Report:
    """Wait until the cache equals the cluster; fail with the differences if it never does."""
    source = next(s for s in gateway.settings.sources if s.name == cluster)
    last: list[Report] = []

    async def settled() -> Report | None:
        report = await check(source, gateway.client, gateway.keys, opted=gateway.settings.opted)
        last[:] = [report]
        return report if report.consistent else None

    try:
        found = await until(settled, within=within, every=0.2)
    except AssertionError:
        differences = "\n".join(last[0].differences[:20]) if last else "no report"
        raise AssertionError(f"the cache never matched {cluster}:\n{differences}") from None
    assert found is not None
    return found


async def cached(
    client: Client, cluster: str, kind: str, namespace: str, name: str
) -> dict[str, Any] | None:
    raw = await client.hget(Keys().workloads(cluster), f"{kind}/{namespace}/{name}")
    return orjson.loads(raw) if isinstance(raw, bytes) else None


def status_of(
    client: redis.Redis, cluster: str, kind: str, namespace: str, name: str
) -> Callable[[], Awaitable[tuple[str, str] | None]]:
    async def read() -> tuple[str, str] | None:
        record = await cached(client, cluster, kind, namespace, name)
        return (record["status"], record["reason"]) if record else None

    return read


async def feed_entries(client: redis.Redis, cluster: str) -> list[dict[str, Any]]:
    return await stream_of(client, Keys().workload_feed(cluster))
