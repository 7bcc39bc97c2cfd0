"""Pod.logs through GraphQL: the one field that asks the API server, bounded and plain."""

from __future__ import annotations

from typing import Any

import httpx

from gateway.clusters import from_kubeconfig
from gateway.redis_server import EmbeddedRedis
from simcluster.fleet import SimulatedFleet
from tests.api.harness import running_gateway
from tests.simcluster.objects import behaviour, pod
from tests.watch.conftest import until

LOGS = """query ($name: String!, $tail: Int!, $previous: Boolean!) {
  pod(cluster: "sim-1", namespace: "default", name: $name) {
    name displayReason logs(tailLines: $tail, previous: $previous)
  }
}"""


async def ask(url: str, name: str, tail: int = 5, previous: bool = False) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=20) as http:
        answer = await http.post(
            url,
            json={"query": LOGS, "variables": {"name": name, "tail": tail, "previous": previous}},
        )
    body: dict[str, Any] = answer.json()
    return body


async def test_logs_of_running_crashing_and_unscheduled_pods(
    fleet: SimulatedFleet, redis_server: EmbeddedRedis
) -> None:
    cluster = fleet["sim-1"]
    cluster.create(pod("web", behaviour(log_format="json")))
    cluster.create(pod("crashy", behaviour(behavior="crash-loop")))
    cluster.create(pod("nowhere", behaviour(behavior="unschedulable")))
    sources = from_kubeconfig(fleet.kubeconfig)
    async with running_gateway(redis_server.url, sources) as gw:

        async def cached(name: str, reason: str) -> bool:
            body = await ask(gw.graphql, name, 1)
            found = (body.get("data") or {}).get("pod") or {}
            return bool(found.get("displayReason") == reason)

        await until(lambda: cached("web", "Running"), within=30)
        web = (await ask(gw.graphql, "web", 3))["data"]["pod"]["logs"]
        lines = web.splitlines()
        assert len(lines) == 3
        assert all(line.startswith("{") and '"level"' in line for line in lines), web

        await until(lambda: cached("crashy", "CrashLoopBackOff"), within=30)
        crashed = (await ask(gw.graphql, "crashy", 5, previous=True))["data"]["pod"]["logs"]
        assert "exiting" in crashed

        nowhere = await ask(gw.graphql, "nowhere", 5)
        assert nowhere["data"]["pod"]["logs"] == ""

        too_many = await ask(gw.graphql, "web", 5000)
        assert too_many["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
