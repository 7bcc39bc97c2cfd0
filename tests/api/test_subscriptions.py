"""Subscriptions over real WebSockets: live changes, resume from a cursor, snapshots, expiry."""

from __future__ import annotations

import asyncio

import httpx
import redis.asyncio as redis

from gateway.redis_server import EmbeddedRedis
from gateway.store.keys import Keys
from gateway.store.writer import StoreWriter
from tests.api.harness import flush, publish, running_gateway
from tests.api.wsclient import transport_ws
from tests.status import objects as o
from tests.store.test_mirror import fleet_mirror, web_pod

CHANGES = """subscription ($after: String, $snapshot: Boolean, $filter: WorkloadFilter) {
  workloadStatusChanged(after: $after, snapshot: $snapshot, filter: $filter) {
    type cursor cluster kind namespace name oldStatus newStatus reason message
    workload { statusLabel counts { ready } }
  }
}"""


async def settle() -> None:
    """Give the hub's blocking read a moment to register a new subscriber's stream position."""
    await asyncio.sleep(0.2)


async def test_live_change_then_resume_from_cursor(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    mirror = fleet_mirror()
    await publish(redis_client, mirror)
    async with running_gateway(redis_server.url) as gw:
        async with transport_ws(gw.websocket) as ws:
            operation = await ws.subscribe(CHANGES)
            await settle()
            mirror.apply("Pod", "MODIFIED", web_pod(1, statuses=[o.crash_loop("web")]))
            await flush(redis_client, mirror)
            change = (await ws.next_payload(operation))["data"]["workloadStatusChanged"]
            assert (change["type"], change["oldStatus"], change["newStatus"]) == (
                "CHANGED",
                "RUNNING",
                "NOT_READY",
            )
            assert change["reason"] == "CrashLoopBackOff"
            assert "web-7d9f8b6c5d-p1" in change["message"]
            assert change["workload"]["statusLabel"] == "Not Ready"
            cursor = change["cursor"]

        mirror.apply("Pod", "MODIFIED", web_pod(1))
        await flush(redis_client, mirror)
        mirror.apply("Node", "MODIFIED", o.node("worker-3", ready="False"))
        await flush(redis_client, mirror)

        async with transport_ws(gw.websocket) as ws:
            operation = await ws.subscribe(CHANGES, {"after": cursor})
            first = (await ws.next_payload(operation))["data"]["workloadStatusChanged"]
            second = (await ws.next_payload(operation))["data"]["workloadStatusChanged"]
    assert (first["oldStatus"], first["newStatus"]) == ("NOT_READY", "RUNNING")
    assert (second["oldStatus"], second["newStatus"]) == ("RUNNING", "EXCEPTION")
    assert second["reason"] == "NodeNotReady"


async def test_feed_cursor_resumes_before_any_change_was_seen(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    """A client that never received a change still resumes without a gap from feedCursor."""
    mirror = fleet_mirror()
    await publish(redis_client, mirror)
    async with running_gateway(redis_server.url) as gw:
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.post(gw.graphql, json={"query": "{ feedCursor(feed: WORKLOADS) }"})
        cursor = answer.json()["data"]["feedCursor"]
        mirror.apply("Pod", "MODIFIED", web_pod(1, statuses=[o.crash_loop("web")]))
        await flush(redis_client, mirror)
        mirror.apply("Pod", "MODIFIED", web_pod(1))
        await flush(redis_client, mirror)
        async with transport_ws(gw.websocket) as ws:
            operation = await ws.subscribe(CHANGES, {"after": cursor})
            first = (await ws.next_payload(operation))["data"]["workloadStatusChanged"]
            second = (await ws.next_payload(operation))["data"]["workloadStatusChanged"]
    assert (first["oldStatus"], first["newStatus"]) == ("RUNNING", "NOT_READY")
    assert (second["oldStatus"], second["newStatus"]) == ("NOT_READY", "RUNNING")


OLD_NAME = """subscription ($since: String, $after: String) {
  workloadStatusChanged(since: $since, after: $after) { type newStatus }
}"""
DEPRECATED = """{ __type(name: "Subscription") { fields { name
  args(includeDeprecated: true) { name isDeprecated deprecationReason } } } }"""


async def test_since_is_after_s_deprecated_old_name(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    """Clients written before the rename still resume; the schema says which name to use."""
    mirror = fleet_mirror()
    await publish(redis_client, mirror)
    async with running_gateway(redis_server.url) as gw:
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.post(gw.graphql, json={"query": "{ feedCursor(feed: WORKLOADS) }"})
            described = (await http.post(gw.graphql, json={"query": DEPRECATED})).json()
        cursor = answer.json()["data"]["feedCursor"]
        mirror.apply("Pod", "MODIFIED", web_pod(1, statuses=[o.crash_loop("web")]))
        await flush(redis_client, mirror)
        async with transport_ws(gw.websocket) as ws:
            old = await ws.subscribe(OLD_NAME, {"since": cursor})
            change = (await ws.next_payload(old))["data"]["workloadStatusChanged"]
            both = await ws.subscribe(OLD_NAME, {"since": cursor, "after": "another"})
            refused = await ws.next_payload(both)
    assert change["newStatus"] == "NOT_READY"
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    for field in described["data"]["__type"]["fields"]:
        args = {a["name"]: a for a in field["args"]}
        assert args["since"]["isDeprecated"], field["name"]
        assert "Use `after`" in args["since"]["deprecationReason"]
        assert not args["after"]["isDeprecated"]


async def test_snapshot_first_then_live(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    mirror = fleet_mirror()
    mirror.replace("Deployment", [o.deployment(), o.deployment("api", replicas=2, ready=1)])
    await publish(redis_client, mirror)
    async with running_gateway(redis_server.url) as gw, transport_ws(gw.websocket) as ws:
        operation = await ws.subscribe(CHANGES, {"snapshot": True})
        snapshot = [
            (await ws.next_payload(operation))["data"]["workloadStatusChanged"] for _ in range(2)
        ]
        assert [(c["type"], c["name"], c["newStatus"]) for c in snapshot] == [
            ("SNAPSHOT", "api", "WAITING"),
            ("SNAPSHOT", "web", "RUNNING"),
        ]
        end = (await ws.next_payload(operation))["data"]["workloadStatusChanged"]
        assert (end["type"], end["kind"], end["workload"]) == ("SNAPSHOT_END", None, None)
        assert end["cursor"] == snapshot[-1]["cursor"]
        await settle()
        mirror.replace("Deployment", [o.deployment()])
        await flush(redis_client, mirror)
        deleted = (await ws.next_payload(operation))["data"]["workloadStatusChanged"]
    assert (deleted["type"], deleted["name"], deleted["oldStatus"]) == ("DELETED", "api", "WAITING")
    assert deleted["workload"] is None


async def test_an_empty_snapshot_still_says_it_is_complete(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    """A console waiting for the end of the snapshot must not wait forever for nothing."""
    mirror = fleet_mirror()
    await publish(redis_client, mirror)
    async with running_gateway(redis_server.url) as gw, transport_ws(gw.websocket) as ws:
        operation = await ws.subscribe(
            CHANGES, {"snapshot": True, "filter": {"namespaces": ["nobody-here"]}}
        )
        end = (await ws.next_payload(operation))["data"]["workloadStatusChanged"]
        assert end["type"] == "SNAPSHOT_END"
        await settle()
        mirror.apply("Pod", "MODIFIED", web_pod(0, statuses=[o.crash_loop("web")]))
        await flush(redis_client, mirror)
        resumed = await ws.subscribe(CHANGES, {"after": end["cursor"]})
        change = (await ws.next_payload(resumed))["data"]["workloadStatusChanged"]
    assert (change["type"], change["name"], change["newStatus"]) == ("CHANGED", "web", "NOT_READY")


async def test_filter_admits_only_matching_workloads(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    mirror = fleet_mirror()
    await publish(redis_client, mirror)
    async with running_gateway(redis_server.url) as gw, transport_ws(gw.websocket) as ws:
        operation = await ws.subscribe(CHANGES, {"filter": {"namespaces": ["other"]}})
        watched = await ws.subscribe(CHANGES, {"filter": {"abnormal": True}})
        await settle()
        mirror.apply("Pod", "MODIFIED", web_pod(0, statuses=[o.crash_loop("web")]))
        await flush(redis_client, mirror)
        change = (await ws.next_payload(watched))["data"]["workloadStatusChanged"]
        assert change["newStatus"] == "NOT_READY"
        await ws.send({"id": operation, "type": "complete"})


async def test_expired_cursor_is_refused_with_a_code(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    mirror = fleet_mirror()
    await publish(redis_client, mirror)
    async with running_gateway(redis_server.url) as gw:
        async with transport_ws(gw.websocket) as ws:
            operation = await ws.subscribe(CHANGES)
            await settle()
            mirror.apply("Pod", "MODIFIED", web_pod(0, statuses=[o.crash_loop("web")]))
            await flush(redis_client, mirror)
            cursor = (await ws.next_payload(operation))["data"]["workloadStatusChanged"]["cursor"]
        await redis_client.delete(Keys().feed_epoch)
        async with transport_ws(gw.websocket) as ws:
            operation = await ws.subscribe(CHANGES, {"after": cursor})
            refused = await ws.receive()
            ended = await ws.receive()
    assert (refused["type"], refused["id"]) == ("next", operation), refused
    [error] = refused["payload"]["errors"]
    assert error["extensions"]["code"] == "CURSOR_EXPIRED"
    assert "snapshot" in error["message"]
    assert (ended["type"], ended["id"]) == ("complete", operation)


async def test_a_cursor_older_than_a_trimmed_feed_is_refused(
    either_server: EmbeddedRedis, either_client: redis.Redis
) -> None:
    """The feed keeps ``feedLength`` entries; a subscriber resuming from before what was
    trimmed would silently miss changes, so it is told CURSOR_EXPIRED instead (Valkey 8
    leaves max-deleted-entry-id at 0-0 when MAXLEN trims, so that alone cannot say)."""
    mirror = fleet_mirror()
    await publish(either_client, mirror)
    writer = StoreWriter(either_client, Keys(), feed_length=100)
    async with running_gateway(either_server.url) as gw:
        async with transport_ws(gw.websocket) as ws:
            operation = await ws.subscribe(CHANGES)
            await settle()
            mirror.apply("Pod", "MODIFIED", web_pod(0, statuses=[o.crash_loop("web")]))
            await writer.apply(mirror.cluster, mirror.flush())
            old = (await ws.next_payload(operation))["data"]["workloadStatusChanged"]["cursor"]
            for flip in range(300):
                statuses = [o.crash_loop("web")] if flip % 2 else None
                mirror.apply(
                    "Pod", "MODIFIED", web_pod(0, **({"statuses": statuses} if statuses else {}))
                )
                await writer.apply(mirror.cluster, mirror.flush())
            recent = ""
            for _ in range(300):
                payload = await ws.next_payload(operation)
                recent = payload["data"]["workloadStatusChanged"]["cursor"]
        assert await either_client.xlen(Keys().workload_feed("sim-1")) < 301
        async with transport_ws(gw.websocket) as ws:
            refused = await ws.next_payload(await ws.subscribe(CHANGES, {"after": old}))
            resumed = await ws.subscribe(CHANGES, {"after": recent})
            await settle()
            mirror.apply("Pod", "MODIFIED", web_pod(0))
            await writer.apply(mirror.cluster, mirror.flush())
            after = (await ws.next_payload(resumed))["data"]["workloadStatusChanged"]
    [error] = refused["errors"]
    assert error["extensions"]["code"] == "CURSOR_EXPIRED"
    assert "trimmed" in error["message"] and "snapshot" in error["message"]
    assert (after["oldStatus"], after["newStatus"]) == ("NOT_READY", "RUNNING")
