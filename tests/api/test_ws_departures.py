"""A WebSocket client that drops its connection is logged at debug, never as an error.

The client is the websockets library over a real socket; it aborts the TCP connection
(no close frame, as when a laptop lid shuts or a network goes away) during
connection_init, in the middle of a snapshot the gateway is still sending, and while
following live changes, over both WebSocket protocols. Afterwards the gateway still
serves a new subscriber.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
import redis.asyncio as redis
from websockets.asyncio.client import ClientConnection, connect

from gateway.redis_server import EmbeddedRedis
from gateway.watch.mirror import ClusterMirror
from tests.api.harness import RunningGateway, flush, publish, running_gateway
from tests.api.wsclient import transport_ws
from tests.notify.shop import crash, shop

SNAPSHOT = "subscription { workloadStatusChanged(snapshot: true) { type cursor name } }"
ONE = """subscription ($name: String!) {
  workloadStatusChanged(snapshot: true, filter: {nameContains: $name}) { type name }
}"""
WORKLOADS = 1500
"""Enough that the snapshot outgrows the socket's buffers: the gateway is still sending
it when the client goes."""
PROTOCOLS = {
    "graphql-transport-ws": ("subscribe", "next"),
    "graphql-ws": ("start", "data"),
}


@pytest_asyncio.fixture
async def many(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> AsyncIterator[tuple[RunningGateway, ClusterMirror]]:
    mirror = shop([f"app-{index}" for index in range(WORKLOADS)])
    await publish(redis_client, mirror)
    async with running_gateway(redis_server.url) as gw:
        yield gw, mirror


async def _open(gw: RunningGateway, protocol: str) -> ClientConnection:
    socket = await connect(gw.websocket, subprotocols=[protocol])  # type: ignore[list-item]
    await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
    return socket


async def _subscribe(socket: ClientConnection, protocol: str) -> None:
    start, _ = PROTOCOLS[protocol]
    assert json.loads(await socket.recv())["type"] == "connection_ack"
    await socket.send(json.dumps({"id": "1", "type": start, "payload": {"query": SNAPSHOT}}))


async def _changes(socket: ClientConnection, protocol: str) -> AsyncIterator[dict[str, Any]]:
    _, data = PROTOCOLS[protocol]
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), 20))
        if message.get("type") == data:
            yield message["payload"]["data"]["workloadStatusChanged"]


def _abort(socket: ClientConnection) -> None:
    """Gone without a close frame: the server learns of it from the TCP connection."""
    socket.transport.abort()


async def _settled() -> None:
    """Time for the gateway to notice the loss and for asyncio to collect the tasks."""
    await asyncio.sleep(1.0)


def _loud(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{record.name} {record.levelname}: {record.getMessage()}"
        for record in caplog.records
        if record.levelno >= logging.WARNING
    ]


async def _still_serves(gw: RunningGateway) -> None:
    async with transport_ws(gw.websocket) as ws:
        operation = await ws.subscribe(ONE, {"name": f"app-{WORKLOADS - 1}"})
        for expected in ("SNAPSHOT", "SNAPSHOT_END"):
            payload = await ws.next_payload(operation)
            assert payload["data"]["workloadStatusChanged"]["type"] == expected


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_client_gone_during_connection_init(
    many: tuple[RunningGateway, ClusterMirror], protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    gw, _ = many
    caplog.set_level(logging.DEBUG)
    for _ in range(5):
        _abort(await _open(gw, protocol))
    await _settled()
    assert _loud(caplog) == []
    await _still_serves(gw)


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_client_gone_in_the_middle_of_its_snapshot(
    many: tuple[RunningGateway, ClusterMirror], protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    gw, _ = many
    caplog.set_level(logging.DEBUG)
    socket = await _open(gw, protocol)
    await _subscribe(socket, protocol)
    first = await anext(aiter(_changes(socket, protocol)))
    assert first["type"] == "SNAPSHOT"
    _abort(socket)
    await _settled()
    assert _loud(caplog) == []
    gone = [r for r in caplog.records if r.getMessage().startswith("websocket client went away")]
    assert [(r.levelno, r.__dict__["protocol"]) for r in gone] == [(logging.DEBUG, protocol)]
    await _still_serves(gw)


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_client_gone_while_following_live_changes(
    many: tuple[RunningGateway, ClusterMirror],
    protocol: str,
    redis_client: redis.Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    gw, mirror = many
    caplog.set_level(logging.DEBUG)
    socket = await _open(gw, protocol)
    await _subscribe(socket, protocol)
    async for change in _changes(socket, protocol):
        if change["type"] == "SNAPSHOT_END":
            break
    crash(mirror, "app-1", 0)
    await flush(redis_client, mirror)
    async for change in _changes(socket, protocol):
        assert (change["type"], change["name"]) == ("CHANGED", "app-1")
        break
    _abort(socket)
    for index in range(2, 6):
        crash(mirror, f"app-{index}", 0)
        await flush(redis_client, mirror)
    await _settled()
    assert _loud(caplog) == []
    await _still_serves(gw)
