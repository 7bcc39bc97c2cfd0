"""The GraphQL endpoint: queries over HTTP, subscriptions over both WebSocket protocols and SSE."""

from __future__ import annotations

import logging
from collections.abc import Callable
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
from gateway.auth.gatekeeper import Gatekeeper
from gateway.auth.principal import ANONYMOUS, AuthenticationError
from gateway.auth.visibility import Visibility
from gateway.http.graphiql import offline_graphiql_html
from gateway.http.guard import PRINCIPAL
from schema.context import ApiContext
from schema.errors import GatewayError

log = logging.getLogger(__name__)


class GatewayGraphQL(GraphQL[ApiContext, None]):
    def __init__(
        self,
        schema: BaseSchema,
        context: Callable[[], ApiContext],
        gatekeeper: Callable[[], Gatekeeper],
        *,
        max_subscriptions_per_connection: int = 50,
        allowed_origins: tuple[str, ...] = (),
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
        return ApiContext(
            queries=base.queries.scoped(visibility),
            hub=base.hub,
            logs=base.logs,
            limits=base.limits,
            principal=principal,
            limiter=gatekeeper.limiter if gatekeeper.enabled else None,
            request=request,
            response=response,
        )

    async def on_ws_connect(self, context: ApiContext) -> dict[str, object] | None:
        gatekeeper = self.gatekeeper()
        try:
            principal = await gatekeeper.from_connection_params(context.connection_params)
        except AuthenticationError as error:
            log.info("websocket refused", extra={"cause": str(error)})
            raise ConnectionRejectionError(
                {"message": str(error), "code": "UNAUTHENTICATED"}
            ) from error
        context.principal = principal
        context.queries = context.queries.scoped(await gatekeeper.visibility(principal))
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
        return await super().execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )

    def encode_json(self, data: Any) -> str:
        return orjson.dumps(data).decode()


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
