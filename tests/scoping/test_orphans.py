"""A Job's pod outlives its Job (the garbage collector deletes it after, or never with
``--cascade=orphan``): the pod must stay as hidden as it was while the Job stood.

The bot may see Deployments in shop and nothing else; the admin everything.
"""

from __future__ import annotations

from typing import Any

import pytest
import redis.asyncio as redis

from gateway.watch.mirror import ClusterMirror
from tests.api.harness import RunningGateway, flush, publish
from tests.api.test_subscriptions import settle
from tests.api.wsclient import transport_ws
from tests.scoping.tenants import TOKENS, ask, cluster_mirror, fill
from tests.scoping.test_pod_crossing import POD_CHANGES
from tests.status import objects as o

MIGRATE_POD = "migrate-x7k2p"

LOOKUP = """query ($name: String!) {
  pod(cluster: "sim-1", namespace: "shop", name: $name) { name owner events { reason } }
}"""

POD_NAMES = """{ pods(filter: {namespaces: ["shop"], clusters: ["sim-1"]}) {
  totalCount nodes { name owner } } }"""

STANDALONE_COUNT = "{ statusSummary(filter: {kinds: [POD]}) { total } }"


def migrate_job() -> dict[str, Any]:
    return o.job("migrate", namespace="shop", active=1)


def migrate_pod(*, owned: bool = True, crashing: bool = False) -> dict[str, Any]:
    pod = o.pod(
        MIGRATE_POD,
        namespace="shop",
        owned_by=o.owner("Job", "migrate"),
        labels={"batch.kubernetes.io/job-name": "migrate"},
        statuses=[o.crash_loop("web")] if crashing else None,
    )
    if not owned:
        del pod["metadata"]["ownerReferences"]
    return pod


@pytest.fixture
async def mirrors(redis_client: redis.Redis) -> dict[str, ClusterMirror]:
    """The tenants' fleet, and in sim-1's shop a migrate Job whose pod logs a warning."""
    found = await fill(redis_client)
    sim1 = found["sim-1"]
    sim1.apply("Job", "ADDED", migrate_job())
    sim1.apply("Pod", "ADDED", migrate_pod())
    sim1.apply("Event", "ADDED", o.event(MIGRATE_POD, "BackOff", "secret db-password missing"))
    await flush(redis_client, sim1)
    return found


async def names(gw: RunningGateway, who: str) -> set[str]:
    body = (await ask(gw.graphql, POD_NAMES, TOKENS[who])).json()
    return {node["name"] for node in body["data"]["pods"]["nodes"]}


async def lookup(gw: RunningGateway, who: str) -> dict[str, Any]:
    body: dict[str, Any] = (
        await ask(gw.graphql, LOOKUP, TOKENS[who], {"name": MIGRATE_POD})
    ).json()
    return body


async def standalone_count(gw: RunningGateway, who: str) -> int:
    body = (await ask(gw.graphql, STANDALONE_COUNT, TOKENS[who])).json()
    return int(body["data"]["statusSummary"]["total"])


async def assert_hidden_from_bot(gw: RunningGateway) -> None:
    assert MIGRATE_POD not in await names(gw, "bot")
    found = await lookup(gw, "bot")
    assert found["data"] == {"pod": None}
    assert found["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert await standalone_count(gw, "bot") == 0
    standalone = (
        await ask(
            gw.graphql,
            "{ pods(filter: {standalone: true}) { totalCount nodes { name } } }",
            TOKENS["bot"],
        )
    ).json()
    assert standalone["data"]["pods"]["totalCount"] == 0


async def test_a_jobs_pod_stays_hidden_after_its_job_is_deleted(
    gw: RunningGateway, mirrors: dict[str, ClusterMirror], redis_client: redis.Redis
) -> None:
    sim1 = mirrors["sim-1"]
    await assert_hidden_from_bot(gw)
    sim1.apply("Job", "DELETED", migrate_job())
    await flush(redis_client, sim1)
    await assert_hidden_from_bot(gw)
    # The admin sees it as it is now: a pod of no workload, its events with it.
    admin = await lookup(gw, "admin")
    assert admin["data"]["pod"] == {
        "name": MIGRATE_POD,
        "owner": None,
        "events": [{"reason": "BackOff"}],
    }
    assert await standalone_count(gw, "admin") == 1
    # Orphaned for good (ownerReferences removed): still the Job's to see.
    sim1.apply("Pod", "MODIFIED", migrate_pod(owned=False))
    await flush(redis_client, sim1)
    await assert_hidden_from_bot(gw)
    assert MIGRATE_POD in await names(gw, "admin")


async def test_a_restarted_gateway_knows_the_kind_from_the_pods_reference(
    gw: RunningGateway, redis_client: redis.Redis
) -> None:
    """No memory of the Job: the pod's controller reference still names it."""
    fresh = cluster_mirror("sim-1", ["shop", "billing"])
    fresh.replace("Pod", [*fresh_pods(), migrate_pod()])
    await publish(redis_client, fresh)
    await assert_hidden_from_bot(gw)
    assert MIGRATE_POD in await names(gw, "admin")


def fresh_pods() -> list[dict[str, Any]]:
    return [
        o.pod(f"web-7d9f8b6c5d-{i}", namespace=name, node="worker-1")
        for name in ("shop", "billing")
        for i in range(2)
    ]


async def test_an_orphans_changes_reach_only_those_who_saw_its_job(
    gw: RunningGateway, mirrors: dict[str, ClusterMirror], redis_client: redis.Redis
) -> None:
    sim1 = mirrors["sim-1"]
    sim1.apply("Job", "DELETED", migrate_job())
    await flush(redis_client, sim1)
    async with (
        transport_ws(gw.websocket, {"authToken": TOKENS["bot"]}) as bot,
        transport_ws(gw.websocket, {"authToken": TOKENS["admin"]}) as admin,
    ):
        bots = await bot.subscribe(POD_CHANGES, {"filter": {"namespaces": ["shop"]}})
        admins = await admin.subscribe(POD_CHANGES, {"filter": {"namespaces": ["shop"]}})
        await settle()
        sim1.apply("Pod", "MODIFIED", migrate_pod(crashing=True))
        await flush(redis_client, sim1)
        told = (await admin.next_payload(admins))["data"]["podStatusChanged"]
        assert (told["name"], told["reason"]) == (MIGRATE_POD, "CrashLoopBackOff")
        # Then a change the bot may see: it must be the first thing the bot hears.
        sim1.apply(
            "Pod",
            "MODIFIED",
            o.pod("web-7d9f8b6c5d-0", namespace="shop", statuses=[o.crash_loop("web")]),
        )
        await flush(redis_client, sim1)
        first = (await bot.next_payload(bots))["data"]["podStatusChanged"]
        assert first["name"] == "web-7d9f8b6c5d-0"
