"""Thousands of cheap subscribers on one event loop: graphql-transport-ws, and raw Redis SUBSCRIBE.

Timing thousands of receivers on a two-core machine measures the client unless the
client does almost nothing: no task per connection, no JSON parsing. Each
subscriber is an asyncio Protocol; WebSocket framing is done by the websockets
library's sans-I/O protocol, and a message only gets a substring search for the
token that marks the change being timed. The receipt time is taken when the bytes
arrive, before any handling. Once live, a subscriber searches the raw bytes (the
server's frames are not masked) and leaves their parsing (pings, errors, a close)
for later, so that the next subscriber's bytes are not kept waiting behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from typing import Any

import orjson
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.typing import Subprotocol
from websockets.uri import parse_uri


class Arrivals:
    """When one marked change reached each subscriber; ``done`` is set once all have it."""

    def __init__(self, token: bytes, expected: int) -> None:
        self.token = token
        self.expected = expected
        self.times: list[float] = []
        self.done = asyncio.Event()

    def record(self, at: float) -> None:
        self.times.append(at)
        if len(self.times) >= self.expected:
            self.done.set()


class _Watching:
    """What a subscriber looks for: the token of the change being timed."""

    watching: Arrivals | None = None
    failure: str | None = None

    def watch(self, arrivals: Arrivals) -> None:
        self.watching = arrivals

    def _seen(self, data: bytes, at: float) -> None:
        arrivals = self.watching
        if arrivals is not None and arrivals.token in data:
            self.watching = None
            arrivals.record(at)


class GraphQLSubscriber(_Watching, asyncio.Protocol):
    """One connection carrying one subscription over graphql-transport-ws.

    The protocol never confirms that a subscription has started; subscribe with
    ``snapshot: true`` and ``ready`` resolves with the first message, which the server
    only sends once the subscription is registered for live changes.
    """

    PARSE_AFTER = 0.5
    """Seconds a live subscriber lets bytes wait before parsing them."""

    def __init__(
        self, url: str, query: str, variables: dict[str, Any], params: dict[str, Any] | None = None
    ) -> None:
        self.ws = ClientProtocol(parse_uri(url), subprotocols=[Subprotocol("graphql-transport-ws")])
        self.init = orjson.dumps({"type": "connection_init", "payload": params or {}})
        self.subscribe = orjson.dumps(
            {"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}}
        )
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self._parts: list[bytes] = []
        self._tail = b""
        self._unparsed: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.ws.send_request(self.ws.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        at = time.perf_counter()
        if not self.ready.done():
            self._parse(data, at)
            return
        self._seen(self._tail + data, at)
        self._tail = data[-64:]
        if not self._unparsed:
            asyncio.get_running_loop().call_later(self.PARSE_AFTER, self._parse_later)
        self._unparsed.append(data)

    def _parse_later(self) -> None:
        data, self._unparsed = b"".join(self._unparsed), []
        with contextlib.suppress(ConnectionError):
            self._parse(data, time.perf_counter(), watched=False)

    def _parse(self, data: bytes, at: float, watched: bool = True) -> None:
        self.ws.receive_data(data)
        for event in self.ws.events_received():
            if isinstance(event, Response):
                if event.status_code != 101 or self.ws.handshake_exc is not None:
                    self._fail(f"handshake refused: {event.status_code}")
                    return
                self.ws.send_text(self.init)
            elif isinstance(event, Frame):
                self._frame(event, at, watched)
        self._flush()

    def _frame(self, frame: Frame, at: float, watched: bool) -> None:
        if frame.opcode is Opcode.TEXT or frame.opcode is Opcode.CONT:
            self._parts.append(bytes(frame.data))
            if not frame.fin:
                return
            data = b"".join(self._parts)
            self._parts = []
            self._message(data, at, watched)
        elif frame.opcode is Opcode.CLOSE:
            self._fail(f"closed by the server: {self.ws.close_code} {self.ws.close_reason}")

    def _message(self, data: bytes, at: float, watched: bool) -> None:
        head = data[:64]
        if b'"next"' in head:
            if b'"errors"' in data:
                self._fail(f"subscription error: {data[:400]!r}")
            elif not self.ready.done():
                self.ready.set_result(None)
            if watched:
                self._seen(data, at)
        elif b'"connection_ack"' in head:
            self.ws.send_text(self.subscribe)
        elif b'"ping"' in head:
            self.ws.send_text(b'{"type":"pong"}')
        else:
            self._fail(f"unexpected message: {data[:300]!r}")

    def _flush(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            for chunk in self.ws.data_to_send():
                if chunk:
                    self.transport.write(chunk)

    def _fail(self, why: str) -> None:
        self.failure = self.failure or why
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(why))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.ws.close_sent is None:
            self._fail(f"connection lost: {exc}")

    def close(self) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        self.ws.send_close()
        self._flush()
        self.transport.close()


class RedisSubscriber(_Watching, asyncio.Protocol):
    """One Redis connection in SUBSCRIBE mode, speaking RESP directly."""

    def __init__(self, channel: str) -> None:
        name = channel.encode()
        self.command = b"*2\r\n$9\r\nSUBSCRIBE\r\n$%d\r\n%s\r\n" % (len(name), name)
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self._tail = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.command)

    def data_received(self, data: bytes) -> None:
        at = time.perf_counter()
        if not self.ready.done():
            if b"subscribe" in data:
                self.ready.set_result(None)
            return
        self._seen(self._tail + data, at)
        self._tail = data[-64:]

    def connection_lost(self, exc: Exception | None) -> None:
        self.failure = self.failure or f"connection lost: {exc}"
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(self.failure))

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def open_graphql(
    url: str,
    query: str,
    variables: dict[str, Any],
    count: int,
    *,
    at_once: int = 50,
    params: dict[str, Any] | None = None,
) -> list[GraphQLSubscriber]:
    """``count`` subscriptions, each live; ``at_once`` are started at a time; ``params``
    are the connection_init payload (a credential)."""
    uri = parse_uri(url)
    loop = asyncio.get_running_loop()
    opened: list[GraphQLSubscriber] = []

    async def one() -> None:
        subscriber = GraphQLSubscriber(url, query, variables, params)
        opened.append(subscriber)
        await loop.create_connection(lambda: subscriber, uri.host, uri.port)
        await asyncio.wait_for(subscriber.ready, 30)

    for start in range(0, count, at_once):
        await asyncio.gather(*(one() for _ in range(min(at_once, count - start))))
    return opened


async def open_redis(host: str, port: int, channel: str, count: int) -> list[RedisSubscriber]:
    loop = asyncio.get_running_loop()
    opened: list[RedisSubscriber] = []

    async def one() -> None:
        subscriber = RedisSubscriber(channel)
        opened.append(subscriber)
        await loop.create_connection(lambda: subscriber, host, port)
        await asyncio.wait_for(subscriber.ready, 30)

    for start in range(0, count, 50):
        await asyncio.gather(*(one() for _ in range(min(50, count - start))))
    return opened


def close_all(subscribers: Sequence[GraphQLSubscriber | RedisSubscriber]) -> None:
    for subscriber in subscribers:
        subscriber.close()


def failures(subscribers: Sequence[GraphQLSubscriber | RedisSubscriber]) -> list[str]:
    return [s.failure for s in subscribers if s.failure is not None]
