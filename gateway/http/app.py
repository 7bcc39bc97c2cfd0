"""The Starlette application; its lifespan starts and stops the gateway."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from gateway import metrics
from gateway.http.graphiql import STATIC_DIR
from gateway.http.graphql import GatewayGraphQL
from gateway.http.guard import GraphQLGuard, PersistedQueries
from gateway.service import Gateway
from schema.build import Protection, build_schema
from schema.context import ApiContext, Limits

DEFAULT_PROTECTION = Protection()
DEFAULT_LIMITS = Limits()


MAX_BODY_BYTES = 1 << 20


def build_app(
    gateway: Gateway,
    protection: Protection = DEFAULT_PROTECTION,
    limits: Limits = DEFAULT_LIMITS,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> Starlette:
    def api_context() -> ApiContext:
        return ApiContext(
            queries=gateway.queries, hub=gateway.hub, logs=gateway.logs, limits=limits
        )

    graphql = GatewayGraphQL(build_schema(protection), api_context)
    guarded = GraphQLGuard(
        graphql, PersistedQueries(lambda: gateway.client, gateway.keys), max_body_bytes
    )

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        ready, details = await gateway.readiness()
        return JSONResponse({"ready": ready, **details}, status_code=200 if ready else 503)

    async def prometheus(request: Request) -> Response:
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

    return Starlette(
        routes=[
            Route("/", home),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", prometheus),
            Route("/graphql", guarded, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        lifespan=lifespan,
    )
