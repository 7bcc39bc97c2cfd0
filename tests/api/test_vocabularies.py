"""Kubernetes' fixed vocabularies are enums in the schema, so clients switch on them safely:
an event's type, a container's state, a workload's update strategy."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio
import redis.asyncio as redis

from gateway.redis_server import EmbeddedRedis
from tests.api.harness import RunningGateway, publish, running_gateway
from tests.status import objects as o
from tests.store.test_mirror import fleet_mirror, web_pod

QUERY = """{
  workload(cluster: "sim-1", kind: DEPLOYMENT, namespace: "shop", name: "web") {
    ... on Deployment { strategy }
    pods { name containers { state reason } events { type reason } }
  }
  __type(name: "EventType") { enumValues { name } }
}"""


@pytest_asyncio.fixture
async def gw(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> AsyncIterator[RunningGateway]:
    mirror = fleet_mirror()
    mirror.apply("Pod", "MODIFIED", web_pod(0, statuses=[o.crash_loop("web")]))
    mirror.apply("Event", "ADDED", o.event("web-7d9f8b6c5d-p0", "BackOff", "Back-off restarting"))
    await publish(redis_client, mirror)
    async with running_gateway(redis_server.url) as running:
        yield running


async def test_event_types_container_states_and_strategies_are_enums(gw: RunningGateway) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        body = (await http.post(gw.graphql, json={"query": QUERY})).json()
    assert "errors" not in body, body
    workload = body["data"]["workload"]
    assert workload["strategy"] == "ROLLING_UPDATE"
    pods = {p["name"]: p for p in workload["pods"]}
    crashing = pods["web-7d9f8b6c5d-p0"]
    assert crashing["containers"] == [{"state": "WAITING", "reason": "CrashLoopBackOff"}]
    assert crashing["events"] == [{"type": "WARNING", "reason": "BackOff"}]
    assert pods["web-7d9f8b6c5d-p1"]["containers"][0]["state"] == "RUNNING"
    assert {v["name"] for v in body["data"]["__type"]["enumValues"]} == {"NORMAL", "WARNING"}
