"""graphql-sse's single connection mode: one event stream per client, operations sent beside it.

A browser opens at most six HTTP/1.1 connections per host, so a console with a dozen
subscriptions in several tabs cannot give each its own stream. In this mode the client
reserves a stream (PUT, answered 201 with a token), opens it (GET with the token, as
``X-GraphQL-Event-Stream-Token`` or ``?token=``), then POSTs each operation with the token
and an ``extensions.operationId``; the POST is answered 202 and the operation's results
arrive on the stream as ``next`` events ``{id, payload}`` and a ``complete`` event ``{id}``.
DELETE with ``?operationId=`` stops one. A request error (the document does not parse or
validate) is answered on the POST itself, as GraphQL over HTTP says.

A reservation belongs to the caller who made it: the stream and every operation must come
with the same credential's subject, or the token is unknown. Reservations live in the
replica that made them: behind several replicas the load balancer must keep a client on
one (session affinity; docs/deployment.md). A reservation not opened within
``OPEN_WITHIN_SECONDS`` is dropped; closing the stream stops its operations.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema import BaseSchema
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from gateway.auth.principal import Principal
from gateway.http.guard import PRINCIPAL
from gateway.http.operations import operation_type
from schema.context import ApiContext
from schema.sharedresults import encode

log = logging.getLogger(__name__)

TOKEN_HEADER = "x-graphql-event-stream-token"
TOKEN_PARAMETER = "token"
OPEN_WITHIN_SECONDS = 30.0
HEARTBEAT_SECONDS = 12.0
RESERVATIONS_PER_SUBJECT = 20
OPERATIONS_PER_STREAM = 50
QUEUED_EVENTS = 2000
"""Events waiting for a stream's client: past this it reads too slowly and is closed."""

JsonError = Callable[[int, str, str], Response]
"""(status, message, code) -> a GraphQL error response."""
Results = Callable[[Request, ExecutionResult], Awaitable[GraphQLHTTPResponse]]


@dataclass(eq=False)
class Reservation:
    subject: str
    created: float
    events: asyncio.Queue[bytes | None] = field(
        default_factory=lambda: asyncio.Queue(QUEUED_EVENTS)
    )
    opened: bool = False
    operations: dict[str, asyncio.Task[None]] = field(default_factory=dict)

    def send(self, event: str, data: object) -> bool:
        """False when the client has fallen too far behind (the stream is then ended)."""
        try:
            self.events.put_nowait(
                b"event: " + event.encode() + b"\ndata: " + encode(data).encode() + b"\n\n"
            )
        except asyncio.QueueFull:
            return False
        return True

    def stop(self) -> None:
        for task in self.operations.values():
            task.cancel()
        self.operations.clear()


def token_of(request: Request) -> str | None:
    return request.headers.get(TOKEN_HEADER) or request.query_params.get(TOKEN_PARAMETER)


def subject_of(request: Request) -> str:
    principal = request.scope.get(PRINCIPAL)
    return principal.subject if isinstance(principal, Principal) else ""


