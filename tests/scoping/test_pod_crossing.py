"""The pods connection, the standalone counts and podStatusChanged hold the tenants' line too."""

from __future__ import annotations

from typing import Any

import pytest
import redis.asyncio as redis

from gateway.watch.mirror import ClusterMirror
from tests.api.harness import RunningGateway, flush
from tests.api.test_subscriptions import settle
from tests.api.wsclient import transport_ws
from tests.scoping.tenants import TOKENS, ask, fill
from tests.scoping.test_crossing import places
from tests.status import objects as o

PODS = """query ($filter: PodFilter, $first: Int, $after: String) {
  pods(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { endCursor } nodes { cluster namespace name owner }
  }
}"""

POD_CHANGES = """subscription ($filter: PodFilter, $after: String, $snapshot: Boolean) {
  podStatusChanged(filter: $filter, after: $after, snapshot: $snapshot) {
    type cursor cluster namespace name reason pod { owner }
  }
}"""


def trainer(namespace: str, *, crashing: bool = False) -> dict[str, Any]:
    statuses = [o.crash_loop("web")] if crashing else None
    return o.standalone_pod("gpu-trainer", namespace=namespace, statuses=statuses)


@pytest.fixture
async def mirrors(redis_client: redis.Redis) -> dict[str, ClusterMirror]:
    """The tenants' fleet, and a standalone gpu-trainer pod in each namespace of it."""
    found = await fill(redis_client)
    for mirror, namespaces in ((found["sim-1"], ["shop", "billing"]), (found["sim-2"], ["shop"])):
        for namespace in namespaces:
            mirror.apply("Pod", "ADDED", trainer(namespace))
        await flush(redis_client, mirror)
    return found


async def pods_of(gw: RunningGateway, who: str, **variables: Any) -> dict[str, Any]:
    body: dict[str, Any] = (await ask(gw.graphql, PODS, TOKENS[who], variables)).json()
    return body


async def test_pages_hold_only_the_callers_namespaces(gw: RunningGateway) -> None:
    alice = await pods_of(gw, "alice")
    assert places(alice) == {("sim-1", "shop")}
    assert alice["data"]["pods"]["totalCount"] == 3
    bob = await pods_of(gw, "bob", filter={"standalone": True})
    assert places(bob) == {("sim-1", "billing")}
    assert bob["data"]["pods"]["totalCount"] == 1
    admin = await pods_of(gw, "admin", filter={"standalone": True})
    assert places(admin) == {("sim-1", "shop"), ("sim-1", "billing"), ("sim-2", "shop")}
    # The bot sees Deployments only: their pods, and the pods of no workload beside them.
    bot = await pods_of(gw, "bot")
    assert places(bot) == {("sim-1", "shop"), ("sim-2", "shop")}
    assert bot["data"]["pods"]["totalCount"] == 6


async def test_filters_and_cursors_naming_other_tenants_find_nothing(gw: RunningGateway) -> None:
    other = await pods_of(gw, "alice", filter={"namespaces": ["billing"]})
    assert other["data"]["pods"]["totalCount"] == 0
    by_node = await pods_of(gw, "alice", filter={"nodes": ["worker-1"], "standalone": True})
    assert places(by_node) == {("sim-1", "shop")}
    cluster = await pods_of(gw, "alice", filter={"clusters": ["sim-2"]})
    assert cluster["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # A cursor taken by the admin just before billing's pods: alice still sees only hers.
    admin = await pods_of(gw, "admin", first=1)
    after = admin["data"]["pods"]["pageInfo"]["endCursor"]
    alice = await pods_of(gw, "alice", after=after)
    assert places(alice) <= {("sim-1", "shop")}
    direct = await ask(
        gw.graphql,
        '{ pod(cluster: "sim-1", namespace: "billing", name: "gpu-trainer") { name } }',
        TOKENS["alice"],
    )
    assert direct.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_summaries_count_only_the_callers_standalone_pods(gw: RunningGateway) -> None:
    query = "{ statusSummary(filter: {kinds: [POD]}) { total byKind { kind status count } } }"
    alice = (await ask(gw.graphql, query, TOKENS["alice"])).json()
    assert alice["data"]["statusSummary"] == {
        "total": 1,
        "byKind": [{"kind": "POD", "status": "RUNNING", "count": 1}],
    }
    named = (
        await ask(
            gw.graphql,
            '{ statusSummary(filter: {kinds: [POD], nameContains: "gpu"}) { total } }',
            TOKENS["bob"],
        )
    ).json()
    assert named["data"]["statusSummary"]["total"] == 1


async def test_pod_changes_reach_only_the_tenant_who_may_see_them(
    gw: RunningGateway, mirrors: dict[str, ClusterMirror], redis_client: redis.Redis
) -> None:
    sim1 = mirrors["sim-1"]
    standalone = {"filter": {"standalone": True}}
    async with (
        transport_ws(gw.websocket, {"authToken": TOKENS["alice"]}) as alice,
        transport_ws(gw.websocket, {"authToken": TOKENS["bob"]}) as bob,
    ):
        alices = await alice.subscribe(POD_CHANGES, {**standalone, "snapshot": True})
        first = (await alice.next_payload(alices))["data"]["podStatusChanged"]
        assert (first["type"], first["namespace"], first["name"]) == (
            "SNAPSHOT",
            "shop",
            "gpu-trainer",
        )
        end = (await alice.next_payload(alices))["data"]["podStatusChanged"]
        assert end["type"] == "SNAPSHOT_END"
        bobs = await bob.subscribe(POD_CHANGES, standalone)
        await settle()
        sim1.apply("Pod", "MODIFIED", trainer("billing", crashing=True))
        await flush(redis_client, sim1)
        seen_by_bob = (await bob.next_payload(bobs))["data"]["podStatusChanged"]
        assert (seen_by_bob["namespace"], seen_by_bob["reason"]) == ("billing", "CrashLoopBackOff")
        sim1.apply("Pod", "MODIFIED", trainer("shop", crashing=True))
        await flush(redis_client, sim1)
        seen_by_alice = (await alice.next_payload(alices))["data"]["podStatusChanged"]
        assert (seen_by_alice["namespace"], seen_by_alice["pod"]) == ("shop", {"owner": None})
    async with transport_ws(gw.websocket, {"authToken": TOKENS["alice"]}) as alice:
        replay = await alice.subscribe(POD_CHANGES, {**standalone, "after": seen_by_bob["cursor"]})
        again = (await alice.next_payload(replay))["data"]["podStatusChanged"]
    assert (again["namespace"], again["type"]) == ("shop", "CHANGED")
