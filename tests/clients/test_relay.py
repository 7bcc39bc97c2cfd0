"""Relay: relay-compiler checks the gateway's schema against Relay's conventions (the Node
interface, node(id:), connections with edges, cursors and pageInfo) while compiling a
paginated connection and a refetchable fragment; relay-runtime then merges two pages with
its ConnectionHandler and refetches a Deployment through node(id:)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest_asyncio
import redis.asyncio as redis

from gateway.redis_server import EmbeddedRedis
from gateway.watch.mirror import ClusterMirror
from schema.build import build_schema
from schema.ids import GlobalId, decode
from tests.api.harness import RunningGateway, publish, running_gateway
from tests.clients.node import HERE, run_script
from tests.status import objects as o

RELAY = HERE / "relay"


@pytest_asyncio.fixture
async def gw(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> AsyncIterator[RunningGateway]:
    mirror = ClusterMirror("sim-1", lambda: o.NOW)
    mirror.replace("Node", [o.node("worker-1")])
    mirror.replace("Deployment", [o.deployment(name, replicas=0) for name in ("api", "db", "web")])
    await publish(redis_client, mirror)
    async with running_gateway(redis_server.url) as running:
        yield running


async def compile_operations() -> str:
    """The compiler's output; it fails on a schema that breaks Relay's rules."""
    (RELAY / "schema.graphql").write_text(build_schema().as_str())
    (RELAY / "__generated__").mkdir(exist_ok=True)
    process = await asyncio.create_subprocess_exec(
        str(HERE / "node_modules" / ".bin" / "relay-compiler"),
        cwd=RELAY,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    text = out.decode()
    assert process.returncode == 0, text
    return text


async def test_relay_compiles_against_the_schema_and_pages_and_refetches(
    gw: RunningGateway,
) -> None:
    assert "Compilation completed" in await compile_operations()
    found = await run_script("relay/run.mjs", gw.graphql)
    assert found["merged"] == ["api", "db"]
    refetched = found["refetched"]
    assert refetched == {
        "id": refetched["id"],
        "typename": "Deployment",
        "name": "api",
        "status": "RUNNING",
    }
    assert decode(refetched["id"]) == GlobalId("Workload", "sim-1", "Deployment/shop/api")