class SingleConnectionStreams:
    """The reservations of this replica, and the four requests of the mode."""

    def __init__(
        self,
        schema: BaseSchema,
        context: Callable[[Request], Awaitable[ApiContext]],
        results: Results,
        error: JsonError,
        problem_of: Callable[[str], str | None],
    ) -> None:
        self.schema = schema
        self.context = context
        self.results = results
        self.error = error
        self.problem_of = problem_of
        self.reservations: dict[str, Reservation] = {}

    @staticmethod
    def concerns(request: Request) -> bool:
        return request.method in ("PUT", "DELETE") or token_of(request) is not None

    async def handle(self, request: Request) -> Response:
        self._forget_stale()
        if request.method == "PUT":
            return self._reserve(request)
        token = token_of(request) or ""
        reservation = self.reservations.get(token)
        if reservation is None or reservation.subject != subject_of(request):
            return self.error(404, "no such event stream reservation: PUT to make one", "NOT_FOUND")
        if request.method == "DELETE":
            return self._stop(request, reservation)
        if request.method == "GET" or not await request.body():
            return self._open(token, reservation)
        if request.method == "POST":
            return await self._start(request, reservation)
        return self.error(405, "use PUT, GET, POST or DELETE", "METHOD_NOT_ALLOWED")

    def _forget_stale(self) -> None:
        now = time.monotonic()
        for token, reservation in list(self.reservations.items()):
            if not reservation.opened and now - reservation.created > OPEN_WITHIN_SECONDS:
                del self.reservations[token]

    def _reserve(self, request: Request) -> Response:
        subject = subject_of(request)
        held = sum(1 for r in self.reservations.values() if r.subject == subject)
        if held >= RESERVATIONS_PER_SUBJECT:
            return self.error(
                429,
                f"{subject or 'this caller'} holds {held} event streams already",
                "RATE_LIMITED",
            )
        token = secrets.token_urlsafe(24)
        self.reservations[token] = Reservation(subject, time.monotonic())
        return PlainTextResponse(token, status_code=201)

    def _open(self, token: str, reservation: Reservation) -> Response:
        if reservation.opened:
            return self.error(409, "this reservation's event stream is open already", "CONFLICT")
        reservation.opened = True
        return StreamingResponse(
            self._stream(token, reservation),
            media_type="text/event-stream",
            headers={"cache-control": "no-cache, no-transform", "x-accel-buffering": "no"},
        )

    async def _stream(self, token: str, reservation: Reservation) -> AsyncIterator[bytes]:
        """Headers go out at once (the client sends its operations only once they came);
        a comment every HEARTBEAT_SECONDS keeps proxies from timing the stream out."""
        try:
            yield b": connected\n\n"
            while True:
                try:
                    event = await asyncio.wait_for(reservation.events.get(), HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield b": ping\n\n"
                    continue
                if event is None:
                    return
                yield event
        finally:
            reservation.stop()
            self.reservations.pop(token, None)

    def _stop(self, request: Request, reservation: Reservation) -> Response:
        operation = request.query_params.get("operationId", "")
        task = reservation.operations.pop(operation, None)
        if task is not None:
            task.cancel()
        return Response(status_code=200)

    async def _start(self, request: Request, reservation: Reservation) -> Response:
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return self.error(400, "the request body is not valid JSON", "BAD_REQUEST")
        data = _request_data(body)
        if isinstance(data, str):
            return self.error(400, data, "BAD_REQUEST")
        operation = str((data.extensions or {}).get("operationId") or "")
        if not operation:
            return self.error(400, "extensions.operationId names the operation", "BAD_REQUEST")
        if operation in reservation.operations:
            return self.error(409, f"operation {operation} is running already", "CONFLICT")
        if len(reservation.operations) >= OPERATIONS_PER_STREAM:
            return self.error(
                429, f"at most {OPERATIONS_PER_STREAM} operations per stream", "RATE_LIMITED"
            )
        problem = self.problem_of(data.query or "")
        if problem is not None:
            code = (
                "GRAPHQL_PARSE_FAILED"
                if problem.startswith("does not parse")
                else ("GRAPHQL_VALIDATION_FAILED")
            )
            return self.error(400, f"the operation {problem}", code)
        context = await self.context(request)
        task = asyncio.create_task(
            self._run(request, reservation, operation, data, context),
            name=f"sse-operation-{operation}",
        )
        reservation.operations[operation] = task
        return Response(status_code=202)

    async def _run(
        self,
        request: Request,
        reservation: Reservation,
        operation: str,
        data: GraphQLRequestData,
        context: ApiContext,
    ) -> None:
        try:
            async for result in self._results(data, context):
                payload = await self.results(request, result)
                if not reservation.send("next", {"id": operation, "payload": payload}):
                    log.info("event stream client too slow: closed", extra={"operation": operation})
                    reservation.stop()
                    with contextlib.suppress(asyncio.QueueFull):
                        reservation.events.put_nowait(None)
                    return
            reservation.send("complete", {"id": operation})
        except asyncio.CancelledError:
            reservation.send("complete", {"id": operation})
            raise
        finally:
            reservation.operations.pop(operation, None)

    async def _results(
        self, data: GraphQLRequestData, context: ApiContext
    ) -> AsyncIterator[ExecutionResult]:
        query = data.query or ""
        arguments: dict[str, Any] = {
            "variable_values": data.variables,
            "context_value": context,
            "operation_name": data.operation_name,
        }
        if operation_type(query, data.operation_name) is OperationType.SUBSCRIPTION:
            source = await self.schema.subscribe(query, **arguments)
            if isinstance(source, ExecutionResult):
                yield source
                return
            async for result in source:
                yield result
            return
        yield await self.schema.execute(
            query, allowed_operation_types=(OperationType.QUERY,), **arguments
        )


def _request_data(body: object) -> GraphQLRequestData | str:
    """The operation the body asks for, or what is wrong with it."""
    if not isinstance(body, dict):
        return "the request body must be a JSON object"
    query, variables = body.get("query"), body.get("variables")
    extensions, name = body.get("extensions"), body.get("operationName")
    if not isinstance(query, str):
        return "the request needs a query string"
    if variables is not None and not isinstance(variables, dict):
        return "variables must be an object"
    if extensions is not None and not isinstance(extensions, dict):
        return "extensions must be an object"
    if name is not None and not isinstance(name, str):
        return "operationName must be a string"
    return GraphQLRequestData(query, variables, name, extensions, "sse")
