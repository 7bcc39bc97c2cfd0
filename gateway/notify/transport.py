"""A graphql-transport-ws client: one connection, several subscriptions multiplexed on it."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

PROTOCOL = Subprotocol("graphql-transport-ws")


class ProtocolError(Exception):
    """The server broke the protocol or refused the connection."""


@dataclass(frozen=True, slots=True)
class ServerMessage:
    type: str
    """next, error or complete (ping is answered here and never surfaces)."""
    operation: str
    payload: Any


class GraphQLSocket:
    def __init__(self, socket: ClientConnection) -> None:
        self._socket = socket
        self._next_id = 0

    async def _send(self, message: dict[str, Any]) -> None:
        await self._socket.send(json.dumps(message))

    async def initialise(self, payload: dict[str, Any], seconds: float) -> None:
        await self._send({"type": "connection_init", "payload": payload})
        async with asyncio.timeout(seconds):
            raw = await self._socket.recv()
        try:
            ack = json.loads(raw)
        except json.JSONDecodeError:
            ack = raw
        if not isinstance(ack, dict) or ack.get("type") != "connection_ack":
            raise ProtocolError(f"the gateway refused the connection: {str(ack)[:200]}")

    async def subscribe(self, query: str, variables: dict[str, Any]) -> str:
        self._next_id += 1
        operation = str(self._next_id)
        await self._send(
            {
                "id": operation,
                "type": "subscribe",
                "payload": {"query": query, "variables": variables},
            }
        )
        return operation

    async def ask(self, query: str, variables: dict[str, Any], seconds: float) -> Any:
        """One query's result (its payload), on a socket with no other operation running."""
        operation = await self.subscribe(query, variables)
        async with asyncio.timeout(seconds):
            while True:
                message = await self.receive()
                if message.operation != operation:
                    continue
                if message.type == "error":
                    return {"errors": message.payload}
                if message.type == "next":
                    return message.payload
                raise ProtocolError(f"the gateway ended query {operation} without a result")

    async def receive(self) -> ServerMessage:
        """The next message for an operation; raises ConnectionClosed when the socket ends."""
        while True:
            raw = await self._socket.recv()
            try:
                message = json.loads(raw)
            except json.JSONDecodeError as error:
                raise ProtocolError(
                    f"the gateway sent something that is not JSON: {error}"
                ) from None
            kind = message.get("type") if isinstance(message, dict) else None
            if kind == "ping":
                await self._send({"type": "pong"})
                continue
            if kind in ("next", "error", "complete") and "id" in message:
                return ServerMessage(kind, str(message["id"]), message.get("payload"))
            if kind == "pong":
                continue
            raise ProtocolError(f"unexpected message from the gateway: {str(message)[:200]}")


@contextlib.asynccontextmanager
async def graphql_socket(
    url: str, token: str | None = None, *, open_timeout: float = 10.0
) -> AsyncIterator[GraphQLSocket]:
    """Connect and initialise; the token goes both in the handshake and in connection_init.

    Gateways behind an authenticating proxy read the handshake header; a gateway that
    authenticates itself reads the connection_init payload, as graphql-transport-ws
    clients in browsers (which cannot set handshake headers) send it.
    """
    credentials = {"Authorization": f"Bearer {token}"} if token else {}
    async with connect(
        url,
        subprotocols=[PROTOCOL],
        additional_headers=credentials,
        open_timeout=open_timeout,
        ping_interval=20,
        ping_timeout=20,
        max_size=16 * 1024 * 1024,
    ) as socket:
        if socket.subprotocol != PROTOCOL:
            raise ProtocolError(f"the gateway at {url} does not speak graphql-transport-ws")
        client = GraphQLSocket(socket)
        await client.initialise(credentials, open_timeout)
        yield client
