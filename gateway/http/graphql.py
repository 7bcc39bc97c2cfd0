"""The GraphQL endpoint: queries over HTTP, subscriptions over both WebSocket protocols and SSE."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter
from graphql import GraphQLError, OperationDefinitionNode, parse
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.schema import BaseSchema
from strawberry.subscriptions import (
    GRAPHQL_SSE_PROTOCOL,
    GRAPHQL_TRANSPORT_WS_PROTOCOL,
    GRAPHQL_WS_PROTOCOL,
)
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
from strawberry.subscriptions.protocols.graphql_ws.types import OperationMessage
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from typing_extensions import override

from gateway.auth import audit
from gateway.auth.gatekeeper import Gatekeeper, bearer
from gateway.auth.principal import ANONYMOUS, AuthenticationError, Principal
from gateway.auth.ratelimit import RateLimited
from gateway.auth.unavailable import VerificationUnavailable
from gateway.http import jsondepth
from gateway.http.graphiql import offline_graphiql_html
from gateway.http.guard import PRINCIPAL, RETRY_REDIS
from gateway.http.wscredential import SocketCredential
from gateway.store.errors import StoreUnavailable
from gateway.store.queries import Queries
from gateway.visibility import Visibility
from schema.context import ApiContext
from schema.errors import GatewayError

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
        nothing awaits then: asyncio reports "Task exception was never retrieved"."""
        try:
            await super().handle_async_results(operation_id, query, operation_name, variables)
        except WebSocketDisconnected:
            _gone("graphql-ws")


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


