"""The Starlette application; its lifespan starts and stops the gateway."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from gateway import metrics
from gateway.auth import audit
from gateway.auth.gatekeeper import bearer
from gateway.auth.principal import AuthenticationError
from gateway.auth.unavailable import VerificationUnavailable
from gateway.config import Config
from gateway.http.board import board_route, list_route
from gateway.http.graphiql import STATIC_DIR
from gateway.http.graphql import GatewayGraphQL
from gateway.http.guard import RETRY_VERIFICATION, GraphQLGuard
from gateway.http.headers import HeaderLimit
from gateway.http.persisted import PersistedQueries, load_allow_list
from gateway.http.ssesingle import TOKEN_HEADER
from gateway.service import Gateway
from schema.build import Protection, build_schema, registration_check
from schema.context import ApiContext, Limits

DEFAULT_CONFIG = Config()


def build_app(gateway: Gateway, config: Config = DEFAULT_CONFIG) -> Starlette:
    configured = config.limits
    protection = Protection(
        max_depth=configured.max_depth,
        max_tokens=configured.max_tokens,
        max_aliases=configured.max_aliases,
        max_cost=config.auth.max_cost,
        max_page=configured.max_page,
    )
    limits = Limits(
        subscription_buffer=configured.subscription_buffer, snapshot_max=configured.snapshot_max
    )

    def api_context() -> ApiContext:
        return ApiContext(
            queries=gateway.queries,
            hub=gateway.hub,
            logs=gateway.logs,
            limits=limits,
            recheck_seconds=config.auth.recheck_seconds,
        )

    schema = build_schema(protection)
    check = registration_check(schema, protection)
    settings = config.persisted_queries
    allowed = load_allow_list(settings.allow_list, check) if settings.allow_list else None
    persisted = PersistedQueries(lambda: gateway.client, gateway.keys, settings, check, allowed)
    graphql = GatewayGraphQL(
        schema,
        api_context,
        lambda: gateway.gatekeeper,
        max_subscriptions_per_connection=configured.max_subscriptions_per_connection,
        allowed_origins=config.server.websocket_origins,
        admits=persisted.admits,
        problem_of=check,
    )
    guarded = GraphQLGuard(
        graphql,
        persisted,
        config.server.max_body_bytes,
        lambda: gateway.gatekeeper,
    )

    async def healthz(request: Request) -> JSONResponse:
        if not gateway.alive:
            return JSONResponse(
                {"status": "the embedded redis cannot be started again"}, status_code=503
            )
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        """Probes need only the status; what each cluster is called, which replica holds it
        and why Redis fails is for callers who may read the metrics."""
        ready, details = await gateway.readiness()
        body: dict[str, object] = {"ready": ready}
        if await may_read_operations(request):
            body.update(details)
        return JSONResponse(body, status_code=200 if ready else 503)

    async def may_read_operations(request: Request) -> bool:
        gatekeeper = gateway.gatekeeper
        if not gatekeeper.enabled or config.auth.metrics_public:
            return True
        try:
            principal = await gatekeeper.principal(bearer(request.headers.get("authorization")))
        except AuthenticationError:
            return False
        return gatekeeper.grants_metrics(principal)

    async def prometheus(request: Request) -> Response:
        """Operational data for operators: behind authentication unless declared public."""
        gatekeeper = gateway.gatekeeper
        if gatekeeper.enabled and not config.auth.metrics_public:
            try:
                principal = await gatekeeper.principal(bearer(request.headers.get("authorization")))
            except VerificationUnavailable as error:
                audit.denied(None, "metrics", str(error))
                return PlainTextResponse(
                    f"{error}\n",
                    status_code=503,
                    headers={"Retry-After": RETRY_VERIFICATION.decode()},
                )
            except AuthenticationError as error:
                audit.denied(None, "metrics", str(error))
                return PlainTextResponse(
                    f"{error}\n", status_code=401, headers={"WWW-Authenticate": "Bearer"}
                )
            if not gatekeeper.grants_metrics(principal):
                audit.denied(principal, "metrics", "no rule grants metrics")
                return PlainTextResponse("no rule grants you the metrics\n", status_code=403)
        return Response(metrics.render(gateway), media_type=CONTENT_TYPE_LATEST)

    async def home(request: Request) -> RedirectResponse:
        return RedirectResponse("/graphql")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await gateway.start()
        try:
            yield
        finally:
            await gateway.stop()

    middleware = [Middleware(HeaderLimit, max_bytes=config.server.max_header_bytes)]
    if config.server.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(config.server.cors_origins),
                # PUT and DELETE and the token header: graphql-sse's single connection mode.
                allow_methods=["GET", "POST", "PUT", "DELETE"],
                allow_headers=["authorization", "content-type", TOKEN_HEADER],
            )
        )
    return Starlette(
        middleware=middleware,
        routes=[
            Route("/", home),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            board_route(),
            list_route(),
            Route("/metrics", prometheus),
            # Every method reaches the endpoint, which answers the ones it does not serve
            # with a GraphQL error body (Starlette's own 405 is plain text).
            Route("/graphql", guarded),
            WebSocketRoute("/graphql", graphql),
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        lifespan=lifespan,
    )
