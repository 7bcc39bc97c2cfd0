"""Answers shared by subscribers of one view never reach a subscriber of another.

Subscribers with the same document and the same visibility are handed one change object,
one answer and one serialisation per feed entry (schema/sharedresults.py). These tests
subscribe tenants whose views differ with one document, at the same cursor, and check
that each gets what its own view makes of the entry, and that the groups stayed apart.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis.asyncio as redis

from gateway.store import feed
from gateway.store.changes import FeedEntry
from gateway.store.keys import Keys
from gateway.watch.mirror import ClusterMirror
from schema.sharedresults import SHARED
from tests.api.harness import RunningGateway, flush
from tests.api.test_subscriptions import CHANGES, settle
from tests.api.wsclient import TransportWs, transport_ws
from tests.scoping.tenants import TOKENS, fill
from tests.scoping.test_crossing import web_pod_in

REACHABILITY = "subscription { clusterReachabilityChanged { cursor cluster reachable error } }"
RAW_ERROR = "dial tcp 10.0.0.12:6443: i/o timeout"


@pytest.fixture
async def mirrors(redis_client: redis.Redis) -> dict[str, ClusterMirror]:
    return await fill(redis_client)


def credential(who: str) -> dict[str, Any]:
    return {"authToken": TOKENS[who]}


async def reachability_of(ws: TransportWs, operation: str) -> dict[str, Any]:
    change: dict[str, Any] = (await ws.next_payload(operation))["data"][
        "clusterReachabilityChanged"
    ]
    return change


async def test_one_entry_at_one_cursor_is_answered_per_view(
    gw: RunningGateway, redis_client: redis.Redis
) -> None:
    """The reachability feed tells both tenants and operators the same cursor, so only the
    view tells their groups apart: a shared answer that crossed it would give a tenant
    the API server's raw error, or an operator the tenant's sentence."""
    SHARED.clear()
    async with (
        transport_ws(gw.websocket, credential("alice")) as alice,
        transport_ws(gw.websocket, credential("alice")) as alice_again,
        transport_ws(gw.websocket, credential("admin")) as admin,
    ):
        subscribed = [(ws, await ws.subscribe(REACHABILITY)) for ws in (alice, alice_again, admin)]
        await settle()
        entry = FeedEntry(
            "clusters",
            {"cluster": "sim-1", "reachable": "false", "error": RAW_ERROR, "time": ""},
        )
        await redis_client.xadd(Keys().cluster_feed, dict(feed.encode(entry)))  # type: ignore[arg-type]
        seen = [await reachability_of(ws, operation) for ws, operation in subscribed]
    alices, alices_again, admins = seen
    assert alices == alices_again
    assert alices["error"] == "the API server is not answering"
    assert admins["error"] == RAW_ERROR
    assert alices["cursor"] == admins["cursor"]
    kept = [key for key in SHARED._by_key if key[0] == "clusters"]  # type: ignore[index]
    assert len(kept) == 2, "one change object per view, the two alices sharing theirs"


async def test_a_workload_seen_by_one_tenant_reaches_only_that_tenants_group(
    gw: RunningGateway, mirrors: dict[str, ClusterMirror], redis_client: redis.Redis
) -> None:
    sim1 = mirrors["sim-1"]
    async with (
        transport_ws(gw.websocket, credential("alice")) as alice,
        transport_ws(gw.websocket, credential("alice")) as alice_again,
        transport_ws(gw.websocket, credential("bob")) as bob,
        transport_ws(gw.websocket, credential("bob")) as bob_again,
    ):
        alices = [(ws, await ws.subscribe(CHANGES)) for ws in (alice, alice_again)]
        bobs = [(ws, await ws.subscribe(CHANGES)) for ws in (bob, bob_again)]
        await settle()
        sim1.apply("Pod", "MODIFIED", web_pod_in("billing", crashing=True))
        await flush(redis_client, sim1)
        billing = [(await ws.next_payload(op))["data"] for ws, op in bobs]
        sim1.apply("Pod", "MODIFIED", web_pod_in("shop", crashing=True))
        await flush(redis_client, sim1)
        shop = [(await ws.next_payload(op))["data"] for ws, op in alices]
        quiet = [asyncio.create_task(ws.next_payload(op, seconds=1)) for ws, op in bobs]
        for waiting in quiet:
            with pytest.raises(TimeoutError):
                await waiting
    assert billing[0] == billing[1]
    assert billing[0]["workloadStatusChanged"]["namespace"] == "billing"
    assert shop[0] == shop[1]
    assert shop[0]["workloadStatusChanged"]["namespace"] == "shop"
