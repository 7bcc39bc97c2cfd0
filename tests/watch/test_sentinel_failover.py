"""The gateway behind Sentinel: the primary SIGKILLed mid-stream, the replica promoted.

Real processes on loopback (tests/watch/sentinels.py). The simulated cluster keeps
changing through the failover; afterwards the cache equals the API server, readiness
came back, and a subscriber resuming with its last cursor either ends with every
transition (its view equals the cache) or is told CURSOR_EXPIRED and starts from a
snapshot. When the promoted replica lagged, the gateway must notice the lost writes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest
import pytest_asyncio

from gateway.redis_connect import connect
from gateway.redis_server import free_port
from gateway.service import Gateway
from gateway.store.hub import WORKLOADS, CursorExpired, FeedHub
from simcluster.fleet import SimulatedFleet
from tests.simcluster.objects import behaviour, workload
from tests.store.test_cancellation import cancelled_survivors
from tests.watch.conftest import assert_consistent, ready, settings_for, until
from tests.watch.sentinels import MASTER, Deployment, sentinel_deployment

CLUSTER = "sim-1"


@pytest_asyncio.fixture
async def deployment(tmp_path: Path) -> AsyncIterator[Deployment]:
    async with sentinel_deployment(tmp_path / "sentinel") as started:
        yield started


@dataclass
class Subscriber:
    """A client of the feed hub that keeps the statuses it was told, and its cursor."""

    hub: FeedHub
    epoch: str = ""
    position: str = "0-0"
    view: dict[str, str] = field(default_factory=dict)
    expired: list[str] = field(default_factory=list)

    async def snapshot(self) -> None:
        """The statuses and the feed's end read in one transaction, so that every entry
        after that end is a change the view does not hold yet."""
        client, keys = self.hub.client, self.hub.keys
        async with client.pipeline(transaction=True) as pipe:
            pipe.hgetall(keys.workload_index(CLUSTER))
            pipe.xrevrange(keys.workload_feed(CLUSTER), count=1)
            index, last = await pipe.execute()
        self.view = {k.decode(): orjson.loads(v)[0] for k, v in index.items()}
        self.position = last[0][0].decode() if last else "0-0"
        self.epoch = await self.hub.epoch()

    def apply(self, fields: dict[str, Any], entry_id: str) -> None:
        if fields["type"] == "deleted":
            self.view.pop(fields["id"], None)
        else:
            self.view[fields["id"]] = fields["newStatus"]
        self.position = entry_id

    async def follow(self, stop: asyncio.Event) -> None:
        """Resume from the cursor as the subscription API does: an epoch that moved on or a
        trimmed stream is CURSOR_EXPIRED, then replay, then live until ``stop``."""
        if self.epoch != await self.hub.epoch():
            raise CursorExpired("the feeds were recreated")
        async with self.hub.subscribe(WORKLOADS, lambda _: True, 10_000, self.epoch) as sub:
            sub.delivered[CLUSTER] = self.position
            for event in await self.hub.replay(WORKLOADS, CLUSTER, self.position):
                if sub.fresh(event):
                    self.apply(event.fields, event.entry_id)
            await self.hub.check_retained(WORKLOADS, CLUSTER, self.position)
            stopping = asyncio.ensure_future(stop.wait())
            events = aiter(self.hub.follow(sub))
            while not stop.is_set():
                nxt = asyncio.ensure_future(anext(events))
                await asyncio.wait({nxt, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not nxt.done():
                    nxt.cancel()
                    break
                event = nxt.result()
                self.apply(event.fields, event.entry_id)
            stopping.cancel()

    async def run(self, stop: asyncio.Event) -> None:
        try:
            await self.follow(stop)
        except CursorExpired as error:
            self.expired.append(str(error))
            await self.snapshot()
            await self.follow(stop)


async def _readiness_gaps(gateway: Gateway, stop: asyncio.Event) -> list[float]:
    """Seconds of each stretch readiness was down, polled every 50 ms."""
    gaps: list[float] = []
    down_since: float | None = None
    while not stop.is_set():
        if await ready(gateway):
            if down_since is not None:
                gaps.append(time.monotonic() - down_since)
                down_since = None
        elif down_since is None:
            down_since = time.monotonic()
        await asyncio.sleep(0.05)
    return gaps


def _start_changing(fleet: SimulatedFleet) -> None:
    cluster = fleet[CLUSTER]
    for n in range(3):
        cluster.create(
            workload("Deployment", f"crashy-{n}", behaviour(behavior="crash-loop"), replicas=2)
        )
    cluster.create(workload("Deployment", "web", replicas=3))
    cluster.create(workload("StatefulSet", "db", replicas=2))


async def _quiet_view_matches(subscriber: Subscriber) -> dict[str, str] | None:
    """The subscriber's view against the cache at one moment: both at the same feed end."""
    hub = subscriber.hub
    async with hub.client.pipeline(transaction=True) as pipe:
        pipe.hgetall(hub.keys.workload_index(CLUSTER))
        pipe.xrevrange(hub.keys.workload_feed(CLUSTER), count=1)
        index, last = await pipe.execute()
    end = last[0][0].decode() if last else "0-0"
    if end != subscriber.position:
        return None
    cache = {k.decode(): orjson.loads(v)[0] for k, v in index.items()}
    return cache if cache == subscriber.view else None


