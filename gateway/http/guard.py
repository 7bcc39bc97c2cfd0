"""In front of the GraphQL endpoint for plain HTTP: who is asking, how often, how much.

The caller is authenticated from its bearer token (401 otherwise) and counted
against its per-minute budget (429 with Retry-After); bodies over the limit are
refused (413) before they are read in full; bodies that are not JSON get a
GraphQL-shaped 400 instead of a stack trace; Automatic Persisted Queries (Apollo's
protocol: ``extensions.persistedQuery.sha256Hash``) let frontends send a hash
instead of the whole query, the query text kept in Redis. The GraphiQL page itself
(a GET without a query) needs no token; every operation, introspection included,
does.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from gateway.auth import audit
from gateway.auth.gatekeeper import Gatekeeper, bearer
from gateway.auth.principal import AuthenticationError, Principal
from gateway.auth.ratelimit import RateLimited
from gateway.auth.unavailable import VerificationUnavailable
from gateway.http import jsondepth
from gateway.http.persisted import PersistedQueries
from gateway.http.refusal import Refusal, refuse
from gateway.store.errors import StoreUnavailable
from gateway.store.outage import OUTAGE_ERRORS

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

RETRY_VERIFICATION = b"5"
"""Seconds a client waits when its token could not be checked (issuer or API server away)."""
RETRY_REDIS = b"2"
"""Seconds a client waits when Redis is away or refuses to serve: the watchers rewrite the
cache within seconds of its return."""


PRINCIPAL = "ksg.principal"
SERVED_METHODS = ("GET", "POST", "PUT", "DELETE")
"""GraphQL over GET and POST; PUT and DELETE for graphql-sse's single connection mode."""
"""Where the guard leaves the authenticated caller in the ASGI scope."""


class GraphQLGuard:
    def __init__(
        self,
        app: App,
        persisted: PersistedQueries,
        max_body_bytes: int,
        gatekeeper: Callable[[], Gatekeeper],
    ) -> None:
        self.app = app
        self.persisted = persisted
        self.max_body_bytes = max_body_bytes
        self.gatekeeper = gatekeeper

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] not in SERVED_METHODS:
            # Refused before authenticating: a request no credential could make served
            # neither counts as a failed login nor costs a token check.
            allow = ((b"allow", ", ".join(SERVED_METHODS).encode()),)
            message = f"/graphql answers {', '.join(SERVED_METHODS)}"
            await refuse(send, Refusal(405, message, "METHOD_NOT_ALLOWED", allow))
            return
        try:
            if not _asks_for_the_ide(scope):
                scope = {**scope, PRINCIPAL: await self._admit(scope)}
            principal = scope.get(PRINCIPAL)
            subject = principal.subject if isinstance(principal, Principal) else ""
            if scope["method"] == "POST":
                body = await self._read_body(scope, receive)
                body = await self._rewrite_body(body, _content_type(scope), subject)
                receive = _replay(body, receive)
            elif scope["method"] == "GET":
                scope = await self._rewrite_query_string(scope, subject)
        except Refusal as refusal:
            await refuse(send, refusal)
            return
        except (*OUTAGE_ERRORS, StoreUnavailable) as error:
            # The rate limiter (fail closed: a caller Redis cannot count is not served,
            # and nothing could be answered without Redis anyway) or a persisted query.
            await refuse(send, redis_unavailable(error))
            return
        await self.app(scope, receive, send)

    async def _admit(self, scope: Scope) -> Principal:
        headers = dict(scope.get("headers") or ())
        authorization = headers.get(b"authorization", b"").decode("latin-1")
        gatekeeper = self.gatekeeper()
        limiter = gatekeeper.limiter if gatekeeper.enabled else None
        address = _address(scope)
        if limiter is not None:
            try:
                await limiter.check_failures(address)
            except RateLimited as error:
                audit.denied(None, "http", str(error))
                raise _too_many(error) from error
        try:
            principal = await gatekeeper.principal(bearer(authorization))
        except VerificationUnavailable as error:
            audit.denied(None, "http", str(error))
            raise Refusal(
                503, str(error), "UNAVAILABLE", ((b"retry-after", RETRY_VERIFICATION),)
            ) from error
        except AuthenticationError as error:
            audit.denied(None, "http", str(error))
            if limiter is not None:
                await limiter.failed(address)
            raise Refusal(
                401,
                str(error),
                "UNAUTHENTICATED",
                ((b"www-authenticate", b'Bearer realm="kube-status-gateway"'),),
            ) from error
        if limiter is not None:
            try:
                await limiter.request(principal.subject)
            except RateLimited as error:
                audit.denied(principal, "http", str(error))
                raise _too_many(error) from error
        return principal

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        too_big = Refusal(
            413, f"request body over {self.max_body_bytes} bytes", "PAYLOAD_TOO_LARGE"
        )
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise too_big
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise too_big
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        return b"".join(chunks)

    async def _rewrite_body(self, body: bytes, content_type: str, subject: str) -> bytes:
        if "json" not in content_type:
            self.persisted.refuse_unlisted_transport()
            return body
        try:
            parsed = jsondepth.loads(body, "the request body")
        except jsondepth.TooDeep as error:
            raise Refusal(400, str(error), "BAD_REQUEST") from error
        except ValueError as error:
            raise Refusal(
                400, f"request body is not valid JSON: {_unreadable(error)}", "BAD_REQUEST"
            ) from error
        if isinstance(parsed, dict):
            return json.dumps(await self.persisted.resolve(parsed, subject)).encode()
        if isinstance(parsed, list):
            raise Refusal(
                400,
                "batched requests are not supported: send one operation per request",
                "BAD_REQUEST",
            )
        raise Refusal(400, "request body must be a JSON object", "BAD_REQUEST")

    async def _rewrite_query_string(self, scope: Scope, subject: str) -> Scope:
        params = dict(parse_qsl(scope.get("query_string", b"").decode(), keep_blank_values=True))
        if "variables" in params:
            _check_depth(params["variables"], "the variables parameter")
        if "extensions" not in params and "query" not in params:
            return scope
        try:
            extensions = (
                jsondepth.loads(params["extensions"], "the extensions parameter")
                if "extensions" in params
                else None
            )
        except jsondepth.TooDeep as error:
            raise Refusal(400, str(error), "BAD_REQUEST") from error
        except ValueError as error:
            raise Refusal(
                400,
                f"the extensions parameter is not valid JSON: {_unreadable(error)}",
                "BAD_REQUEST",
            ) from error
        request = await self.persisted.resolve(
            {"query": params.get("query"), "extensions": extensions}, subject
        )
        if not isinstance(request.get("query"), str):
            return scope
        params["query"] = request["query"]
        return {**scope, "query_string": urlencode(params).encode()}


