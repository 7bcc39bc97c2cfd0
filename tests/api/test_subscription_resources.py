"""Subscriptions cost bounded memory: slow consumers are dropped, disconnects leak nothing."""

from __future__ import annotations

import asyncio
import gc
import json

import orjson
import redis.asyncio as redis

from gateway.redis_server import EmbeddedRedis
from gateway.store import feed
from gateway.store.changes import FeedEntry
from gateway.store.hub import WORKLOADS, FeedEvent, FeedHub, SlowConsumer
from gateway.store.keys import Keys
from schema.context import Limits
from tests.api.harness import publish, running_gateway
from tests.api.test_subscriptions import CHANGES, settle
from tests.api.wsclient import transport_ws
from tests.store.test_mirror import fleet_mirror


def fake_event(index: int) -> FeedEvent:
    return FeedEvent(WORKLOADS, "sim-1", f"{index + 1}-0", {"id": "Deployment/shop/web"})


async def test_a_full_buffer_ends_the_subscription_after_what_it_holds(
    redis_client: redis.Redis,
) -> None:
    hub = FeedHub(redis_client, Keys())
    async with hub.subscribe(WORKLOADS, lambda _: True, capacity=5) as subscription:
        for index in range(12):
            hub._dispatch(fake_event(index))
        delivered = []
        try:
            async for event in hub.follow(subscription):
                delivered.append(event.entry_id)
        except SlowConsumer as error:
            assert "more than 5" in str(error)
        else:
            raise AssertionError("the slow consumer was not dropped")
    assert delivered == [f"{i + 1}-0" for i in range(5)]
    assert hub.dropped_slow == 1
    assert hub.subscriber_count == 0


async def test_slow_websocket_consumer_gets_a_clear_error(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    mirror = fleet_mirror()
    await publish(redis_client, mirror)
    stored = await redis_client.hget(Keys().workloads("sim-1"), "Deployment/shop/web")
    assert isinstance(stored, bytes)
    record = orjson.loads(stored)
    async with running_gateway(redis_server.url, limits=Limits(subscription_buffer=20)) as gw:
        async with transport_ws(gw.websocket) as ws:
            operation = await ws.subscribe(CHANGES)
            await settle()
            async with redis_client.pipeline(transaction=False) as pipe:
                for index in range(4000):
                    entry = FeedEntry(
                        "workloads",
                        {
                            "type": "changed",
                            "id": f"Deployment/shop/burst-{index}",
                            "oldStatus": "Running",
                            "newStatus": "Not Ready",
                            "reason": "CrashLoopBackOff",
                            "message": "x" * 200,
                            "record": record,
                        },
                    )
                    pipe.xadd(Keys().workload_feed("sim-1"), dict(feed.encode(entry)))  # type: ignore[arg-type]
                await pipe.execute()
            codes = []
            while True:
                message = await ws.receive()
                if message.get("id") != operation:
                    continue
                if message["type"] == "complete":
                    break
                errors = message["payload"].get("errors") or []
                codes += [e["extensions"]["code"] for e in errors]
        assert codes == ["SLOW_CONSUMER"]
        assert gw.gateway.hub.dropped_slow == 1


async def test_thousands_of_connect_disconnect_cycles_leave_nothing_behind(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    await publish(redis_client, fleet_mirror())
    async with running_gateway(redis_server.url) as gw:
        hub = gw.gateway.hub
        baseline_tasks = len(asyncio.all_tasks())
        for cycle in range(2000):
            async with transport_ws(gw.websocket) as ws:
                await ws.subscribe(CHANGES)
                if cycle % 100 == 0:
                    await settle()
                    assert hub.subscriber_count >= 1
        for _ in range(100):
            if hub.subscriber_count == 0 and len(asyncio.all_tasks()) <= baseline_tasks:
                break
            await asyncio.sleep(0.05)
        gc.collect()
        assert hub.subscriber_count == 0
        assert len(asyncio.all_tasks()) <= baseline_tasks, json.dumps(
            sorted(t.get_name() for t in asyncio.all_tasks())
        )