async def _failover(
    fleet: SimulatedFleet, deployment: Deployment, *, lagging: bool
) -> tuple[Gateway, Subscriber, list[float]]:
    # The default lease time: the conftest's 3 s runs out during the failover, and the
    # watcher would be restarted (a second readiness dip) as after any long outage.
    gateway = Gateway(settings_for(fleet, deployment.url, lease_seconds=15.0))
    await gateway.start()
    _start_changing(fleet)
    await until(lambda: ready(gateway), within=30)
    await assert_consistent(gateway)
    subscriber = Subscriber(gateway.hub)
    await subscriber.snapshot()
    first_stretch = asyncio.Event()
    asyncio.get_running_loop().call_later(1.0, first_stretch.set)
    await subscriber.run(first_stretch)

    stop_polling = asyncio.Event()
    polling = asyncio.create_task(_readiness_gaps(gateway, stop_polling))
    old_port = deployment.primary.port
    if lagging:
        await deployment.cut_replication()
        await asyncio.sleep(1.5)  # the watchers write crash loops the replica never gets
    await deployment.primary.kill()
    fleet[CLUSTER].create(workload("Deployment", "during-failover", replicas=1))
    fleet[CLUSTER].delete("Deployment", "web", "default")
    await until(lambda: _moved(deployment, old_port), within=20)
    await until(lambda: ready(gateway), within=30)
    await assert_consistent(gateway, within=30)
    stop_polling.set()
    gaps = await polling

    final = asyncio.Event()
    following = asyncio.create_task(subscriber.run(final))
    await until(lambda: _quiet_view_matches(subscriber), within=20, every=0.02)
    final.set()
    await following
    return gateway, subscriber, gaps


async def _moved(deployment: Deployment, old_port: int) -> bool:
    port = await deployment.primary_port()
    return port not in (0, old_port)


@pytest.mark.timeout(90)
async def test_the_gateway_follows_the_promoted_replica(
    fleet: SimulatedFleet, deployment: Deployment
) -> None:
    gateway, subscriber, gaps = await _failover(fleet, deployment, lagging=False)
    try:
        assert gaps, "readiness never dipped though the primary was killed"
        assert len(gaps) == 1 and gaps[0] < 10, gaps
        # A replica in sync loses nothing, so the cursor stays good: if the gateway
        # did see a loss, the subscriber must have been told.
        assert bool(subscriber.expired) == bool(gateway.link.histories_lost), subscriber.expired
        print(f"readiness down {gaps}, rewrites {gateway.link.generation}, {subscriber.expired}")
    finally:
        await gateway.stop()


@pytest.mark.timeout(90)
async def test_a_promoted_replica_that_lagged_is_found_and_cursors_expire(
    fleet: SimulatedFleet, deployment: Deployment
) -> None:
    gateway, subscriber, gaps = await _failover(fleet, deployment, lagging=True)
    try:
        assert gateway.link.histories_lost >= 1
        assert subscriber.expired, "the subscriber resumed into a history that lost entries"
        assert gaps and max(gaps) < 15, gaps
        print(f"readiness down {gaps}, rewrites {gateway.link.generation}, {subscriber.expired}")
    finally:
        await gateway.stop()


async def test_an_unknown_master_name_is_said_at_start_and_in_readiness(
    fleet: SimulatedFleet, deployment: Deployment, caplog: pytest.LogCaptureFixture
) -> None:
    url = deployment.url.rpartition("/")[0] + "/no-such-master"
    gateway = Gateway(settings_for(fleet, url))
    await gateway.start()
    try:
        is_ready, details = await gateway.readiness()
        assert not is_ready
        assert "No master found for 'no-such-master'" in details["redis"]
        await until(lambda: _logged(caplog), within=5)
        said = _logged_now(caplog)
        assert "no-such-master" in said[0].cause and said[0].redis.endswith("/no-such-master")
    finally:
        await gateway.stop()


def _logged_now(caplog: pytest.LogCaptureFixture) -> list[Any]:
    return [r for r in caplog.records if r.getMessage().startswith("redis cannot be reached")]


async def _logged(caplog: pytest.LogCaptureFixture) -> bool:
    return bool(_logged_now(caplog))


async def test_no_sentinel_answering_is_said_in_readiness(fleet: SimulatedFleet) -> None:
    url = f"redis+sentinel://127.0.0.1:{free_port()},127.0.0.1:{free_port()}/{MASTER}"
    gateway = Gateway(settings_for(fleet, url))
    await gateway.start()
    try:
        is_ready, details = await gateway.readiness()
        assert not is_ready
        assert f"MasterNotFoundError: No master found for '{MASTER}'" in details["redis"]
        assert "Connect call failed" in details["redis"], details
    finally:
        await gateway.stop()


async def test_cancelled_reads_through_sentinel_always_end(deployment: Deployment) -> None:
    """Discovery included: the first attempts open connections, asking the sentinels."""
    client = connect(deployment.url)
    try:
        assert await cancelled_survivors(client) == 0
    finally:
        await client.aclose()