def _too_many(error: RateLimited) -> Refusal:
    retry = str(int(error.retry_after + 0.999)).encode()
    return Refusal(429, str(error), "RATE_LIMITED", ((b"retry-after", retry),))


def _address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _check_depth(text: str, where: str) -> None:
    """Only the depth: GET variables that are not JSON are Strawberry's to refuse."""
    try:
        jsondepth.loads(text, where)
    except jsondepth.TooDeep as error:
        raise Refusal(400, str(error), "BAD_REQUEST") from error
    except ValueError:
        return


def _unreadable(error: ValueError) -> str:
    """What is wrong with a JSON text. Besides syntax and encoding errors, ``json`` raises a
    plain ValueError for a number of more than 4300 digits (Python's conversion limit)."""
    if isinstance(error, json.JSONDecodeError | UnicodeDecodeError):
        return str(error)
    return "a number in it is too long"


def _asks_for_the_ide(scope: Scope) -> bool:
    """GET /graphql from a browser with no operation: the GraphiQL page, public and static."""
    if scope["method"] != "GET":
        return False
    params = dict(parse_qsl(scope.get("query_string", b"").decode(), keep_blank_values=True))
    accept = dict(scope.get("headers") or ()).get(b"accept", b"")
    return "query" not in params and "extensions" not in params and b"text/html" in accept


def _content_type(scope: Scope) -> str:
    value = dict(scope.get("headers") or ()).get(b"content-type", b"")
    return str(value.decode("latin-1").lower())


def _replay(body: bytes, original: Receive) -> Receive:
    """The body as one message, then the real channel (streams watch it for disconnects)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return await original()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def redis_unavailable(error: BaseException) -> Refusal:
    cause = error if isinstance(error, StoreUnavailable) else f"{type(error).__name__}: {error}"
    return Refusal(
        503,
        f"the gateway's cache (Redis) is unavailable ({cause}); try again shortly",
        "UNAVAILABLE",
        ((b"retry-after", RETRY_REDIS),),
    )
