"""A tenant's cursors say nothing of changes it may not see.

alice sees shop in sim-1 (its other namespace, billing, is bob's); the bot sees
Deployments in shop on both clusters. Every change below that they may not see must
leave what they are told unmoved, and every change they may see must still reach them.
"""

from __future__ import annotations

from typing import Any

import pytest
import redis.asyncio as redis

from gateway.store.hub import CLOCK_MARGIN_MS, decode_cursor
from gateway.store.keys import Keys
from gateway.watch.mirror import ClusterMirror
from tests.api.harness import RunningGateway, flush
from tests.api.wsclient import transport_ws
from tests.scoping.tenants import TOKENS, ask, fill
from tests.status import objects as o

FEED_CURSOR = "{ feedCursor(feed: WORKLOADS) }"
CHANGES = """subscription ($after: String, $snapshot: Boolean) {
  workloadStatusChanged(after: $after, snapshot: $snapshot) {
    type cursor cluster namespace name kind
  }
}"""
KEYS = Keys("ksg")


@pytest.fixture
async def mirrors(redis_client: redis.Redis) -> dict[str, ClusterMirror]:
    return await fill(redis_client)


def broken_web(namespace: str) -> dict[str, Any]:
    return o.deployment(namespace=namespace, replicas=2, ready=0, available=0)


async def feed_end(client: redis.Redis, cluster: str) -> str:
    last: Any = await client.xrevrange(KEYS.workload_feed(cluster), count=1)
    entry_id = last[0][0]
    return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)


async def clock_ms(client: redis.Redis) -> int:
    seconds, micros = await client.time()
    return int(seconds) * 1000 + int(micros) // 1000


async def told(gw: RunningGateway, who: str) -> dict[str, str]:
    body = (await ask(gw.graphql, FEED_CURSOR, TOKENS[who])).json()
    return decode_cursor(body["data"]["feedCursor"])[1]


def milliseconds(position: str) -> int:
    return int(position.split("-", maxsplit=1)[0])


async def test_a_tenants_feed_cursor_follows_the_clock_not_its_neighbours(
    gw: RunningGateway, mirrors: dict[str, ClusterMirror], redis_client: redis.Redis
) -> None:
    sim1 = mirrors["sim-1"]
    for round_ in range(3):
        # Only billing changes: alice's position must not be where the feed now ends.
        sim1.apply(
            "Deployment",
            "MODIFIED",
            broken_web("billing")
            if round_ % 2 == 0
            else o.deployment(namespace="billing", replicas=2),
        )
        await flush(redis_client, sim1)
        before = await clock_ms(redis_client)
        position = (await told(gw, "alice"))["sim-1"]
        after = await clock_ms(redis_client)
        assert position != await feed_end(redis_client, "sim-1")
        assert position.endswith("-0")
        assert before - CLOCK_MARGIN_MS <= milliseconds(position) <= after - CLOCK_MARGIN_MS
    # The admin sees everything the feed carries: it is told the exact end.
    assert (await told(gw, "admin"))["sim-1"] == await feed_end(redis_client, "sim-1")


async def test_a_tenant_resuming_from_its_cursor_misses_nothing_it_may_see(
    gw: RunningGateway, mirrors: dict[str, ClusterMirror], redis_client: redis.Redis
) -> None:
    sim1 = mirrors["sim-1"]
    cursor = (await ask(gw.graphql, FEED_CURSOR, TOKENS["alice"])).json()["data"]["feedCursor"]
    sim1.apply("Deployment", "MODIFIED", broken_web("billing"))
    sim1.apply("Deployment", "MODIFIED", broken_web("shop"))
    await flush(redis_client, sim1)
    async with transport_ws(gw.websocket, {"authToken": TOKENS["alice"]}) as alice:
        resumed = await alice.subscribe(CHANGES, {"after": cursor})
        # Up to a second before the cursor may come again (the fill's ADDED): never billing.
        seen: list[tuple[str, str]] = []
        while ("CHANGED", "shop") not in seen:
            change = (await alice.next_payload(resumed))["data"]["workloadStatusChanged"]
            seen.append((change["type"], change["namespace"]))
    assert {namespace for _, namespace in seen} == {"shop"}
    # Its cursor now carries that change's id, which alice may know.
    assert decode_cursor(change["cursor"])[1]["sim-1"] == await feed_end(redis_client, "sim-1")


async def test_changes_it_may_not_see_do_not_move_the_cursors_it_is_handed(
    gw: RunningGateway, mirrors: dict[str, ClusterMirror], redis_client: redis.Redis
) -> None:
    sim1, sim2 = mirrors["sim-1"], mirrors["sim-2"]
    start_cursor = (await ask(gw.graphql, FEED_CURSOR, TOKENS["bot"])).json()["data"]["feedCursor"]
    start = decode_cursor(start_cursor)[1]
    # sim-2 gets a Job (the bot sees Deployments only), then sim-1's shop Deployment breaks.
    sim2.apply("Job", "ADDED", o.job("migrate", namespace="shop", active=1))
    await flush(redis_client, sim2)
    sim1.apply("Deployment", "MODIFIED", broken_web("shop"))
    await flush(redis_client, sim1)
    async with transport_ws(gw.websocket, {"authToken": TOKENS["bot"]}) as bot:
        # Replayed: the Job's entry is read, and must not reach the bot's cursor.
        replay = await bot.subscribe(CHANGES, {"after": start_cursor})
        change = (await bot.next_payload(replay))["data"]["workloadStatusChanged"]
        assert (change["cluster"], change["kind"]) == ("sim-1", "DEPLOYMENT")
        assert decode_cursor(change["cursor"])[1]["sim-2"] == start["sim-2"]
        # A snapshot's end, too, is told from the clock.
        snapshot = await bot.subscribe(CHANGES, {"snapshot": True})
        while True:
            got = (await bot.next_payload(snapshot))["data"]["workloadStatusChanged"]
            if got["type"] == "SNAPSHOT_END":
                break
        end = decode_cursor(got["cursor"])[1]
        assert end["sim-2"] != await feed_end(redis_client, "sim-2")
        assert end["sim-2"].endswith("-0")


async def test_resuming_from_a_replayed_changes_cursor_misses_no_other_cluster(
    gw: RunningGateway, mirrors: dict[str, ClusterMirror], redis_client: redis.Redis
) -> None:
    """The cursor of a change replayed in one cluster names where every other cluster's
    replay starts: a client that leaves after that change still gets the others'."""
    cursor = (await ask(gw.graphql, FEED_CURSOR, TOKENS["admin"])).json()["data"]["feedCursor"]
    for name in ("sim-1", "sim-2"):
        mirrors[name].apply("Deployment", "MODIFIED", broken_web("shop"))
        await flush(redis_client, mirrors[name])
    async with transport_ws(gw.websocket, {"authToken": TOKENS["admin"]}) as admin:
        first = await admin.subscribe(CHANGES, {"after": cursor})
        change = (await admin.next_payload(first))["data"]["workloadStatusChanged"]
    assert change["cluster"] == "sim-1"
    async with transport_ws(gw.websocket, {"authToken": TOKENS["admin"]}) as admin:
        again = await admin.subscribe(CHANGES, {"after": change["cursor"]})
        other = (await admin.next_payload(again))["data"]["workloadStatusChanged"]
    assert (other["cluster"], other["namespace"]) == ("sim-2", "shop")
