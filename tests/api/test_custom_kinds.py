"""Custom workloads beside built-in ones: listed, filtered, looked up, counted and pushed.

sim-1 holds the fleet's web Deployment and, as the custom-resource watcher writes it, an
Argo Rollout ``checkout`` in shop with one pod.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
import redis.asyncio as redis

from gateway.redis_server import EmbeddedRedis
from gateway.store.records import Record
from tests.api.harness import RunningGateway, publish, running_gateway
from tests.api.test_subscriptions import settle
from tests.api.wsclient import transport_ws
from tests.custom_workloads import (
    ROLLOUT,
    ROLLOUT_KIND,
    put_workload,
    rollout,
    rollout_pod,
    watch_kinds,
)
from tests.store.test_mirror import fleet_mirror

LIST = """query ($filter: WorkloadFilter) {
  workloads(filter: $filter) {
    totalCount
    nodes {
      __typename id kind kindName apiGroup apiVersion groupKind name statusLabel
      counts { ready updated }
      ... on CustomWorkload { family }
    }
  }
}"""

CHANGES = """subscription ($filter: WorkloadFilter, $snapshot: Boolean) {
  workloadStatusChanged(filter: $filter, snapshot: $snapshot) {
    type kind groupKind kindName name newStatus workload { groupKind }
  }
}"""


@pytest_asyncio.fixture
async def gw(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> AsyncIterator[RunningGateway]:
    await publish(redis_client, fleet_mirror())
    checkout = rollout("sim-1", pods=("checkout-6f9c-a",))
    await put_workload(
        redis_client, checkout, pods=[rollout_pod("sim-1", checkout, "checkout-6f9c-a")]
    )
    await watch_kinds(redis_client, "sim-1", [ROLLOUT_KIND])
    async with running_gateway(redis_server.url) as running:
        yield running


async def ask(gw: RunningGateway, query: str, variables: dict[str, Any] | None = None) -> Any:
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.post(gw.graphql, json={"query": query, "variables": variables or {}})
    return answer.json()


async def listed(gw: RunningGateway, filter: dict[str, Any]) -> list[str]:
    body = await ask(gw, LIST, {"filter": filter})
    return [f"{n['kindName']}/{n['name']}" for n in body["data"]["workloads"]["nodes"]]


async def test_a_rollout_is_listed_beside_deployments_with_its_kind_spelled_out(
    gw: RunningGateway,
) -> None:
    body = await ask(gw, LIST)
    nodes = {n["name"]: n for n in body["data"]["workloads"]["nodes"]}
    assert body["data"]["workloads"]["totalCount"] == 2
    assert nodes["checkout"] | {"id": ""} == {
        "__typename": "CustomWorkload",
        "id": "",
        "kind": "CUSTOM",
        "kindName": "Rollout",
        "apiGroup": "argoproj.io",
        "apiVersion": "argoproj.io/v1alpha1",
        "groupKind": ROLLOUT,
        "name": "checkout",
        "statusLabel": "Running",
        "counts": {"ready": 2, "updated": None},
        "family": "LONG_RUNNING",
    }
    web = nodes["web"]
    assert (web["kind"], web["kindName"], web["apiGroup"], web["apiVersion"], web["groupKind"]) == (
        "DEPLOYMENT",
        "Deployment",
        "apps",
        "apps/v1",
        "Deployment.apps",
    )


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        ({"kinds": ["CUSTOM"]}, ["Rollout/checkout"]),
        ({"kinds": ["DEPLOYMENT"]}, ["Deployment/web"]),
        ({"kinds": ["DEPLOYMENT", "CUSTOM"]}, ["Rollout/checkout", "Deployment/web"]),
        ({"groupKinds": [ROLLOUT]}, ["Rollout/checkout"]),
        ({"groupKinds": ["Deployment.apps"]}, ["Deployment/web"]),
        ({"groupKinds": ["Deployment"]}, ["Deployment/web"]),
        ({"groupKinds": ["VirtualMachine.kubevirt.io"]}, []),
        ({"kinds": ["CUSTOM"], "groupKinds": ["Deployment"]}, []),
        ({"kinds": ["CUSTOM"], "groupKinds": [ROLLOUT]}, ["Rollout/checkout"]),
    ],
)
async def test_kinds_and_group_kinds_select(
    gw: RunningGateway, filter: dict[str, Any], expected: list[str]
) -> None:
    assert await listed(gw, filter) == expected


@pytest.mark.parametrize("value", ["Rollout", "rollout.argoproj.io", "Deployment.batch", "Job."])
async def test_a_malformed_group_kind_is_bad_input_naming_the_form(
    gw: RunningGateway, value: str
) -> None:
    body = await ask(gw, LIST, {"filter": {"groupKinds": [value]}})
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "Kind.group" in error["message"] and value in error["message"]


LOOKUP = """query ($kind: WorkloadKind, $groupKind: String) {
  workload(cluster: "sim-1", namespace: "shop", name: "checkout", kind: $kind,
           groupKind: $groupKind) { id groupKind pods { name owner } }
}"""


async def test_a_rollout_is_found_by_group_kind_and_by_its_id(gw: RunningGateway) -> None:
    found = (await ask(gw, LOOKUP, {"groupKind": ROLLOUT}))["data"]["workload"]
    assert found["pods"] == [{"name": "checkout-6f9c-a", "owner": f"{ROLLOUT}/shop/checkout"}]
    again = await ask(
        gw,
        "query ($id: ID!) { node(id: $id) { ... on Workload { groupKind } } }",
        {"id": found["id"]},
    )
    assert again["data"]["node"] == {"groupKind": ROLLOUT}


@pytest.mark.parametrize(
    "variables",
    [
        {},
        {"kind": "DEPLOYMENT", "groupKind": ROLLOUT},
        {"kind": "CUSTOM"},
        {"groupKind": "Rollout"},
    ],
)
async def test_a_lookup_names_exactly_one_kind(
    gw: RunningGateway, variables: dict[str, Any]
) -> None:
    body = await ask(gw, LOOKUP, variables)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_the_deployment_lookup_still_works_by_kind(gw: RunningGateway) -> None:
    body = await ask(
        gw,
        '{ workload(cluster: "sim-1", namespace: "shop", kind: DEPLOYMENT, name: "web") '
        "{ groupKind } }",
    )
    assert body["data"]["workload"] == {"groupKind": "Deployment.apps"}


async def test_the_summary_counts_each_custom_kind_apart(gw: RunningGateway) -> None:
    body = await ask(
        gw, "{ statusSummary { total byKind { kind groupKind kindName status count } } }"
    )
    summary = body["data"]["statusSummary"]
    assert summary["total"] == 2
    assert summary["byKind"] == [
        {
            "kind": "DEPLOYMENT",
            "groupKind": "Deployment.apps",
            "kindName": "Deployment",
            "status": "RUNNING",
            "count": 1,
        },
        {
            "kind": "CUSTOM",
            "groupKind": ROLLOUT,
            "kindName": "Rollout",
            "status": "RUNNING",
            "count": 1,
        },
    ]
    custom = await ask(gw, "{ statusSummary(filter: {kinds: [CUSTOM]}) { total } }")
    assert custom["data"]["statusSummary"]["total"] == 1


async def test_pods_are_filtered_by_a_custom_workload(gw: RunningGateway) -> None:
    query = "query ($w: String) { pods(filter: {workload: $w}) { nodes { name owner } } }"
    body = await ask(gw, query, {"w": f"{ROLLOUT}/shop/checkout"})
    assert [n["name"] for n in body["data"]["pods"]["nodes"]] == ["checkout-6f9c-a"]
    wrong = await ask(gw, query, {"w": "Rollout/shop/checkout"})
    assert wrong["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_clusters_list_the_custom_kinds_they_watch(gw: RunningGateway) -> None:
    body = await ask(
        gw,
        "{ clusters { name customKinds "
        "{ groupKind kindName group version plural namespaced family rule } } }",
    )
    assert body["data"]["clusters"] == [
        {
            "name": "sim-1",
            "customKinds": [
                {
                    "groupKind": ROLLOUT,
                    "kindName": "Rollout",
                    "group": "argoproj.io",
                    "version": "v1alpha1",
                    "plural": "rollouts",
                    "namespaced": True,
                    "family": "LONG_RUNNING",
                    "rule": "argoproj.io/Rollout",
                }
            ],
        }
    ]


async def test_a_rollout_change_is_pushed_with_its_group_kind(
    gw: RunningGateway, redis_client: redis.Redis
) -> None:
    before: Record = rollout("sim-1")
    async with transport_ws(gw.websocket) as ws:
        operation = await ws.subscribe(
            CHANGES, {"filter": {"groupKinds": [ROLLOUT]}, "snapshot": True}
        )
        snapshot = (await ws.next_payload(operation))["data"]["workloadStatusChanged"]
        end = (await ws.next_payload(operation))["data"]["workloadStatusChanged"]
        await settle()
        await put_workload(
            redis_client, rollout("sim-1", status="Not Ready", reason="Degraded"), before
        )
        change = (await ws.next_payload(operation))["data"]["workloadStatusChanged"]
    assert snapshot == {
        "type": "SNAPSHOT",
        "kind": "CUSTOM",
        "groupKind": ROLLOUT,
        "kindName": "Rollout",
        "name": "checkout",
        "newStatus": "RUNNING",
        "workload": {"groupKind": ROLLOUT},
    }
    assert end["type"] == "SNAPSHOT_END" and end["groupKind"] is None
    assert (change["type"], change["groupKind"], change["newStatus"]) == (
        "CHANGED",
        ROLLOUT,
        "NOT_READY",
    )


async def test_the_list_of_a_custom_kind_hears_of_its_changes(
    gw: RunningGateway, redis_client: redis.Redis
) -> None:
    listing = """subscription ($filter: WorkloadFilter) {
      workloadListChanged(filter: $filter, debounceMs: 100) {
        changes totalCount summary { byKind { groupKind status count } }
      }
    }"""
    async with transport_ws(gw.websocket) as ws:
        operation = await ws.subscribe(listing, {"filter": {"groupKinds": [ROLLOUT]}})
        await settle()
        broken = rollout("sim-1", status="Not Ready", reason="Degraded")
        await put_workload(redis_client, broken, rollout("sim-1"))
        notice = (await ws.next_payload(operation))["data"]["workloadListChanged"]
    assert notice == {
        "changes": 1,
        "totalCount": 1,
        "summary": {"byKind": [{"groupKind": ROLLOUT, "status": "NOT_READY", "count": 1}]},
    }
