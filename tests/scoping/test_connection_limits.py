"""Every transport counts against the same limits: a WebSocket's operations against the
request budget, open sockets per subject and per source address, and failed
authentications per address (which slow down guessing)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as redis
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from gateway.redis_server import EmbeddedRedis
from gateway.watch.mirror import ClusterMirror
from tests.api.harness import RunningGateway, running_gateway
from tests.scoping.tenants import TOKENS, ask, auth_config, early_in_a_minute, fill

SNAPSHOT = "subscription { workloadStatusChanged(snapshot: true) { type } }"


@pytest.fixture
async def mirrors(redis_client: redis.Redis) -> dict[str, ClusterMirror]:
    return await fill(redis_client)


async def opened(gw: RunningGateway, token: str) -> ClientConnection:
    socket = await connect(gw.websocket, subprotocols=[Subprotocol("graphql-transport-ws")])
    await socket.send(json.dumps({"type": "connection_init", "payload": {"authToken": token}}))
    return socket


async def acked(socket: ClientConnection) -> bool:
    try:
        return bool(json.loads(await socket.recv())["type"] == "connection_ack")
    except ConnectionClosed as closed:
        assert closed.rcvd is not None and closed.rcvd.code == 4403, closed
        return False


async def first_of(socket: ClientConnection, operation: str) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(await socket.recv())
        if message.get("id") == operation:
            return message


async def test_operations_on_a_socket_count_as_requests(
    redis_server: EmbeddedRedis, mirrors: dict[str, ClusterMirror], tmp_path: Path
) -> None:
    auth = auth_config(tmp_path, rateLimits={"requestsPerMinute": 3})
    async with running_gateway(redis_server.url, auth=auth) as gw:
        socket = await opened(gw, TOKENS["alice"])
        assert await acked(socket)
        for number in range(1, 5):
            message = {"id": str(number), "type": "subscribe", "payload": {"query": SNAPSHOT}}
            await socket.send(json.dumps(message))
            answer = await first_of(socket, str(number))
            if number <= 3:
                assert answer["type"] == "next", answer
            else:
                assert answer["type"] == "error"
                assert answer["payload"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert (await ask(gw.graphql, "{ clusters { name } }", TOKENS["alice"])).status_code == 429
        await socket.close()


async def test_open_sockets_are_capped_per_subject_and_per_address(
    redis_server: EmbeddedRedis, mirrors: dict[str, ClusterMirror], tmp_path: Path
) -> None:
    auth = auth_config(
        tmp_path, rateLimits={"connectionsPerSubject": 2, "connectionsPerAddress": 3}
    )
    async with running_gateway(redis_server.url, auth=auth) as gw:
        first, second = await opened(gw, TOKENS["alice"]), await opened(gw, TOKENS["alice"])
        assert await acked(first) and await acked(second)
        third = await opened(gw, TOKENS["alice"])
        assert not await acked(third), "a third socket of one subject"
        await first.close()
        again = await opened(gw, TOKENS["alice"])
        assert await acked(again), "a closed socket gives its place back"
        bob = await opened(gw, TOKENS["bob"])
        assert await acked(bob)
        admin = await opened(gw, TOKENS["admin"])
        assert not await acked(admin), "a fourth socket from one address"
        for socket in (second, again, bob):
            await socket.close()


async def test_repeated_failed_authentications_slow_an_address_down(
    redis_server: EmbeddedRedis, mirrors: dict[str, ClusterMirror], tmp_path: Path
) -> None:
    auth = auth_config(tmp_path, rateLimits={"failedLoginsPerMinute": 3})
    async with running_gateway(redis_server.url, auth=auth) as gw:
        await early_in_a_minute()
        for guess in range(3):
            answer = await ask(gw.graphql, "{ clusters { name } }", f"guess-{guess}-0123456789")
            assert answer.status_code == 401
        refused = await ask(gw.graphql, "{ clusters { name } }", TOKENS["alice"])
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        socket = await opened(gw, TOKENS["alice"])
        assert not await acked(socket), "the socket's connection_init is refused too"
