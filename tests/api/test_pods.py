"""The pods connection and the standalone pods in statusSummary, over HTTP against the real app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as redis

from gateway.redis_server import EmbeddedRedis
from gateway.watch.mirror import ClusterMirror
from tests.api.harness import RunningGateway, publish, running_gateway
from tests.api.test_queries import ask
from tests.status import objects as o
from tests.store.test_mirror import fleet_mirror, web_pod

PAGE = """query ($filter: PodFilter, $first: Int, $after: String, $last: Int, $before: String,
               $orderBy: PodOrder) {
  pods(filter: $filter, first: $first, after: $after, last: $last, before: $before,
       orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { cluster namespace name owner phase displayReason abnormal issue } }
  }
}"""


def standalone_pods() -> list[dict[str, Any]]:
    """kubectl-run pods: one crash-looping, one unschedulable, one done, one fine."""
    return [
        o.standalone_pod("gpu-trainer", node="worker-2", statuses=[o.crash_loop("web")]),
        o.standalone_pod(
            "batch-probe",
            node=None,
            phase="Pending",
            minutes_ago=30,
            conditions=[o.condition("PodScheduled", "False", 29, "Unschedulable", "0/3 fit.")],
        ),
        o.standalone_pod(
            "migrate-db",
            node="worker-1",
            phase="Succeeded",
            statuses=[o.terminated("web", 0, "Completed")],
        ),
        o.standalone_pod("debug-shell", node="worker-3", labels={"run": "debug", "team": "sre"}),
    ]


def second_cluster() -> ClusterMirror:
    mirror = ClusterMirror("sim-2", lambda: o.NOW)
    mirror.replace("Node", [o.node("worker-1")])
    mirror.replace("Pod", [o.standalone_pod("gpu-trainer", node="worker-1")])
    return mirror


@pytest.fixture
async def gw(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> AsyncIterator[RunningGateway]:
    mirror = fleet_mirror()
    mirror.apply("Pod", "MODIFIED", web_pod(1, statuses=[o.crash_loop("web")]))
    for pod in standalone_pods():
        mirror.apply("Pod", "ADDED", pod)
    await publish(redis_client, mirror)
    await publish(redis_client, second_cluster())
    async with running_gateway(redis_server.url, max_page=50) as running:
        yield running


async def page(gw: RunningGateway, **variables: Any) -> dict[str, Any]:
    body = await ask(gw.graphql, PAGE, variables)
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"]["pods"]
    return found


def names(found: dict[str, Any]) -> list[str]:
    return [f"{e['node']['cluster']}/{e['node']['name']}" for e in found["edges"]]


async def test_abnormal_standalone_pods_across_clusters(gw: RunningGateway) -> None:
    found = await page(gw, filter={"standalone": True, "abnormal": True})
    assert found["totalCount"] == 2
    nodes = [e["node"] for e in found["edges"]]
    assert [(n["name"], n["owner"], n["displayReason"], n["issue"]) for n in nodes] == [
        ("batch-probe", None, "Pending", "UNSCHEDULABLE"),
        ("gpu-trainer", None, "CrashLoopBackOff", "CONTAINER_ERROR"),
    ]
    everywhere = await page(gw, filter={"standalone": True})
    assert names(everywhere) == [
        "sim-1/batch-probe",
        "sim-1/debug-shell",
        "sim-1/gpu-trainer",
        "sim-2/gpu-trainer",
        "sim-1/migrate-db",
    ]


async def test_a_clusters_pods_are_its_own(gw: RunningGateway) -> None:
    body = await ask(
        gw.graphql,
        """{ cluster(name: "sim-2") {
             pods(filter: {standalone: true}) { totalCount nodes { cluster name } }
             elsewhere: pods(filter: {clusters: ["sim-1"]}) { totalCount pageInfo { endCursor } }
           } }""",
    )
    assert "errors" not in body, body
    found = body["data"]["cluster"]
    assert found["pods"] == {
        "totalCount": 1,
        "nodes": [{"cluster": "sim-2", "name": "gpu-trainer"}],
    }
    assert found["elsewhere"] == {"totalCount": 0, "pageInfo": {"endCursor": None}}


async def test_each_filter_narrows_as_it_says(gw: RunningGateway) -> None:
    async def total(**given: Any) -> list[str]:
        return names(await page(gw, filter=given))

    assert await total(phases=["SUCCEEDED"]) == ["sim-1/migrate-db"]
    assert await total(reasons=["CrashLoopBackOff"]) == [
        "sim-1/gpu-trainer",
        "sim-1/web-7d9f8b6c5d-p1",
    ]
    assert await total(reasons=["Completed", "Pending"]) == [
        "sim-1/batch-probe",
        "sim-1/migrate-db",
    ]
    assert await total(nodes=["worker-2"], clusters=["sim-1"]) == [
        "sim-1/gpu-trainer",
        "sim-1/web-7d9f8b6c5d-p1",
    ]
    assert await total(standalone=False, abnormal=False) == [
        "sim-1/web-7d9f8b6c5d-p0",
        "sim-1/web-7d9f8b6c5d-p2",
    ]
    assert await total(labelSelector="team in (sre,ml)") == ["sim-1/debug-shell"]
    assert await total(nameContains="TRAIN", clusters=["sim-2"]) == ["sim-2/gpu-trainer"]
    assert await total(workload="Deployment/shop/web", abnormal=True) == ["sim-1/web-7d9f8b6c5d-p1"]
    assert await total(namespaces=["billing"]) == []


async def test_pages_forward_and_backward_cover_the_whole_order_once(gw: RunningGateway) -> None:
    whole = names(await page(gw, first=50))
    assert len(whole) == 8
    for order in ({"field": "NAME"}, {"field": "SINCE", "direction": "DESC"}):
        expected = names(await page(gw, first=50, orderBy=order))
        assert sorted(expected) == sorted(whole)
        forward: list[str] = []
        after = None
        while True:
            part = await page(gw, first=3, after=after, orderBy=order)
            forward += names(part)
            assert part["totalCount"] == 8
            assert part["pageInfo"]["hasPreviousPage"] == (after is not None)
            if not part["pageInfo"]["hasNextPage"]:
                break
            after = part["pageInfo"]["endCursor"]
        assert forward == expected
        backward: list[str] = []
        before = None
        while True:
            part = await page(gw, last=3, before=before, orderBy=order)
            backward = names(part) + backward
            if not part["pageInfo"]["hasPreviousPage"]:
                break
            before = part["pageInfo"]["startCursor"]
        assert backward == expected
    descending = names(await page(gw, first=50, orderBy={"field": "NAME", "direction": "DESC"}))
    assert descending == whole[::-1]


async def test_both_cursors_make_a_range(gw: RunningGateway) -> None:
    edges = (await page(gw, first=50))["edges"]
    part = await page(gw, after=edges[1]["cursor"], before=edges[5]["cursor"])
    assert names(part) == names({"edges": edges[2:5]})
    # Relay's HasNextPage: with first (here the default page size) set, only more than
    # first edges between the cursors make a next page; HasPreviousPage looks before after.
    assert part["pageInfo"]["hasNextPage"] is False
    assert part["pageInfo"]["hasPreviousPage"] is True
    tail = await page(gw, after=edges[1]["cursor"], before=edges[5]["cursor"], last=2)
    assert names(tail) == names({"edges": edges[3:5]})
    assert tail["pageInfo"]["hasPreviousPage"] is True
    assert tail["pageInfo"]["hasNextPage"] is True


async def test_the_summary_counts_standalone_pods_under_their_own_kind(
    gw: RunningGateway,
) -> None:
    body = await ask(
        gw.graphql,
        """{ all: statusSummary { total abnormal byKind { kind status count } }
             pods: statusSummary(filter: {kinds: [POD], clusters: ["sim-1"]}) {
               total abnormal byStatus { status count } }
             named: statusSummary(filter: {kinds: [POD], nameContains: "gpu"}) { total abnormal }
             abnormal: statusSummary(filter: {abnormal: true}) { total byKind { kind count } } }""",
    )
    assert "errors" not in body, body
    summary = body["data"]
    by_kind = {(k["kind"], k["status"]): k["count"] for k in summary["all"]["byKind"]}
    assert by_kind == {
        ("DEPLOYMENT", "NOT_READY"): 1,
        ("POD", "PENDING"): 1,
        ("POD", "RUNNING"): 3,
        ("POD", "SUCCEEDED"): 1,
    }
    assert (summary["all"]["total"], summary["all"]["abnormal"]) == (6, 3)
    assert summary["pods"] == {
        "total": 4,
        "abnormal": 2,
        "byStatus": [
            {"status": "PENDING", "count": 1},
            {"status": "RUNNING", "count": 2},
            {"status": "SUCCEEDED", "count": 1},
        ],
    }
    assert summary["named"] == {"total": 2, "abnormal": 1}
    abnormal = [(k["kind"], k["count"]) for k in summary["abnormal"]["byKind"]]
    assert sorted(abnormal) == [("DEPLOYMENT", 1), ("POD", 1), ("POD", 1)]


async def test_bad_paging_and_filters_are_the_clients_error(gw: RunningGateway) -> None:
    cursor = (await page(gw, first=1))["pageInfo"]["endCursor"]
    cases: list[tuple[dict[str, Any], str]] = [
        ({"first": 2, "last": 2}, "not both"),
        ({"first": -1}, "first must be between 0 and 50"),
        ({"last": 51}, "last must be between 0 and 50"),
        ({"after": "not-a-cursor"}, "invalid cursor"),
        ({"before": cursor, "orderBy": {"field": "SINCE"}}, "different ordering"),
        ({"filter": {"labelSelector": "a in (b"}}, "invalid labelSelector"),
        ({"filter": {"workload": "web"}}, "Kind/namespace/name"),
    ]
    for variables, said in cases:
        body = await ask(gw.graphql, PAGE, variables)
        [error] = body["errors"]
        assert error.get("extensions", {}).get("code") == "BAD_USER_INPUT", (variables, error)
        assert said in error["message"], (variables, error)
    unknown = await ask(gw.graphql, PAGE, {"filter": {"clusters": ["nowhere"]}})
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    costly = await ask(
        gw.graphql, "{ pods(last: 50) { nodes { events { message } containers { name } } } }"
    )
    assert "errors" not in costly
    # Each alias is charged 50 pods x (1 + 20 events x 2): 25 of them pass 50,000.
    aliases = " ".join(
        f"p{i}: pods(last: 50) {{ nodes {{ events {{ message }} }} }}" for i in range(25)
    )
    too_costly = await ask(gw.graphql, f"{{ {aliases} }}")
    assert too_costly["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
