"""Random requests to /graphql: never a server error, never a stack trace, never data for a
caller without credentials, and nothing of another tenant's for alice."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import graphql
import httpx
from hypothesis import given, note
from hypothesis_graphql import queries

from tests.api.harness import RunningGateway
from tests.fuzz.boundary import ALICE
from tests.fuzz.budget import budget, timeout
from tests.fuzz.checks import stays_up
from tests.fuzz.httpmessages import Attempt, authorization, graphql_requests
from tests.fuzz.identify import identified
from tests.fuzz.ledger import Ledger
from tests.fuzz.values import Specimens
from tests.fuzz.verdict import INTERNAL_ERROR, leaks
from tests.scoping.tenants import TOKENS

pytestmark = timeout

ANSWERS = {200, 201, 202, 400, 401, 404, 405, 406, 409, 413, 415, 429, 431}
"""201 and 202 answer graphql-sse single connection mode's PUT and operations, 409 its conflicts."""

AS_ALICE = {"alice", "lowercase"}

STREAM_SECONDS = 1.0
"""A streaming answer (a live subscription) never ends by itself: read it this long."""


@dataclass(frozen=True, slots=True)
class Received:
    status: int
    content_type: str
    text: str


def test_random_requests_never_fail_or_leak(
    served: RunningGateway,
    alice: httpx.Client,
    live_schema: graphql.GraphQLSchema,
    specimens: Specimens,
) -> None:
    ledger = Ledger.open("random HTTP requests")
    generated = queries(live_schema, custom_scalars=specimens.scalars()).map(
        lambda query: identified(live_schema, query)
    )

    @budget(150)
    @given(attempt=graphql_requests(generated))
    def check(attempt: Attempt) -> None:
        with httpx.Client(base_url=served.url) as client:
            received = _send(client, attempt)
        if received is None:
            ledger.outcome(f"{attempt.method}: stream open after {STREAM_SECONDS} s")
            return
        note(f"received: {received}")
        echo = " ".join(
            (
                attempt.body.decode(errors="replace"),
                *attempt.params.values(),
                *attempt.headers.values(),
            )
        )
        assert received.status < 500 and received.status in ANSWERS, received
        found = leaks(received.text, echo)
        assert not found, f"stack trace shapes {found} in {received.text[:2000]}"
        for result in _results(received):
            data = result.get("data")
            if attempt.credentials not in AS_ALICE:
                assert not data, result
            crossings = ALICE.violations(data) + ALICE.in_messages(result.get("errors") or [], echo)
            assert not crossings, crossings
            if any(e.get("message") == INTERNAL_ERROR for e in result.get("errors") or []):
                ledger.internal_error(repr(attempt)[:3000], received.text)
        ledger.outcome(f"{attempt.method} {received.status}")

    check()
    ledger.close()
    stays_up(alice)


def _send(client: httpx.Client, attempt: Attempt) -> Received | None:
    """The answer; None for a stream still open (or not begun) after STREAM_SECONDS."""
    headers = {**attempt.headers, **authorization(attempt.credentials, TOKENS["alice"])}
    if attempt.content_type is not None:
        headers["content-type"] = attempt.content_type
    if attempt.accept is not None:
        headers["accept"] = attempt.accept
    timeout = httpx.Timeout(30, read=STREAM_SECONDS) if attempt.streams else httpx.Timeout(30)
    chunks: list[bytes] = []
    try:
        with client.stream(
            attempt.method,
            "/graphql",
            params=attempt.params,
            content=attempt.body,
            headers=headers,
            timeout=timeout,
        ) as response:
            try:
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
            except httpx.ReadTimeout:
                if not attempt.streams:
                    raise
            return Received(
                response.status_code,
                response.headers.get("content-type", ""),
                b"".join(chunks).decode(errors="replace"),
            )
    except httpx.ReadTimeout:
        if attempt.streams:
            return None
        raise


def _results(received: Received) -> list[dict[str, Any]]:
    """Every GraphQL result in the answer: a JSON body, Server-Sent Events or multipart parts."""
    if "json" in received.content_type and received.text:
        body = json.loads(received.text)
        return [body] if isinstance(body, dict) and ("data" in body or "errors" in body) else []
    results = []
    for line in received.text.splitlines():
        text = line.removeprefix("data:").strip()
        if text.startswith("{"):
            body = json.loads(text)
            results.append(body.get("payload", body))
    return [r for r in results if isinstance(r, dict)]
