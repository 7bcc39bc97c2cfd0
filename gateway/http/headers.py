"""A bound on request headers for every route, HTTP and WebSocket alike.

The HTTP parser only bounds headers that arrive in pieces; a client sending a huge
header in one packet would otherwise reach the application whole.
"""

from __future__ import annotations

from gateway.http.guard import App, Receive, Scope, Send
from gateway.http.refusal import Refusal, refuse


class HeaderLimit:
    def __init__(self, app: App, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            size = sum(len(name) + len(value) for name, value in scope.get("headers") or ())
            if size > self.max_bytes:
                await self._refuse(scope, send, size)
                return
        await self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, send: Send, size: int) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1009, "reason": "headers too large"})
            return
        message = f"request headers of {size} bytes exceed the limit of {self.max_bytes}"
        await refuse(send, Refusal(431, message, "HEADERS_TOO_LARGE"))
