"""The two WebSocket protocols as this gateway speaks them: every message checked before
Strawberry reads it, the caller's credential and limits checked before each operation,
close reasons that fit a close frame, and sends that let the event loop run."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Mapping
from typing import Any

from starlette.websockets import WebSocket
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import (
    ConnectionInitMessage as LegacyConnectionInit,
)
from strawberry.subscriptions.protocols.graphql_ws.types import ErrorMessage, OperationMessage
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from gateway.auth import audit
from gateway.auth.ratelimit import RateLimited
from gateway.http import jsondepth
from gateway.http.operations import operation_type
from gateway.http.wscredential import SocketCredential
from gateway.store.errors import StoreUnavailable
from schema.context import ApiContext

log = logging.getLogger(__name__)

CLOSE_REASON_BYTES = 123
"""A close frame holds at most 125 bytes: the code's two, then the reason."""
YIELD_EVERY = 4
"""Messages sent on one WebSocket between two passes through the event loop.

A snapshot or a replay sends from memory without waiting for anything, and a write to
a connection the client has dropped does not wait either: the event loop learns of
the loss only on its next pass. Until then every write goes nowhere, and asyncio logs
a warning for each one past the fifth ("socket.send() raised exception."). Passing
through the loop every fourth message lets the next send find the client gone.
"""


def _gone(protocol: str) -> None:
    """A client that leaves mid-stream is ordinary: a closed laptop, a reloaded page."""
    log.debug("websocket client went away during a subscription", extra={"protocol": protocol})


class CheckedTransportWS(BaseGraphQLTransportWSHandler[ApiContext, None]):
    """graphql-transport-ws, with each message's shape checked before Strawberry reads it.

    Strawberry indexes messages as the protocol says they are: a message that is not
    an object, an id that is a list or a payload that is a string raise inside its
    handler, and the connection drops without a close frame. Such messages are
    invalid, and the protocol closes with 4400 for those. Its credential is checked again
    before each operation and on a timer (``SocketCredential``).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.credential = SocketCredential(self.context, self.websocket.close)

    async def handle_message(self, message: Message) -> None:
        problem = _transport_ws_problem(message)
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        if message.get("type") == "subscribe" and self.connection_acknowledged:
            if not await self.credential.still_accepted():
                return
            operation: Mapping[str, Any] = message
            refusal = _unlisted(self.view, operation) or await _uncounted(self.context)
            if refusal is not None:
                await self.websocket.send_json(
                    {"id": operation["id"], "type": "error", "payload": [refusal]}
                )
                return
        await super().handle_message(message)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        """The protocol's payload is optional, and ``null`` is how some clients (graphql-ws
        with no connectionParams) say "none": Strawberry closed those with 4400."""
        if message.get("payload", None) is None:
            message = {"type": "connection_init", "payload": {}}
        await super().handle_connection_init(message)
        if self.connection_acknowledged:
            self.credential.watch()

    async def shutdown(self) -> None:
        await self.credential.stop()
        await _give_back(self.context)
        await super().shutdown()

    async def handle_task_exception(self, error: Exception) -> None:
        """Strawberry logs every failed operation as an error with its traceback."""
        if isinstance(error, WebSocketDisconnected):
            _gone("graphql-transport-ws")
            return
        await super().handle_task_exception(error)


class CheckedLegacyWS(BaseGraphQLWSHandler[ApiContext, None]):
    """graphql-ws (the legacy protocol), with each message's shape checked the same way.

    That protocol has no close code for a bad message: the reference server answers
    with an ``error`` message and keeps the connection, and so does this one. Its
    credential is checked as on the other protocol.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.credential = SocketCredential(self.context, self.websocket.close)

    async def handle_message(self, message: OperationMessage) -> None:
        problem = _legacy_ws_problem(message)
        if problem is None:
            if message.get("type") == "start" and self.connection_acknowledged:
                if not await self.credential.still_accepted():
                    return
                started: Mapping[str, Any] = message
                refusal = _unlisted(self.view, started) or await _uncounted(self.context)
                if refusal is not None:
                    await self.websocket.send_json(
                        {"id": started["id"], "type": "error", "payload": refusal}
                    )
                    return
            await super().handle_message(message)
            return
        error: dict[str, object] = {"type": "error", "payload": {"message": problem}}
        operation = message.get("id") if isinstance(message, dict) else None
        if isinstance(operation, str):
            error["id"] = operation
        await self.websocket.send_json(error)

    async def handle_connection_init(self, message: LegacyConnectionInit) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged:
            self.credential.watch()

    async def cleanup(self) -> None:
        await self.credential.stop()
        await _give_back(self.context)
        await super().cleanup()

    async def handle_async_results(
        self,
        operation_id: str,
        query: str,
        operation_name: str | None,
        variables: dict[str, object] | None,
    ) -> None:
        """Strawberry lets a send to a departed client fail the operation's task, which
        nothing awaits then: asyncio reports "Task exception was never retrieved".

        Queries run too: older Apollo apps (subscriptions-transport-ws) send every
        operation over the socket, and Strawberry would only subscribe. There are no
        mutations, so nothing with effects can run this way.
        """
        try:
            if operation_type(query, operation_name) is OperationType.QUERY:
                await self._answer_query(operation_id, query, operation_name, variables)
                return
            await super().handle_async_results(operation_id, query, operation_name, variables)
        except WebSocketDisconnected:
            _gone("graphql-ws")

    async def _answer_query(
        self,
        operation_id: str,
        query: str,
        operation_name: str | None,
        variables: dict[str, object] | None,
    ) -> None:
        """One data message, then complete, as the reference server answers a query."""
        try:
            result = await self.schema.execute(
                query,
                variable_values=variables,
                context_value=self.context,
                root_value=self.root_value,
                operation_name=operation_name,
                allowed_operation_types=(OperationType.QUERY,),
            )
            if isinstance(result, PreExecutionError) and result.errors:
                error: ErrorMessage = {
                    "type": "error",
                    "id": operation_id,
                    "payload": result.errors[0].formatted,
                }
                await self.send_message(error)
                return
            await self.send_data_message(result, operation_id)
            await self.send_message({"type": "complete", "id": operation_id})
        finally:
            self.tasks.pop(operation_id, None)


