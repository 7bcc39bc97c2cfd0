"""Queries over HTTP against the real app, with the cache filled by the real writer."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import redis.asyncio as redis

from gateway.redis_server import EmbeddedRedis
from tests.api.harness import publish, running_gateway
from tests.status import objects as o
from tests.store.test_mirror import fleet_mirror, web_pod


async def ask(url: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.post(url, json={"query": query, "variables": variables or {}})
    body: dict[str, Any] = answer.json()
    return body


@pytest.fixture
async def filled(redis_client: redis.Redis) -> None:
    mirror = fleet_mirror()
    mirror.replace("Deployment", [o.deployment(), o.deployment("api", replicas=2, ready=1)])
    mirror.apply("Pod", "MODIFIED", web_pod(1, statuses=[o.crash_loop("web")]))
    await publish(redis_client, mirror)


async def test_workloads_with_pods_and_counts(redis_server: EmbeddedRedis, filled: None) -> None:
    async with running_gateway(redis_server.url) as gw:
        body = await ask(
            gw.graphql,
            """{ workloads(first: 10) { totalCount edges { cursor node {
                 kind name status statusLabel reason message counts { desired ready }
                 pods { name displayReason restarts } } } } }""",
        )
    assert "errors" not in body, body
    edges = body["data"]["workloads"]["edges"]
    assert [e["node"]["name"] for e in edges] == ["api", "web"]
    web = edges[1]["node"]
    assert (web["status"], web["statusLabel"], web["reason"]) == (
        "NOT_READY",
        "Not Ready",
        "CrashLoopBackOff",
    )
    assert [p["displayReason"] for p in web["pods"]] == ["Running", "CrashLoopBackOff", "Running"]
    assert web["counts"] == {"desired": 3, "ready": 3}
