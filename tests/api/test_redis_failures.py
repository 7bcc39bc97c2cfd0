"""A Redis that is down, full, refusing the password or read-only: every request gets a
GraphQL-shaped 503 UNAVAILABLE with Retry-After, /metrics keeps answering, and /readyz
says not ready when Redis refuses writes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as redis
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from gateway.redis_server import EmbeddedRedis
from tests.api.harness import RunningGateway, publish, running_gateway
from tests.scoping.tenants import TOKENS, auth_config
from tests.store.test_mirror import fleet_mirror

QUERY = "{ workloads(first: 5) { totalCount nodes { name status } } }"


@pytest.fixture
async def own_redis(tmp_path: Path) -> AsyncIterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path / "valkey")
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def gw(own_redis: EmbeddedRedis, tmp_path: Path) -> AsyncIterator[RunningGateway]:
    client = redis.Redis.from_url(own_redis.url)
    await publish(client, fleet_mirror())
    await client.aclose()
    auth = auth_config(tmp_path, rateLimits={"requestsPerMinute": 1000})
    async with running_gateway(own_redis.url, auth=auth) as running:
        yield running


async def asked(gw: RunningGateway) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as http:
        return await http.post(
            gw.graphql,
            json={"query": QUERY},
            headers={"authorization": f"Bearer {TOKENS['admin']}"},
        )


async def endpoint(gw: RunningGateway, path: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as http:
        return await http.get(
            f"{gw.url}{path}", headers={"authorization": f"Bearer {TOKENS['admin']}"}
        )


def assert_unavailable(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 503, (answer.status_code, answer.text)
    assert answer.headers["content-type"].startswith("application/json")
    assert int(answer.headers["retry-after"]) >= 1
    [error] = answer.json()["errors"]
    assert error["extensions"]["code"] == "UNAVAILABLE"
    return dict(error)


async def test_a_redis_that_went_away(gw: RunningGateway, own_redis: EmbeddedRedis) -> None:
    assert (await asked(gw)).status_code == 200
    await own_redis.stop()
    error = assert_unavailable(await asked(gw))
    assert "redis" in error["message"].lower()
    assert (await endpoint(gw, "/metrics")).status_code == 200
    assert (await endpoint(gw, "/healthz")).status_code == 200
    assert (await endpoint(gw, "/readyz")).status_code == 503
    await own_redis.start()
    assert (await asked(gw)).status_code == 200


async def test_a_redis_that_is_full(gw: RunningGateway, own_redis: EmbeddedRedis) -> None:
    admin = redis.Redis.from_url(own_redis.url)
    try:
        await admin.config_set("maxmemory-policy", "noeviction")
        await admin.config_set("maxmemory", "1")
        assert_unavailable(await asked(gw))
        # A socket cannot be counted against its subject's connections: refused at init.
        async with connect(gw.websocket, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
            init = {"type": "connection_init", "payload": {"authToken": TOKENS["admin"]}}
            await ws.send(json.dumps(init))
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
        assert (await endpoint(gw, "/metrics")).status_code == 200
        ready = await endpoint(gw, "/readyz")
        assert ready.status_code == 503, ready.text
        await admin.config_set("maxmemory", "0")
        assert (await asked(gw)).status_code == 200
    finally:
        await admin.aclose()


async def test_a_redis_that_refuses_the_password(
    gw: RunningGateway, own_redis: EmbeddedRedis
) -> None:
    admin = redis.Redis.from_url(own_redis.url)
    try:
        await admin.config_set("requirepass", "changed-under-the-gateway")
        await admin.client_kill_filter(_type="normal", skipme=True)
        assert_unavailable(await asked(gw))
        assert (await endpoint(gw, "/metrics")).status_code == 200
        await admin.config_set("requirepass", "")
    finally:
        await admin.aclose()


async def test_a_redis_that_became_a_read_only_replica(
    gw: RunningGateway, own_redis: EmbeddedRedis
) -> None:
    admin = redis.Redis.from_url(own_redis.url)
    try:
        await admin.replicaof("127.0.0.1", "1")
        ready = await endpoint(gw, "/readyz")
        assert ready.status_code == 503, ready.text
        answer = await asked(gw)
        assert answer.status_code in (200, 503), answer.text
        if answer.status_code == 503:
            assert_unavailable(answer)
    finally:
        await admin.replicaof("NO", "ONE")
        await admin.aclose()


async def test_without_authentication_a_query_redis_cannot_answer_is_a_503(
    own_redis: EmbeddedRedis,
) -> None:
    client = redis.Redis.from_url(own_redis.url)
    await publish(client, fleet_mirror())
    await client.aclose()
    async with running_gateway(own_redis.url) as gw, httpx.AsyncClient(timeout=30) as http:
        assert (await http.post(gw.graphql, json={"query": QUERY})).status_code == 200
        await own_redis.stop()
        assert_unavailable(await http.post(gw.graphql, json={"query": QUERY}))
        assert (await http.get(f"{gw.url}/metrics")).status_code == 200


async def test_readyz_says_only_ready_or_not_to_a_caller_without_a_token(
    gw: RunningGateway,
) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        anonymous = await http.get(f"{gw.url}/readyz")
    assert anonymous.json() == {"ready": anonymous.status_code == 200}
    detailed = (await endpoint(gw, "/readyz")).json()
    assert "redis" in detailed and "clusters" in detailed
