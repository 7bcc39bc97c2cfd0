"""The whole path with clients nobody here wrote: kubectl changes the simulated cluster, the
gateway's watchers judge it, and the `gql` client hears about it over WebSocket and HTTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from gql import Client, GraphQLRequest, gql
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport

from gateway.clusters import from_kubeconfig
from gateway.redis_server import EmbeddedRedis
from simcluster.behaviours import BEHAVIOR
from simcluster.fleet import SimulatedFleet
from tests.api.harness import RunningGateway, running_gateway
from tests.simcluster import objects as k
from tests.simcluster.helpers import Kubectl, kubectl_binary
from tests.watch.conftest import TIME_SCALE, until

CHANGES = """subscription {
  workloadStatusChanged(filter: {namespaces: ["shop"]}) {
    type name oldStatus newStatus reason message
  }
}"""
STATUS = """query ($name: String!) {
  workload(cluster: "sim-1", namespace: "shop", kind: DEPLOYMENT, name: $name) {
    status reason message
  }
}"""
Change = dict[str, Any]


@pytest_asyncio.fixture
async def fleet(tmp_path: Path) -> AsyncIterator[SimulatedFleet]:
    async with SimulatedFleet(time_scale=TIME_SCALE, kubeconfig=tmp_path / "kubeconfig") as fleet:
        memory = {"requests": {"memory": "8Gi"}}
        for name in ("web", "api"):
            fleet[0].create(
                k.workload(
                    "Deployment", name, namespace="shop", replicas=2, pod={"resources": memory}
                )
            )
        yield fleet


@pytest_asyncio.fixture
async def gw(fleet: SimulatedFleet, redis_server: EmbeddedRedis) -> AsyncIterator[RunningGateway]:
    sources = from_kubeconfig(fleet.kubeconfig)
    async with running_gateway(redis_server.url, sources, grace_seconds=2) as running:
        yield running


@pytest.fixture
def kubectl(fleet: SimulatedFleet, tmp_path: Path) -> Kubectl:
    cache = tmp_path / "kubectl-cache"
    cache.mkdir()
    return Kubectl(kubectl_binary(), fleet.kubeconfig, cache)


async def status_of(gw: RunningGateway, name: str) -> dict[str, Any] | None:
    async with Client(transport=AIOHTTPTransport(url=gw.graphql)) as session:
        try:
            result = await session.execute(GraphQLRequest(STATUS, variable_values={"name": name}))
        except TransportQueryError:
            return None
    found: dict[str, Any] = result["workload"]
    return found


async def running(gw: RunningGateway, name: str) -> bool:
    found = await status_of(gw, name)
    return found is not None and found["status"] == "RUNNING"


async def heard(changes: list[Change], wanted: dict[str, str]) -> Change | None:
    return next((c for c in changes if wanted.items() <= c.items()), None)


async def test_kubectl_changes_reach_a_gql_subscriber(gw: RunningGateway, kubectl: Kubectl) -> None:
    await until(lambda: running(gw, "web"), within=60)
    await until(lambda: running(gw, "api"), within=60)
    changes: list[Change] = []
    transport = WebsocketsTransport(
        url=gw.websocket, subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL]
    )
    async with Client(transport=transport) as session:

        async def follow() -> None:
            async for result in session.subscribe(gql(CHANGES)):
                changes.append(result["workloadStatusChanged"])

        following = asyncio.create_task(follow())
        try:
            await asyncio.sleep(0.5)
            bad_image = {
                "spec": {"template": {"metadata": {"annotations": {BEHAVIOR: "image-pull-error"}}}}
            }
            await kubectl.ok("patch", "deployment/api", "-n", "shop", "-p", json.dumps(bad_image))
            pull = await until(
                lambda: heard(changes, {"name": "api", "newStatus": "NOT_READY"}), within=60
            )
            assert pull is not None and pull["reason"] in {"ImagePullBackOff", "ErrImagePull"}

            await kubectl.ok("scale", "deployment/web", "-n", "shop", "--replicas=40")
            unschedulable = await until(
                lambda: heard(changes, {"name": "web", "reason": "Unschedulable"}), within=60
            )
            assert unschedulable is not None and unschedulable["newStatus"] == "NOT_READY"
            assert "Insufficient memory" in unschedulable["message"]

            await kubectl.ok("delete", "deployment/api", "-n", "shop", "--wait=false")
            await until(lambda: heard(changes, {"name": "api", "type": "DELETED"}), within=60)
        finally:
            following.cancel()
            await asyncio.gather(following, return_exceptions=True)
    answer = await status_of(gw, "web")
    assert answer is not None and answer["reason"] == "Unschedulable"
    assert await status_of(gw, "api") is None
