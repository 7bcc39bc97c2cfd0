"""The client libraries frontends and bots use, from npm at the versions package.json pins,
each set up as its documentation says, against a running gateway: queries with paging
variables, a partial result, and a subscription's snapshot through to SNAPSHOT_END."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
import redis.asyncio as redis

from gateway.redis_server import EmbeddedRedis
from gateway.watch.mirror import ClusterMirror
from tests.api.harness import RunningGateway, publish, running_gateway
from tests.clients.node import run_script
from tests.status import objects as o

NAMES = ["api", "db", "web"]
SNAPSHOT = [
    {"type": "SNAPSHOT", "name": name, "status": "RUNNING"} for name in ("api", "db", "web")
] + [{"type": "SNAPSHOT_END", "name": None, "status": None}]


@pytest_asyncio.fixture
async def gw(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> AsyncIterator[RunningGateway]:
    mirror = ClusterMirror("sim-1", lambda: o.NOW)
    mirror.replace("Node", [o.node("worker-1")])
    mirror.replace("Deployment", [o.deployment(name, replicas=0) for name in NAMES])
    await publish(redis_client, mirror)
    async with running_gateway(redis_server.url) as running:
        yield running


async def drive(gw: RunningGateway, client: str) -> dict[str, Any]:
    found: dict[str, Any] = await run_script("clients.mjs", client, gw.graphql)
    return found


@pytest.mark.parametrize(
    "client", ["graphql-ws", "graphql-sse", "graphql-sse-single", "subscriptions-transport-ws"]
)
async def test_protocol_clients_query_and_subscribe(gw: RunningGateway, client: str) -> None:
    found = await drive(gw, client)
    assert found["query"] == NAMES
    assert found["snapshot"] == SNAPSHOT


async def test_urql_with_its_default_exchanges(gw: RunningGateway) -> None:
    """Its document cache adds __typename to every selection, which the schema answers."""
    found = await drive(gw, "urql")
    assert found["streamed"] == SNAPSHOT, "a subscription over SSE with fetchSubscriptions"
    assert found["pages"] == [["api"], ["db"]]
    assert found["partial"] == {
        "data": {"clusters": [{"name": "sim-1", "__typename": "Cluster"}], "workload": None},
        "codes": ["NOT_FOUND"],
    }
    assert found["snapshot"] == SNAPSHOT


async def test_apollo_client_with_relay_style_pagination(gw: RunningGateway) -> None:
    """fetchMore's second page merged into the first by the cache's relayStylePagination."""
    found = await drive(gw, "apollo")
    assert found["merged"] == ["api", "db"]
    assert found["partial"] == {
        "data": {"clusters": [{"__typename": "Cluster", "name": "sim-1"}], "workload": None},
        "codes": ["NOT_FOUND"],
    }
    assert found["snapshot"] == SNAPSHOT


async def test_apollo_persisted_queries_register_then_send_the_hash_alone(
    gw: RunningGateway,
) -> None:
    found = await drive(gw, "apollo-persisted")
    assert found["data"] == [["sim-1"], ["sim-1"]]
    assert found["sent"] == [
        {"text": False, "hash": True},
        {"text": True, "hash": True},
        {"text": False, "hash": True},
    ]
