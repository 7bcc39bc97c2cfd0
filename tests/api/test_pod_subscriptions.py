"""podStatusChanged over WebSockets: standalone pods' snapshots, changes, recoveries, adoption."""

from __future__ import annotations

from typing import Any

import redis.asyncio as redis

from gateway.redis_server import EmbeddedRedis
from schema.context import Limits
from tests.api.harness import flush, publish, running_gateway
from tests.api.test_subscriptions import settle
from tests.api.wsclient import TransportWs, transport_ws
from tests.status import objects as o
from tests.store.test_mirror import fleet_mirror

CHANGES = """subscription ($filter: PodFilter, $after: String, $snapshot: Boolean) {
  podStatusChanged(filter: $filter, after: $after, snapshot: $snapshot) {
    type cursor podId name oldPhase newPhase oldIssue newIssue oldReason reason
    pod { owner displayReason abnormal }
  }
}"""


def trainer(**changes: Any) -> dict[str, Any]:
    return o.standalone_pod("gpu-trainer", labels={"run": "gpu-trainer", "team": "ml"}, **changes)


async def change(ws: TransportWs, operation: str) -> dict[str, Any]:
    found: dict[str, Any] = (await ws.next_payload(operation))["data"]["podStatusChanged"]
    return found


async def test_snapshot_then_trouble_then_recovery_of_a_standalone_pod(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    mirror = fleet_mirror()
    mirror.apply("Pod", "ADDED", trainer())
    await publish(redis_client, mirror)
    async with running_gateway(redis_server.url) as gw, transport_ws(gw.websocket) as ws:
        everything = await ws.subscribe(CHANGES, {"filter": {"standalone": True}, "snapshot": True})
        snapshot = await change(ws, everything)
        assert (snapshot["type"], snapshot["name"], snapshot["pod"]["owner"]) == (
            "SNAPSHOT",
            "gpu-trainer",
            None,
        )
        end = await change(ws, everything)
        assert (end["type"], end["podId"]) == ("SNAPSHOT_END", None)
        # From the snapshot's end: what happens from now on is replayed if need be.
        troubles = await ws.subscribe(
            CHANGES,
            {"filter": {"abnormal": True, "labelSelector": "team=ml"}, "after": end["cursor"]},
        )
        mirror.apply("Pod", "MODIFIED", trainer(statuses=[o.crash_loop("web")]))
        await flush(redis_client, mirror)
        mirror.apply("Pod", "MODIFIED", trainer())
        await flush(redis_client, mirror)
        arrived: dict[str, list[dict[str, Any]]] = {everything: [], troubles: []}
        while sum(map(len, arrived.values())) < 4:
            message = await ws.receive()
            if message["type"] == "next":
                arrived[message["id"]].append(message["payload"]["data"]["podStatusChanged"])
    seen = arrived[troubles]
    assert [(c["oldIssue"], c["newIssue"], c["reason"]) for c in seen] == [
        (None, "CONTAINER_ERROR", "CrashLoopBackOff"),
        ("CONTAINER_ERROR", None, "Running"),
    ]
    assert seen[0]["podId"] == snapshot["podId"]
    assert [c["cursor"] for c in arrived[everything]] == [c["cursor"] for c in seen]


async def test_a_pod_adopted_by_a_workload_leaves_the_standalone_feed(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    """An ownerless pod that a Deployment's selector matches belongs to it from then on."""
    mirror = fleet_mirror()
    loose = o.standalone_pod("web-loose", labels={"app": "web"})
    mirror.apply("Pod", "ADDED", o.standalone_pod("web-loose", labels={"app": "stray"}))
    await publish(redis_client, mirror)
    async with running_gateway(redis_server.url) as gw, transport_ws(gw.websocket) as ws:
        operation = await ws.subscribe(CHANGES, {"filter": {"standalone": True}})
        await settle()
        mirror.apply("Pod", "MODIFIED", loose)
        await flush(redis_client, mirror)
        adopted = await change(ws, operation)
    assert (adopted["type"], adopted["name"], adopted["pod"]["owner"]) == (
        "CHANGED",
        "web-loose",
        "Deployment/shop/web",
    )


async def test_bad_requests_are_refused_whole(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    mirror = fleet_mirror()
    await publish(redis_client, mirror)
    limits = Limits(snapshot_max=2)
    async with (
        running_gateway(redis_server.url, limits=limits) as gw,
        transport_ws(gw.websocket) as ws,
    ):
        cases: list[tuple[dict[str, Any], str]] = [
            ({"after": "x", "snapshot": True}, "either after"),
            ({"snapshot": True}, "at most 2"),
            ({"filter": {"labelSelector": "=nope"}}, "invalid labelSelector"),
            ({"after": "not-a-cursor"}, "invalid cursor"),
        ]
        for variables, said in cases:
            operation = await ws.subscribe(CHANGES, variables)
            payload = await ws.next_payload(operation)
            [error] = payload["errors"]
            assert error["extensions"]["code"] == "BAD_USER_INPUT", (variables, error)
            assert said in error["message"], (variables, error)
