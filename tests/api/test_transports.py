"""Both WebSocket protocols and Server-Sent Events, their failure modes, and clients by others."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import redis.asyncio as redis
from gql import Client, gql
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.websockets import WebsocketsTransport
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from gateway.redis_server import EmbeddedRedis
from gateway.watch.mirror import ClusterMirror
from tests.api.harness import RunningGateway, flush, publish, running_gateway
from tests.api.test_subscriptions import CHANGES, settle
from tests.api.wsclient import transport_ws
from tests.status import objects as o
from tests.store.test_mirror import fleet_mirror, web_pod


@pytest.fixture
async def mirror(redis_client: redis.Redis) -> ClusterMirror:
    built = fleet_mirror()
    await publish(redis_client, built)
    return built


@pytest.fixture
async def gw(redis_server: EmbeddedRedis, mirror: ClusterMirror) -> AsyncIterator[RunningGateway]:
    async with running_gateway(redis_server.url) as running:
        yield running


async def break_web(redis_client: redis.Redis, mirror: ClusterMirror) -> None:
    mirror.apply("Pod", "MODIFIED", web_pod(2, statuses=[o.crash_loop("web")]))
    await flush(redis_client, mirror)


async def close_code(
    url: str, messages: list[dict[str, Any] | str], protocol: str = "graphql-transport-ws"
) -> int:
    async with connect(url, subprotocols=[protocol]) as socket:  # type: ignore[list-item]
        for message in messages:
            await socket.send(message if isinstance(message, str) else json.dumps(message))
        with pytest.raises(ConnectionClosed) as closed:
            for _ in range(10):
                await asyncio.wait_for(socket.recv(), 5)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


async def test_broken_messages_close_with_the_protocols_codes(gw: RunningGateway) -> None:
    init = {"type": "connection_init", "payload": {}}
    subscribe = {"id": "1", "type": "subscribe", "payload": {"query": CHANGES}}
    assert await close_code(gw.websocket, ["{not json"]) == 4400
    assert await close_code(gw.websocket, [{"type": "no-such-type"}]) == 4400
    assert await close_code(gw.websocket, [subscribe]) == 4401
    assert await close_code(gw.websocket, [init, init]) == 4429
    assert await close_code(gw.websocket, [init, subscribe, subscribe]) == 4409


async def test_too_many_subscriptions_on_one_connection(gw: RunningGateway) -> None:
    async with transport_ws(gw.websocket) as ws:
        for _ in range(50):
            await ws.subscribe(CHANGES)
        extra = await ws.subscribe(CHANGES)
        while True:
            message = await ws.receive()
            if message.get("id") == extra:
                break
    assert message["type"] == "error"
    assert "subscription limit" in json.dumps(message["payload"]).lower()


async def test_legacy_graphql_ws_protocol(
    gw: RunningGateway, redis_client: redis.Redis, mirror: ClusterMirror
) -> None:
    async with connect(gw.websocket, subprotocols=["graphql-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        await socket.send(json.dumps({"id": "a", "type": "start", "payload": {"query": CHANGES}}))
        await settle()
        await break_web(redis_client, mirror)
        while True:
            message = json.loads(await asyncio.wait_for(socket.recv(), 10))
            if message["type"] == "data":
                break
    change = message["payload"]["data"]["workloadStatusChanged"]
    assert (change["name"], change["newStatus"]) == ("web", "NOT_READY")


async def test_legacy_graphql_ws_answers_queries_with_data_then_complete(
    gw: RunningGateway,
) -> None:
    """Older Apollo apps (subscriptions-transport-ws) send every operation over the socket."""
    async with connect(gw.websocket, subprotocols=["graphql-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        query = {"query": "query Names { clusters { name } }", "operationName": "Names"}
        await socket.send(json.dumps({"id": "q", "type": "start", "payload": query}))
        data = json.loads(await asyncio.wait_for(socket.recv(), 10))
        done = json.loads(await asyncio.wait_for(socket.recv(), 10))
        broken = {"query": "{ clusters { nope } }"}
        await socket.send(json.dumps({"id": "bad", "type": "start", "payload": broken}))
        refused = json.loads(await asyncio.wait_for(socket.recv(), 10))
    assert data == {
        "type": "data",
        "id": "q",
        "payload": {"data": {"clusters": [{"name": "sim-1"}]}},
    }
    assert done == {"type": "complete", "id": "q"}
    assert (refused["type"], refused["id"]) == ("error", "bad")
    assert refused["payload"]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_a_null_connection_init_payload_is_accepted(gw: RunningGateway) -> None:
    for protocol in ("graphql-transport-ws", "graphql-ws"):
        async with connect(gw.websocket, subprotocols=[protocol]) as socket:  # type: ignore[list-item]
            await socket.send(json.dumps({"type": "connection_init", "payload": None}))
            assert json.loads(await socket.recv())["type"] == "connection_ack", protocol


async def test_a_cursor_of_another_feed_is_refused(gw: RunningGateway) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.post(gw.graphql, json={"query": "{ feedCursor(feed: PODS) }"})
    pods_cursor = answer.json()["data"]["feedCursor"]
    async with transport_ws(gw.websocket) as ws:
        operation = await ws.subscribe(CHANGES, {"after": pods_cursor})
        refused = await ws.receive()
    # Raised as the subscription starts, so graphql-transport-ws carries it in a next.
    assert (refused["type"], refused["id"], refused["payload"]["data"]) == ("next", operation, None)
    errors = refused["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "pods feed, not the workloads feed" in errors[0]["message"]


async def test_server_sent_events(
    gw: RunningGateway, redis_client: redis.Redis, mirror: ClusterMirror
) -> None:
    async with (
        httpx.AsyncClient(timeout=20) as http,
        http.stream(
            "POST", gw.graphql, json={"query": CHANGES}, headers={"accept": "text/event-stream"}
        ) as stream,
    ):
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.aiter_lines()
        await settle()
        await break_web(redis_client, mirror)
        async for line in lines:
            if line.startswith("data:") and "workloadStatusChanged" in line:
                change = json.loads(line[5:])["data"]["workloadStatusChanged"]
                break
    assert (change["name"], change["reason"]) == ("web", "CrashLoopBackOff")


async def test_gql_client_over_http_and_websockets(
    gw: RunningGateway, redis_client: redis.Redis, mirror: ClusterMirror
) -> None:
    async with Client(transport=AIOHTTPTransport(url=gw.graphql)) as session:
        result = await session.execute(
            gql("{ statusSummary { total abnormal byStatus { status count } } }")
        )
    assert result["statusSummary"] == {
        "total": 1,
        "abnormal": 0,
        "byStatus": [{"status": "RUNNING", "count": 1}],
    }
    transport = WebsocketsTransport(
        url=gw.websocket, subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL]
    )
    async with Client(transport=transport) as session:
        changes = session.subscribe(gql(CHANGES))
        waiting = asyncio.create_task(anext(changes))
        await settle()
        await break_web(redis_client, mirror)
        result = await asyncio.wait_for(waiting, 10)
        await changes.aclose()
    assert result["workloadStatusChanged"]["newStatus"] == "NOT_READY"
