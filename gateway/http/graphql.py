"""The GraphQL endpoint: queries over HTTP, subscriptions over both WebSocket protocols and SSE."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter
from graphql import GraphQLError, OperationDefinitionNode, parse
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData
from strawberry.schema import BaseSchema
from strawberry.subscriptions import (
    GRAPHQL_SSE_PROTOCOL,
    GRAPHQL_TRANSPORT_WS_PROTOCOL,
    GRAPHQL_WS_PROTOCOL,
)
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
from gateway.http.websocket import CheckedLegacyWS, CheckedTransportWS, GatewayWebSocketAdapter
from gateway.store.errors import StoreUnavailable
from gateway.store.queries import Queries
from gateway.visibility import Visibility
from schema.context import ApiContext
from schema.errors import GatewayError

log = logging.getLogger(__name__)


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
