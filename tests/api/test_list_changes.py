"""workloadListChanged: one debounced notice per burst of changes within the filter, with
the list's new totals, nothing for changes outside it, and a notice at once on resuming
after changes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
import redis.asyncio as redis

from gateway.redis_server import EmbeddedRedis
from gateway.watch.mirror import ClusterMirror
from schema.listchanges import debounced
from tests.api.harness import RunningGateway, flush, publish, running_gateway
from tests.api.test_subscriptions import settle
from tests.api.wsclient import transport_ws
from tests.status import objects as o
from tests.store.test_mirror import fleet_mirror, web_pod

LIST = """subscription ($filter: WorkloadFilter, $debounceMs: Int, $after: String) {
  workloadListChanged(filter: $filter, debounceMs: $debounceMs, after: $after) {
    cursor changes totalCount summary { total abnormal byStatus { status count } }
  }
}"""


@pytest.fixture
async def mirror(redis_client: redis.Redis) -> ClusterMirror:
    built = fleet_mirror()
    built.replace("Deployment", [o.deployment(), o.deployment("api", replicas=0)])
    await publish(redis_client, built)
    return built


@pytest_asyncio.fixture
async def gw(redis_server: EmbeddedRedis, mirror: ClusterMirror) -> AsyncIterator[RunningGateway]:
    async with running_gateway(redis_server.url) as running:
        yield running


async def web(redis_client: redis.Redis, mirror: ClusterMirror, *, broken: bool) -> None:
    """The web Deployment's first pod crash-loops (Not Ready) or runs again (Running)."""
    changes: dict[str, Any] = {"statuses": [o.crash_loop("web")]} if broken else {}
    mirror.apply("Pod", "MODIFIED", web_pod(0, **changes))
    await flush(redis_client, mirror)


async def flip(redis_client: redis.Redis, mirror: ClusterMirror, times: int) -> None:
    """From Running: breaks and heals the web Deployment, one status change each time."""
    for turn in range(times):
        await web(redis_client, mirror, broken=turn % 2 == 0)


async def test_a_burst_is_one_notice_with_the_new_totals(
    gw: RunningGateway, mirror: ClusterMirror, redis_client: redis.Redis
) -> None:
    async with transport_ws(gw.websocket) as ws:
        operation = await ws.subscribe(
            LIST, {"filter": {"namespaces": ["shop"]}, "debounceMs": 400}
        )
        await settle()
        await flip(redis_client, mirror, 3)
        notice = (await ws.next_payload(operation))["data"]["workloadListChanged"]
        assert notice["changes"] == 3
        assert notice["totalCount"] == 2
        assert notice["summary"]["total"] == 2
        assert notice["summary"]["abnormal"] == 1
        with pytest.raises(TimeoutError):
            await ws.next_payload(operation, seconds=1.0)


async def test_changes_outside_the_filter_say_nothing(
    gw: RunningGateway, mirror: ClusterMirror, redis_client: redis.Redis
) -> None:
    async with transport_ws(gw.websocket) as ws:
        elsewhere = await ws.subscribe(
            LIST, {"filter": {"namespaces": ["billing"]}, "debounceMs": 100}
        )
        here = await ws.subscribe(LIST, {"filter": {"nameContains": "web"}, "debounceMs": 100})
        await settle()
        await flip(redis_client, mirror, 1)
        notice = (await ws.next_payload(here))["data"]["workloadListChanged"]
        assert (notice["changes"], notice["totalCount"]) == (1, 1)
        with pytest.raises(TimeoutError):
            await ws.next_payload(elsewhere, seconds=0.8)


async def test_resuming_after_changes_sends_a_notice_at_once(
    gw: RunningGateway, mirror: ClusterMirror, redis_client: redis.Redis
) -> None:
    async with transport_ws(gw.websocket) as ws:
        operation = await ws.subscribe(LIST, {"debounceMs": 100})
        await settle()
        await flip(redis_client, mirror, 1)
        cursor = (await ws.next_payload(operation))["data"]["workloadListChanged"]["cursor"]
    # Heals, then breaks again, while no one listens.
    await web(redis_client, mirror, broken=False)
    await web(redis_client, mirror, broken=True)
    async with transport_ws(gw.websocket) as ws:
        resumed = await ws.subscribe(LIST, {"after": cursor, "debounceMs": 60_000})
        notice = (await asyncio.wait_for(ws.next_payload(resumed), 5))["data"]
    assert notice["workloadListChanged"]["changes"] == 2


async def test_the_debounce_window_is_bounded(gw: RunningGateway) -> None:
    async with transport_ws(gw.websocket) as ws:
        for wrong in (0, 99, 60_001):
            operation = await ws.subscribe(LIST, {"debounceMs": wrong})
            refused: dict[str, Any] = await ws.next_payload(operation)
            assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
            assert "between 100 and 60000" in refused["errors"][0]["message"]


async def test_debounced_counts_each_window_then_raises_the_sources_error() -> None:
    async def source() -> AsyncIterator[object]:
        for _ in range(5):
            yield None
        await asyncio.sleep(0.3)
        yield None
        raise RuntimeError("the feed ended")

    counts: list[int] = []
    with pytest.raises(RuntimeError, match="the feed ended"):
        async for count in debounced(source(), 0.1):
            counts.append(count)
    assert counts == [5, 1]
