"""The GraphQL endpoint: queries over HTTP, subscriptions over both WebSocket protocols and SSE."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from types import MappingProxyType
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.streaming import HTTPStreamTransport
from strawberry.schema import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError
from strawberry.subscriptions import (
    GRAPHQL_SSE_PROTOCOL,
    GRAPHQL_TRANSPORT_WS_PROTOCOL,
    GRAPHQL_WS_PROTOCOL,
)
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
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
from gateway.http.negotiation import (
    EVENT_STREAM,
    GRAPHQL_RESPONSE_JSON,
    JSON,
    JSON_TYPES,
    parse_accept,
    quality,
)
from gateway.http.operations import operation_type
from gateway.http.refusal import Refusal, refuse
from gateway.http.sse import GatewaySSETransport
from gateway.http.ssesingle import SingleConnectionStreams
from gateway.http.websocket import CheckedLegacyWS, CheckedTransportWS, GatewayWebSocketAdapter
from gateway.store.errors import StoreUnavailable
from gateway.store.queries import Queries
from gateway.visibility import Visibility
from schema import sharedresults
from schema.context import ApiContext
from schema.errors import OPERATION_RESOLUTION_FAILURE, GatewayError

log = logging.getLogger(__name__)


HTTP_REFUSAL_CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
}
UNSUPPORTED_CONTENT = "Unsupported content type"


class GatewayGraphQL(GraphQL[ApiContext, None]):
    graphql_transport_ws_handler_class = CheckedTransportWS
    graphql_ws_handler_class = CheckedLegacyWS
    websocket_adapter_class = GatewayWebSocketAdapter
    stream_transport_classes_by_protocol: Mapping[str, type[HTTPStreamTransport]] = (
        MappingProxyType({GRAPHQL_SSE_PROTOCOL: GatewaySSETransport})
    )

    def __init__(
        self,
        schema: BaseSchema,
        context: Callable[[], ApiContext],
        gatekeeper: Callable[[], Gatekeeper],
        *,
        max_subscriptions_per_connection: int = 50,
        allowed_origins: tuple[str, ...] = (),
        admits: Callable[[str], bool] = lambda query: True,
        problem_of: Callable[[str], str | None] = lambda query: None,
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
        self.single_streams = SingleConnectionStreams(
            schema, self._http_context, self.process_result, json_error, problem_of
        )

    async def _http_context(self, request: Request) -> ApiContext:
        return await self.get_context(request, Response())

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
            reauthorize = _rechecking(
                base.queries, gatekeeper, f"bearer {token}", lambda: gatekeeper.principal(token)
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
                unscoped,
                gatekeeper,
                f"params {sorted((str(k), str(v)) for k, v in params.items())}",
                lambda: gatekeeper.from_connection_params(params),
            )
        audit.connected(principal, "websocket")
        return None

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(self._ide)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Strawberry answers a refused request in plain text, which GraphQL clients show
        as a parse error of their own; here it is a GraphQL error body with a code."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        if SingleConnectionStreams.concerns(request):
            await (await self.single_streams.handle(request))(scope, receive, send)
            return
        try:
            response = await self.run(request)
        except HTTPException as error:
            if error.reason == UNSUPPORTED_CONTENT:
                message = (
                    "unsupported Content-Type: send the request as application/json "
                    "(or a GET with the query in the URL)"
                )
                await refuse(send, Refusal(415, message, "UNSUPPORTED_MEDIA_TYPE"))
                return
            code = (
                OPERATION_RESOLUTION_FAILURE
                if isinstance(error.__cause__, CannotGetOperationTypeError)
                else HTTP_REFUSAL_CODES.get(error.status_code, "BAD_REQUEST")
            )
            allow = ((b"allow", b"GET, POST"),) if error.status_code == 405 else ()
            await refuse(send, Refusal(error.status_code, error.reason, code, allow))
            return
        await response(scope, receive, send)

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        """Carries the media type the result is answered in, chosen from the Accept header."""
        sub_response = await super().get_sub_response(request)
        if isinstance(request, Request):
            sub_response.media_type = result_media_type(request.headers.get("accept"))
        return sub_response

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """A query streams only when the client prefers the event stream to JSON; a
        subscription whenever it accepts it (it cannot be answered otherwise)."""
        data = await super().parse_http_body(request)
        accept = request.headers.get("accept") or ""
        if isinstance(data, GraphQLRequestData) and data.protocol == GatewaySSETransport.protocol:
            ranges = parse_accept(accept)
            json_quality = max(quality(ranges, t) for t in JSON_TYPES)
            streaming = quality(ranges, EVENT_STREAM) > json_quality
            if (
                not streaming
                and operation_type(data.query, data.operation_name)
                is not OperationType.SUBSCRIPTION
            ):
                data.protocol = "http"
        protocols = [d.protocol for d in data] if isinstance(data, list) else [data.protocol]
        if "http" in protocols and result_media_type(accept) is None:
            raise HTTPException(
                406,
                "none of the Accept header's types can be served: ask for "
                f"{GRAPHQL_RESPONSE_JSON}, {JSON} or, for subscriptions, {EVENT_STREAM}",
            )
        return data

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """A request that never reached execution has no ``data`` entry, as the GraphQL
        spec says (7.1.2); ``data: null`` would mean execution failed at its root."""
        response = await super().process_result(request, result)
        if is_request_error(result):
            response.pop("data", None)
        return response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = Response(
            self.encode_json(response_data),
            status_code=sub_response.status_code or 200,
            media_type=sub_response.media_type or JSON,
        )
        response.headers.raw.extend(sub_response.headers.raw)
        if sub_response.background:
            response.background = sub_response.background
        return response

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
        if (
            operation_type(request_data.query, request_data.operation_name)
            is OperationType.SUBSCRIPTION
        ):
            if sub_response.media_type == GRAPHQL_RESPONSE_JSON:
                sub_response.status_code = 400
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
        if is_request_error(result) and sub_response.media_type == GRAPHQL_RESPONSE_JSON:
            # The media type's own rule: a request that could not be executed is a 4xx,
            # so a client learns it from the status (application/json answers 200).
            sub_response.status_code = 400
        if result.data is None and result.errors and all(map(_unavailable, result.errors)):
            # Nothing could be answered because Redis is away: a status that proxies,
            # load balancers and retrying clients understand, as the guard's refusals.
            sub_response.status_code = 503
            sub_response.headers["retry-after"] = RETRY_REDIS.decode()
        return result

    def encode_json(self, data: Any) -> str:
        """Every WebSocket frame and SSE event goes through here: a subscription answer
        shared by a group of subscribers is spliced in, serialised once for them all."""
        return sharedresults.encode(data)

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


def json_error(status: int, message: str, code: str) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(orjson.dumps(body), status_code=status, media_type=JSON)


def result_media_type(accept: str | None) -> str | None:
    """``application/graphql-response+json`` when the client names it and likes it at least
    as well as ``application/json``; ``application/json`` for everything else it accepts
    (``*/*`` included, as the reference server graphql-http does: clients from before the
    new type expect JSON); None when it accepts neither."""
    if not accept or not accept.strip():
        return JSON
    ranges = parse_accept(accept)
    if not ranges:
        return JSON
    named = max(
        (
            r.quality
            for r in ranges
            if (r.type, r.subtype) == tuple(GRAPHQL_RESPONSE_JSON.split("/"))
        ),
        default=0.0,
    )
    plain = quality(ranges, JSON)
    if named > 0 and named >= plain:
        return GRAPHQL_RESPONSE_JSON
    return JSON if plain > 0 else None


def is_request_error(result: ExecutionResult) -> bool:
    """Refused before execution (parse, validation, limits, variable values): nothing ran,
    so no error has a path."""
    if isinstance(result, PreExecutionError):
        return True
    return (
        result.data is None
        and bool(result.errors)
        and all(e.path is None for e in result.errors or ())
    )


def _unavailable(error: GraphQLError) -> bool:
    return (error.extensions or {}).get("code") == "UNAVAILABLE"


def _rechecking(
    unscoped: Queries,
    gatekeeper: Gatekeeper,
    credential: str,
    principal: Callable[[], Awaitable[Principal]],
) -> Callable[[], Awaitable[Queries]]:
    """The caller's queries scoped anew from its credential, for subscriptions that outlive
    the moment it was checked (AuthenticationError once it is refused); ``credential`` is
    what identifies the credential, for overlapping rechecks to share one check."""

    async def reauthorize() -> Queries:
        return unscoped.scoped(await gatekeeper.recheck(credential, principal))

    return reauthorize
