"""The feed hub delivers every entry written after it started, through busy moments and outages."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
import pytest_asyncio
import redis
import redis.asyncio as aioredis

from gateway.redis_server import EmbeddedRedis
from gateway.store.hub import (
    CLUSTERS,
    ENTRIES_PER_TURN,
    WORKLOADS,
    CursorExpired,
    FeedEvent,
    FeedHub,
    Subscription,
)
from gateway.store.keys import Keys

KEYS = Keys("hubtest")
CLUSTER = "east"


def text(entry_id: bytes | str) -> str:
    return entry_id.decode() if isinstance(entry_id, bytes) else entry_id


def entry(name: str) -> dict[Any, Any]:
    return {"e": orjson.dumps({"type": "changed", "id": name})}


@contextlib.asynccontextmanager
async def running_hub(server: EmbeddedRedis, setup: aioredis.Redis) -> AsyncIterator[FeedHub]:
    await setup.hset(KEYS.clusters, CLUSTER, b"{}")
    client = aioredis.Redis.from_url(server.url, socket_timeout=None)
    hub = FeedHub(client, KEYS, discover_seconds=0.2)
    task = asyncio.create_task(hub.run())
    yield hub
    assert not task.done(), "the hub stopped"
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await client.aclose()


@pytest_asyncio.fixture
async def hub(redis_server: EmbeddedRedis, redis_client: aioredis.Redis) -> AsyncIterator[FeedHub]:
    async with running_hub(redis_server, redis_client) as running:
        yield running


@pytest_asyncio.fixture
async def either_hub(
    either_server: EmbeddedRedis, either_client: aioredis.Redis
) -> AsyncIterator[FeedHub]:
    """A hub on Valkey 8 and on Redis 7, which report trimming differently."""
    async with running_hub(either_server, either_client) as running:
        yield running


async def next_event(hub: FeedHub, subscription: Subscription) -> FeedEvent:
    async with asyncio.timeout(10):
        async for event in hub.follow(subscription):
            return event
    raise AssertionError("the subscription ended")


async def following(hub: FeedHub, client: aioredis.Redis, subscription: Subscription) -> None:
    """Wait until the hub reads the workload feed: an entry written now reaches the subscriber.

    Entries written before the hub found the stream are, rightly, not delivered, so
    warm-up entries are written until the latest one arrives.
    """
    for attempt in range(40):
        await client.xadd(KEYS.workload_feed(CLUSTER), entry(f"warm-up {attempt}"))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(0.5):
                async for event in hub.follow(subscription):
                    if event.fields["id"] == f"warm-up {attempt}":
                        return
    raise AssertionError("the hub never delivered a warm-up entry")


async def kill_other_connections(client: aioredis.Redis) -> None:
    await client.client_kill_filter(_type="normal", skipme=True)


def admit_all(_: FeedEvent) -> bool:
    return True


async def test_entries_written_before_start_are_not_replayed_live(
    redis_client: aioredis.Redis, redis_server: EmbeddedRedis
) -> None:
    await redis_client.hset(KEYS.clusters, CLUSTER, b"{}")
    await redis_client.xadd(KEYS.workload_feed(CLUSTER), entry("old"))
    client = aioredis.Redis.from_url(redis_server.url, socket_timeout=None)
    hub = FeedHub(client, KEYS, discover_seconds=0.2)
    task = asyncio.create_task(hub.run())
    try:
        async with hub.subscribe(WORKLOADS, admit_all, 10) as subscription:
            await asyncio.sleep(0.5)
            await redis_client.xadd(KEYS.workload_feed(CLUSTER), entry("new"))
            assert (await next_event(hub, subscription)).fields["id"] == "new"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await client.aclose()


async def test_entry_written_while_its_connection_was_killed_is_delivered(
    hub: FeedHub, redis_client: aioredis.Redis
) -> None:
    async with hub.subscribe(WORKLOADS, admit_all, 10) as subscription:
        await following(hub, redis_client, subscription)
        await kill_other_connections(redis_client)
        await asyncio.sleep(0.05)
        await redis_client.xadd(KEYS.workload_feed(CLUSTER), entry("during the outage"))
        assert (await next_event(hub, subscription)).fields["id"] == "during the outage"


async def test_first_entry_of_a_quiet_stream_written_between_reads_is_delivered(
    hub: FeedHub, redis_client: aioredis.Redis, redis_server: EmbeddedRedis
) -> None:
    """The cluster feed is empty; its first entry lands while the hub handles another stream."""
    writer = redis.Redis.from_url(redis_server.url)

    def write_cluster_entry_meanwhile(event: FeedEvent) -> bool:
        if event.fields["id"] == "busy":
            writer.xadd(KEYS.cluster_feed, entry("cluster became unreachable"))
        return True

    try:
        async with (
            hub.subscribe(WORKLOADS, write_cluster_entry_meanwhile, 10) as workloads,
            hub.subscribe(CLUSTERS, admit_all, 10) as clusters,
        ):
            await following(hub, redis_client, workloads)
            await redis_client.xadd(KEYS.workload_feed(CLUSTER), entry("busy"))
            assert (await next_event(hub, workloads)).fields["id"] == "busy"
            event = await next_event(hub, clusters)
            assert event.fields["id"] == "cluster became unreachable"
    finally:
        writer.close()


async def test_feeds_recreated_while_redis_was_away_end_live_subscriptions(
    hub: FeedHub, redis_client: aioredis.Redis
) -> None:
    """Redis lost its data: positions and cursors of the old feeds mean nothing any more."""
    feed_key = KEYS.workload_feed(CLUSTER)
    async with hub.subscribe(WORKLOADS, admit_all, 10) as subscription:
        await following(hub, redis_client, subscription)
        await redis_client.xadd(feed_key, entry("far ahead"), id="9999999999999-0")
        assert (await next_event(hub, subscription)).fields["id"] == "far ahead"
        await redis_client.flushdb()
        await kill_other_connections(redis_client)
        with pytest.raises(CursorExpired, match="recreated"):
            await next_event(hub, subscription)
    async with hub.subscribe(WORKLOADS, admit_all, 10) as subscription:
        await redis_client.hset(KEYS.clusters, CLUSTER, b"{}")
        await following(hub, redis_client, subscription)


async def test_a_subscription_made_under_the_new_epoch_is_not_ended_by_it(
    hub: FeedHub, redis_client: aioredis.Redis
) -> None:
    async with hub.subscribe(WORKLOADS, admit_all, 10) as old:
        await following(hub, redis_client, old)
        await redis_client.flushdb()
        await redis_client.hset(KEYS.clusters, CLUSTER, b"{}")
        epoch = await hub.epoch()
        async with hub.subscribe(WORKLOADS, admit_all, 10, epoch) as new:
            with pytest.raises(CursorExpired):
                await next_event(hub, old)
            assert not new.expired
            await following(hub, redis_client, new)


async def test_entries_from_before_a_subscription_starts_do_not_fill_its_queue(
    hub: FeedHub, redis_client: aioredis.Redis
) -> None:
    """A cluster the hub finds late is read from its start while a subscriber waits."""
    async with hub.subscribe(WORKLOADS, admit_all, 50) as watching:
        await following(hub, redis_client, watching)
        feed_key = KEYS.workload_feed("west")
        for number in range(30):
            last = await redis_client.xadd(feed_key, entry(f"old {number}"))
        async with hub.subscribe(WORKLOADS, admit_all, 5) as late:
            late.delivered["west"] = last.decode() if isinstance(last, bytes) else last
            await redis_client.hset(KEYS.clusters, "west", b"{}")
            seen = [(await next_event(hub, watching)).fields["id"] for _ in range(30)]
            assert seen[-1] == "old 29"
            assert not late.overflowed and late.queue.empty()
            await redis_client.xadd(feed_key, entry("new"))
            assert (await next_event(hub, late)).fields["id"] == "new"


async def test_a_burst_of_entries_leaves_the_event_loop_turns(
    hub: FeedHub, redis_client: aioredis.Redis
) -> None:
    """One XREAD answer holds up to 500 entries; dispatching them in one go would keep
    probes, queries and other subscribers waiting while a scale-up's entries pass."""
    async with hub.subscribe(WORKLOADS, admit_all, 1000) as watching:
        await following(hub, redis_client, watching)
        queued: list[int] = []

        async def note_each_turn() -> None:
            while True:
                queued.append(watching.queue.qsize())
                await asyncio.sleep(0)

        ticker = asyncio.create_task(note_each_turn())
        try:
            async with redis_client.pipeline(transaction=True) as pipe:
                for number in range(400):
                    pipe.xadd(KEYS.workload_feed(CLUSTER), entry(f"burst {number}"))
                await pipe.execute()
            async with asyncio.timeout(10):
                while watching.queue.qsize() < 400:
                    await asyncio.sleep(0.01)
        finally:
            ticker.cancel()
            await asyncio.gather(ticker, return_exceptions=True)
        between_turns = max(later - earlier for earlier, later in itertools.pairwise(queued))
        assert 0 < between_turns <= ENTRIES_PER_TURN


