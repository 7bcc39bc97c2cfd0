"""A minimal graphql-transport-ws client over the websockets library, for protocol-level tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect


class TransportWs:
    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self._next_id = 0

    async def send(self, message: dict[str, Any]) -> None:
        await self.socket.send(json.dumps(message))

    async def receive(self, seconds: float = 10) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.socket.recv(), seconds)
        message: dict[str, Any] = json.loads(raw)
        return message

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        self._next_id += 1
        operation = str(self._next_id)
        await self.send(
            {
                "id": operation,
                "type": "subscribe",
                "payload": {"query": query, "variables": variables or {}},
            }
        )
        return operation

    async def next_payload(self, operation: str, seconds: float = 10) -> dict[str, Any]:
        """The next ``next`` payload of this operation; errors and completion raise."""
        while True:
            message = await self.receive(seconds)
            if message.get("type") == "ping":
                await self.send({"type": "pong"})
                continue
            if message.get("id") != operation:
                continue
            if message["type"] == "next":
                payload: dict[str, Any] = message["payload"]
                return payload
            raise AssertionError(f"expected next for {operation}, got {message}")


@asynccontextmanager
async def transport_ws(
    url: str, payload: dict[str, Any] | None = None
) -> AsyncIterator[TransportWs]:
    async with connect(url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        client = TransportWs(socket)
        await client.send({"type": "connection_init", "payload": payload or {}})
        ack = await client.receive()
        assert ack["type"] == "connection_ack", ack
        yield client
