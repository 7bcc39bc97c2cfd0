"""JSON nested past any sensible depth, in every place a client can put it: a clear 400
(or close 4400 on a socket) with a message, never a 500, a traceback or a dropped socket."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import httpx
import pytest
import redis.asyncio as redis
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from gateway.redis_server import EmbeddedRedis
from tests.api.harness import RunningGateway, publish, running_gateway
from tests.store.test_mirror import fleet_mirror

QUERY = "{ clusters { name } }"


def nested(depth: int, leaf: str = "1") -> str:
    return '{"a":' * depth + leaf + "}" * depth


@pytest.fixture
async def gw(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> AsyncIterator[RunningGateway]:
    await publish(redis_client, fleet_mirror())
    async with running_gateway(redis_server.url) as running:
        yield running


def assert_refused(answer: httpx.Response) -> str:
    assert answer.status_code == 400, (answer.status_code, answer.text[:300])
    [error] = answer.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "deep" in error["message"]
    return str(error["message"])


@pytest.mark.parametrize("depth", [200, 1000, 3000])
async def test_deep_bodies_and_parameters_are_refused(gw: RunningGateway, depth: int) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        bodies = [
            '{"query": "' + QUERY + '", "variables": ' + nested(depth) + "}",
            '{"query": "' + QUERY + '", "extensions": ' + nested(depth) + "}",
            "[" * depth + "]" * depth,
        ]
        for body in bodies:
            assert_refused(
                await http.post(
                    gw.graphql, content=body, headers={"content-type": "application/json"}
                )
            )
        for parameter in ("variables", "extensions"):
            query = urlencode({"query": QUERY, parameter: nested(depth)})
            assert_refused(
                await http.get(f"{gw.graphql}?{query}", headers={"accept": "application/json"})
            )
        fine = await http.post(
            gw.graphql, json={"query": QUERY, "variables": json.loads(nested(20))}
        )
        assert fine.status_code == 200 and "errors" not in fine.json(), fine.text


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
@pytest.mark.parametrize("where", ["connection_init", "subscribe"])
async def test_deep_websocket_frames_are_closed_with_4400(
    gw: RunningGateway, protocol: str, where: str
) -> None:
    init = '{"type": "connection_init", "payload": ' + nested(3000) + "}"
    start = "subscribe" if protocol == "graphql-transport-ws" else "start"
    frame = (
        '{"type": "' + start + '", "id": "1", "payload": {"query": "' + QUERY + '", '
        '"variables": ' + nested(3000) + "}}"
    )
    async with connect(gw.websocket, subprotocols=[protocol]) as socket:  # type: ignore[list-item]
        if where == "connection_init":
            await socket.send(init)
        else:
            await socket.send('{"type": "connection_init"}')
            assert json.loads(await socket.recv())["type"] == "connection_ack"
            await socket.send(frame)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await socket.recv()
    assert closed.value.rcvd is not None, "dropped without a close frame"
    assert closed.value.rcvd.code == 4400
    assert "deep" in closed.value.rcvd.reason
