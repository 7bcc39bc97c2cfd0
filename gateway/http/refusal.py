"""A request refused before it reaches GraphQL, answered as GraphQL clients expect: a JSON
``{errors: [{message, extensions: {code}}]}`` body with the status that says why."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]


class Refusal(Exception):
    def __init__(
        self, status: int, message: str, code: str, headers: tuple[tuple[bytes, bytes], ...] = ()
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.headers = headers


async def refuse(send: Send, refusal: Refusal) -> None:
    """The refusal as a GraphQL-shaped error response."""
    body = json.dumps(
        {"errors": [{"message": str(refusal), "extensions": {"code": refusal.code}}]}
    ).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *refusal.headers,
    ]
    await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
