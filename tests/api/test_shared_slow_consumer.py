"""A slow consumer among subscribers that share answers is dropped alone.

Subscribers of one selection and view share each change's object, answer and
serialisation (schema/sharedresults.py); what stays theirs is the queue the hub fills.
One that stops reading must still fill only its own queue and be dropped with
SLOW_CONSUMER, while the others receive every change of the same burst.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import orjson
import redis.asyncio as redis
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

from gateway.redis_server import EmbeddedRedis
from gateway.store import feed
from gateway.store.changes import FeedEntry
from gateway.store.keys import Keys
from schema.context import Limits
from tests.api.harness import publish, running_gateway
from tests.api.test_subscriptions import CHANGES, settle
from tests.api.wsclient import TransportWs, transport_ws
from tests.store.test_mirror import fleet_mirror

BURST = 3000
"""Changes of 4 KB each: far more than a stalled client's socket buffers and its queue
(``BUFFER``) hold together."""
BUFFER = 1000
CHUNK = 100
"""Written in chunks a little apart, as a busy cluster writes them: the readers keep up
with the feed, only the stalled one falls behind."""


async def burst(client: redis.Redis, record: dict[str, Any]) -> None:
    for start in range(0, BURST, CHUNK):
        await write(client, record, range(start, start + CHUNK))
        await asyncio.sleep(0.05)


async def write(client: redis.Redis, record: dict[str, Any], indexes: range) -> None:
    async with client.pipeline(transaction=False) as pipe:
        for index in indexes:
            entry = FeedEntry(
                "workloads",
                {
                    "type": "changed",
                    "id": f"Deployment/shop/burst-{index}",
                    "oldStatus": "Running",
                    "newStatus": "Not Ready",
                    "reason": "CrashLoopBackOff",
                    "message": f"{index} " + "x" * 4000,
                    "record": record,
                },
            )
            pipe.xadd(Keys().workload_feed("sim-1"), dict(feed.encode(entry)))  # type: ignore[arg-type]
        await pipe.execute()


class Stalled(asyncio.Protocol):
    """A subscriber that stops reading its socket once subscribed, until told to resume:
    the gateway's writes to it back up, and its queue in the hub fills."""

    def __init__(self, url: str) -> None:
        self.ws = ClientProtocol(parse_uri(url), subprotocols=[Subprotocol("graphql-transport-ws")])
        self.transport: asyncio.Transport | None = None
        self.subscribed = asyncio.get_running_loop().create_future()
        self.messages: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.ws.send_request(self.ws.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        self.ws.receive_data(data)
        for event in self.ws.events_received():
            if isinstance(event, Response):
                self.ws.send_text(b'{"type":"connection_init","payload":{}}')
            elif isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                message = json.loads(bytes(event.data))
                if message["type"] == "connection_ack":
                    subscribe = {"id": "slow", "type": "subscribe", "payload": {"query": CHANGES}}
                    self.ws.send_text(json.dumps(subscribe).encode())
                    self._flush()
                    assert self.transport is not None
                    self.transport.pause_reading()
                    self.subscribed.set_result(None)
                else:
                    self.messages.put_nowait(message)
        self._flush()

    def _flush(self) -> None:
        assert self.transport is not None
        for chunk in self.ws.data_to_send():
            self.transport.write(chunk)

    def resume(self) -> None:
        assert self.transport is not None
        self.transport.resume_reading()


async def names_received(ws: TransportWs, operation: str) -> list[str]:
    names: list[str] = []
    while len(names) < BURST:
        payload = await ws.next_payload(operation, seconds=30)
        assert "errors" not in payload, payload
        names.append(payload["data"]["workloadStatusChanged"]["name"])
    return names


async def test_a_stalled_subscriber_is_dropped_and_the_others_get_everything(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    await publish(redis_client, fleet_mirror())
    stored = await redis_client.hget(Keys().workloads("sim-1"), "Deployment/shop/web")
    assert isinstance(stored, bytes)
    record = orjson.loads(stored)
    limits = Limits(subscription_buffer=BUFFER)
    async with (
        running_gateway(redis_server.url, limits=limits) as gw,
        transport_ws(gw.websocket) as first,
        transport_ws(gw.websocket) as second,
        transport_ws(gw.websocket) as third,
    ):
        uri = parse_uri(gw.websocket)
        _, stalled = await asyncio.get_running_loop().create_connection(
            lambda: Stalled(gw.websocket), uri.host, uri.port
        )
        await asyncio.wait_for(stalled.subscribed, 10)
        readers = [(ws, await ws.subscribe(CHANGES)) for ws in (first, second, third)]
        await settle()
        _, *received = await asyncio.gather(
            burst(redis_client, record), *(names_received(ws, op) for ws, op in readers)
        )
        expected = [f"burst-{index}" for index in range(BURST)]
        assert all(names == expected for names in received)
        stalled.resume()
        codes = []
        while True:
            message = await asyncio.wait_for(stalled.messages.get(), 30)
            if message["type"] == "complete":
                break
            codes += [e["extensions"]["code"] for e in message["payload"].get("errors") or []]
        assert codes == ["SLOW_CONSUMER"]
        assert gw.gateway.hub.dropped_slow == 1
        assert stalled.transport is not None
        stalled.transport.close()
