"""The GraphQL endpoint: queries over HTTP, subscriptions over both WebSocket protocols and SSE."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.schema import BaseSchema
from strawberry.subscriptions import (
    GRAPHQL_SSE_PROTOCOL,
    GRAPHQL_TRANSPORT_WS_PROTOCOL,
    GRAPHQL_WS_PROTOCOL,
)

from gateway.http.graphiql import offline_graphiql_html
from schema.context import ApiContext


class GatewayGraphQL(GraphQL[ApiContext, None]):
    def __init__(
        self,
        schema: BaseSchema,
        context: Callable[[], ApiContext],
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
        self._ide = offline_graphiql_html(self.graphql_ide_html)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> ApiContext:
        base = self.base_context()
        return ApiContext(
            queries=base.queries,
            hub=base.hub,
            logs=base.logs,
            limits=base.limits,
            request=request,
            response=response,
        )

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(self._ide)

    def encode_json(self, data: Any) -> str:
        return orjson.dumps(data).decode()