async def test_trimming_is_seen_whatever_max_deleted_entry_id_says(
    either_hub: FeedHub, either_client: aioredis.Redis
) -> None:
    hub, redis_client = either_hub, either_client
    key = KEYS.workload_feed(CLUSTER)
    written = [
        text(await redis_client.xadd(key, entry(f"n {n}"), maxlen=100, approximate=True))
        for n in range(300)
    ]
    info = await redis_client.xinfo_stream(key)
    first = info["first-entry"][0].decode()
    kept = written.index(first)
    assert kept > 0, "MAXLEN trimmed nothing"
    for lost in ("0-0", written[0], written[kept - 2]):
        with pytest.raises(CursorExpired, match="trimmed past the cursor"):
            await hub.check_retained(WORKLOADS, CLUSTER, lost)
    for whole in (first, written[kept + 5], written[-1]):
        await hub.check_retained(WORKLOADS, CLUSTER, whole)
    await redis_client.xtrim(key, maxlen=0)
    await hub.check_retained(WORKLOADS, CLUSTER, written[-1])
    with pytest.raises(CursorExpired):
        await hub.check_retained(WORKLOADS, CLUSTER, written[-2])


async def test_an_untrimmed_feed_keeps_every_cursor(
    either_hub: FeedHub, either_client: aioredis.Redis
) -> None:
    hub, redis_client = either_hub, either_client
    key = KEYS.workload_feed(CLUSTER)
    written = [text(await redis_client.xadd(key, entry(f"n {n}"))) for n in range(5)]
    for cursor in ("0-0", *written):
        await hub.check_retained(WORKLOADS, CLUSTER, cursor)
    await redis_client.xdel(key, written[1])
    await hub.check_retained(WORKLOADS, CLUSTER, written[1])
    with pytest.raises(CursorExpired):
        await hub.check_retained(WORKLOADS, CLUSTER, written[0])