class GatewayGraphQL(GraphQL[ApiContext, None]):
    graphql_transport_ws_handler_class = CheckedTransportWS
    graphql_ws_handler_class = CheckedLegacyWS
    websocket_adapter_class = GatewayWebSocketAdapter

    def __init__(
        self,
        schema: BaseSchema,
        context: Callable[[], ApiContext],
        gatekeeper: Callable[[], Gatekeeper],
        *,
        max_subscriptions_per_connection: int = 50,
        allowed_origins: tuple[str, ...] = (),
        admits: Callable[[str], bool] = lambda query: True,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            subscription_protocols=(
                GRAPHQL_TRANSPORT_WS_PROTOCOL,
                GRAPHQL_WS_PROTOCOL,
                GRAPHQL_SSE_PROTOCOL,
            ),
            connection_init_wait_timeout=timedelta(seconds=10),
            max_subscriptions_per_connection=max_subscriptions_per_connection,
            allowed_origins=allowed_origins,
        )
        self.base_context = context
        self.gatekeeper = gatekeeper
        self.admits = admits
        """Whether a WebSocket operation's query may run (the persisted queries' allowList)."""
        self._ide = offline_graphiql_html(self.graphql_ide_html)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> ApiContext:
        """HTTP callers were authenticated by the guard; WebSocket ones are in on_ws_connect."""
        base = self.base_context()
        gatekeeper = self.gatekeeper()
        principal = request.scope.get(PRINCIPAL) if isinstance(request, Request) else None
        if principal is None and not gatekeeper.enabled:
            principal = ANONYMOUS
        visibility = (
            await gatekeeper.visibility(principal) if principal is not None else Visibility()
        )
        reauthorize = None
        if isinstance(request, Request) and gatekeeper.enabled:
            token = bearer(request.headers.get("authorization"))
            reauthorize = _rechecking(base.queries, gatekeeper, lambda: gatekeeper.principal(token))
        return ApiContext(
            queries=base.queries.scoped(visibility),
            hub=base.hub,
            logs=base.logs,
            limits=base.limits,
            principal=principal,
            limiter=gatekeeper.limiter if gatekeeper.enabled else None,
            request=request,
            response=response,
            reauthorize=reauthorize,
            recheck_seconds=base.recheck_seconds,
        )

    async def on_ws_connect(self, context: ApiContext) -> dict[str, object] | None:
        gatekeeper = self.gatekeeper()
        limiter = gatekeeper.limiter if gatekeeper.enabled else None
        request = context.request
        address = request.client.host if isinstance(request, WebSocket) and request.client else ""
        try:
            if limiter is not None:
                await limiter.check_failures(address or "unknown")
            principal = await gatekeeper.from_connection_params(context.connection_params)
        except RateLimited as error:
            raise ConnectionRejectionError(
                {"message": str(error), "code": "RATE_LIMITED"}
            ) from error
        except StoreUnavailable as error:
            raise ConnectionRejectionError(
                {"message": str(error), "code": "UNAVAILABLE"}
            ) from error
        except AuthenticationError as error:
            log.info("websocket refused", extra={"cause": str(error)})
            code = (
                "UNAVAILABLE" if isinstance(error, VerificationUnavailable) else "UNAUTHENTICATED"
            )
            if limiter is not None and code == "UNAUTHENTICATED":
                with contextlib.suppress(StoreUnavailable):
                    await limiter.failed(address or "unknown")
            raise ConnectionRejectionError({"message": str(error), "code": code}) from error
        if limiter is not None:
            try:
                context.connection_slots = await limiter.hold_connection(
                    principal.subject, address or "unknown"
                )
            except (RateLimited, StoreUnavailable) as error:
                code = "RATE_LIMITED" if isinstance(error, RateLimited) else "UNAVAILABLE"
                audit.denied(principal, "websocket", str(error))
                raise ConnectionRejectionError({"message": str(error), "code": code}) from error
        context.principal = principal
        unscoped = context.queries
        context.queries = unscoped.scoped(await gatekeeper.visibility(principal))
        if gatekeeper.enabled:
            params = dict(context.connection_params)
            context.reauthorize = _rechecking(
                unscoped, gatekeeper, lambda: gatekeeper.from_connection_params(params)
            )
        audit.connected(principal, "websocket")
        return None

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(self._ide)

    @override
    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: ApiContext,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """A subscription sent as a plain request gets a readable error, not an internal one.

        Strawberry admits subscriptions on POST for the streaming transports; without
        one (no event-stream or multipart Accept) the operation cannot be delivered.
        """
        if _operation_type(request_data) is OperationType.SUBSCRIPTION:
            return ExecutionResult(
                data=None,
                errors=[
                    GatewayError(
                        "subscriptions need a WebSocket (graphql-transport-ws or graphql-ws) "
                        "or Server-Sent Events (Accept: text/event-stream)",
                        "BAD_REQUEST",
                    )
                ],
            )
        result = await super().execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )
        if result.data is None and result.errors and all(map(_unavailable, result.errors)):
            # Nothing could be answered because Redis is away: a status that proxies,
            # load balancers and retrying clients understand, as the guard's refusals.
            sub_response.status_code = 503
            sub_response.headers["retry-after"] = RETRY_REDIS.decode()
        return result

    def encode_json(self, data: Any) -> str:
        return orjson.dumps(data).decode()

    def decode_json(self, data: str | bytes) -> object:
        """``json`` raises a plain ValueError for numbers of more than 4300 digits; callers
        (query-string variables, WebSocket messages) expect a JSONDecodeError for bad JSON."""
        try:
            return jsondepth.loads(data, "the message")
        except (json.JSONDecodeError, jsondepth.TooDeep):
            raise
        except ValueError as error:
            text = data if isinstance(data, str) else data.decode(errors="replace")
            raise json.JSONDecodeError("a number is too long", text, 0) from error


def _unavailable(error: GraphQLError) -> bool:
    return (error.extensions or {}).get("code") == "UNAVAILABLE"


def _rechecking(
    unscoped: Queries, gatekeeper: Gatekeeper, principal: Callable[[], Awaitable[Principal]]
) -> Callable[[], Awaitable[Queries]]:
    """The caller's queries scoped anew from its credential, for subscriptions that outlive
    the moment it was checked (AuthenticationError once it is refused)."""

    async def reauthorize() -> Queries:
        return unscoped.scoped(await gatekeeper.visibility(await principal()))

    return reauthorize


def _operation_type(request_data: GraphQLRequestData) -> OperationType | None:
    if not request_data.query:
        return None
    try:
        document = parse(request_data.query)
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o
        for o in operations
        if request_data.operation_name is None
        or (o.name is not None and o.name.value == request_data.operation_name)
    ]
    if len(chosen) != 1:
        return None
    return OperationType(chosen[0].operation.value)
