"""The write mark: Redis holding less than it acknowledged is found, nothing else is.

A promoted replica that lagged is played here by setting the mark back, as such a
replica would hold it; tests/watch/test_sentinel_failover.py does it with real processes.
"""

from __future__ import annotations

import asyncio

import redis.asyncio as redis

from gateway.store.changes import NamespaceUpsert
from gateway.store.hub import FeedHub
from gateway.store.keys import Keys
from gateway.store.link import StoreLink
from tests.watch.conftest import until

KEYS = Keys("mark")
WRITER = "replica-a"


def _change(n: int) -> list[NamespaceUpsert]:
    return [NamespaceUpsert(f"ns-{n}", b"{}")]


async def test_concurrent_writes_of_one_writer_are_not_taken_for_lost_history(
    redis_client: redis.Redis,
) -> None:
    link = StoreLink(redis_client, KEYS, writer=WRITER)
    for _ in range(5):
        written = await asyncio.gather(*(link.apply(f"cluster-{n}", _change(n)) for n in range(20)))
        assert all(written)
    assert link.healthy and link.histories_lost == 0
    assert link.writer.acknowledged == {f"cluster-{n}": 5 for n in range(20)}
    await link.close()


async def test_a_mark_set_back_is_found_by_the_next_write_and_the_feeds_start_anew(
    redis_client: redis.Redis,
) -> None:
    link = StoreLink(redis_client, KEYS, writer=WRITER)
    hub = FeedHub(redis_client, KEYS)
    before = await hub.epoch()
    for n in range(10):
        assert await link.apply("sim-1", _change(n))
    await redis_client.set(KEYS.write_mark(WRITER, "sim-1"), 4)  # a replica saw 4 of 10

    assert not await link.apply("sim-1", _change(11))
    assert not link.healthy
    await until(lambda: _healthy(link), within=5)
    assert link.histories_lost == 1 and link.generation == 1
    assert await hub.epoch() != before, "cursors of the lost history must expire"
    assert await link.apply("sim-1", _change(12)), "the new history is accepted"
    assert link.histories_lost == 1
    await link.close()


async def test_recovering_from_an_outage_looks_at_the_mark(redis_client: redis.Redis) -> None:
    link = StoreLink(redis_client, KEYS, writer=WRITER)
    hub = FeedHub(redis_client, KEYS)
    before = await hub.epoch()
    for n in range(3):
        assert await link.apply("sim-1", _change(n))
    await redis_client.delete(KEYS.write_mark(WRITER, "sim-1"))
    link.lost("a failover, seen as a failed write")
    await until(lambda: _healthy(link), within=5)
    assert link.histories_lost == 1
    assert await hub.epoch() != before


async def test_recovery_looks_at_every_group_one_primary_may_fail_over_alone(
    redis_client: redis.Redis,
) -> None:
    link = StoreLink(redis_client, KEYS, writer=WRITER)
    hub = FeedHub(redis_client, KEYS)
    before = await hub.epoch()
    for cluster in ("sim-1", "sim-2"):
        assert await link.apply(cluster, _change(1))
    assert await link.put_cluster("sim-2", b"{}", None)
    assert await link.put_cluster("sim-2", b"{}", None)
    await redis_client.set(KEYS.write_mark(WRITER), 1)  # the shared keys' primary lagged
    link.lost("the primary of the shared keys failed over")
    await until(lambda: _healthy(link), within=5)
    assert link.histories_lost == 1
    assert await hub.epoch() != before
    assert link.writer.acknowledged == {"sim-1": 1, "sim-2": 1, None: 1}
    assert await link.put_cluster("sim-2", b"{}", None)


async def test_an_outage_that_lost_nothing_keeps_the_feeds(redis_client: redis.Redis) -> None:
    link = StoreLink(redis_client, KEYS, writer=WRITER)
    hub = FeedHub(redis_client, KEYS)
    before = await hub.epoch()
    assert await link.apply("sim-1", _change(1))
    link.lost("a failover to a replica in sync")
    await until(lambda: _healthy(link), within=5)
    assert link.histories_lost == 0 and link.generation == 1
    assert await hub.epoch() == before
    assert await link.apply("sim-1", _change(2))


async def _healthy(link: StoreLink) -> bool:
    return link.healthy