class GatewayWebSocketAdapter(ASGIWebSocketAdapter):
    """Close reasons cut to what a close frame holds, and sends that let the loop run.

    Strawberry puts client text in some reasons ("Unknown message type: ...",
    "Subscriber for ... already exists", an operation name); a longer reason makes the
    WebSocket library refuse to send the close frame, and the connection drops instead.
    Sends pass through the event loop every ``YIELD_EVERY`` messages (see there).
    """

    def __init__(self, view: Any, request: WebSocket, response: WebSocket) -> None:
        super().__init__(view, request, response)
        self.sent = 0

    async def send_json(self, message: Mapping[str, object]) -> None:
        await super().send_json(message)
        self.sent += 1
        if self.sent % YIELD_EVERY == 0:
            await asyncio.sleep(0)

    async def iter_json(
        self, *, ignore_parsing_errors: bool = False
    ) -> AsyncGenerator[object, None]:
        """A message nested too deep closes the socket with 4400 and says why, on both
        protocols (the legacy one would otherwise drop it unseen or lose the socket)."""
        try:
            async for message in super().iter_json(ignore_parsing_errors=ignore_parsing_errors):
                yield message
        except jsondepth.TooDeep as error:
            await self.close(4400, str(error))

    async def close(self, code: int, reason: str) -> None:
        fitted = reason.encode()[:CLOSE_REASON_BYTES].decode(errors="ignore")
        await super().close(code, fitted)


async def _uncounted(context: ApiContext) -> dict[str, object] | None:
    """The error for an operation past its subject's request budget: a WebSocket counts
    each query and subscription it starts as an HTTP request is counted."""
    if context.limiter is None or context.principal is None:
        return None
    try:
        await context.limiter.request(context.principal.subject)
    except RateLimited as error:
        audit.denied(context.principal, "websocket", str(error))
        return {"message": str(error), "extensions": {"code": "RATE_LIMITED"}}
    except StoreUnavailable as error:
        return {"message": str(error), "extensions": {"code": "UNAVAILABLE"}}
    return None


async def _give_back(context: ApiContext) -> None:
    slots, context.connection_slots = context.connection_slots, []
    if context.limiter is not None and slots:
        await context.limiter.release(slots)


def _unlisted(view: object, message: Mapping[str, Any]) -> dict[str, object] | None:
    """The error for an operation whose query the allowList does not hold."""
    admits = getattr(view, "admits", None)
    query = message["payload"]["query"]
    if admits is None or admits(query):
        return None
    return {
        "message": "this gateway serves only the queries registered at deploy time",
        "extensions": {"code": "PERSISTED_QUERY_NOT_ALLOWED"},
    }


def _transport_ws_problem(message: object) -> str | None:
    if not isinstance(message, dict):
        return "a message must be a JSON object"
    kind = message.get("type")
    if kind in ("subscribe", "complete") and not isinstance(message.get("id"), str):
        return f"{kind} needs an id that is a string"
    if kind == "subscribe":
        return _payload_problem(message.get("payload"))
    return None


def _legacy_ws_problem(message: object) -> str | None:
    if not isinstance(message, dict):
        return "a message must be a JSON object"
    kind = message.get("type")
    if not isinstance(kind, str):
        return "a message needs a type that is a string"
    if kind in ("start", "stop") and not isinstance(message.get("id"), str):
        return f"{kind} needs an id that is a string"
    if kind == "start":
        return _payload_problem(message.get("payload"))
    return None


def _payload_problem(payload: object) -> str | None:
    """What is wrong with an operation's payload: {query, variables?, operationName?, ...}."""
    if not isinstance(payload, dict):
        return "the payload must be an object"
    if not isinstance(payload.get("query"), str):
        return "the payload's query must be a string"
    for key, kind in (("variables", dict), ("extensions", dict), ("operationName", str)):
        if payload.get(key) is not None and not isinstance(payload[key], kind):
            return f"the payload's {key} must be {'a string' if kind is str else 'an object'}"
    return None
