"""Random conversations in both WebSocket protocols: proper answers or a protocol close, never
another tenant's data, never a stack trace, and the gateway up after every one."""

from __future__ import annotations

import json
import time
from typing import Any

import graphql
import httpx
from hypothesis import example, given, note
from hypothesis import strategies as st
from hypothesis_graphql import queries

from tests.api.harness import RunningGateway
from tests.fuzz.boundary import ALICE
from tests.fuzz.budget import budget, timeout
from tests.fuzz.checks import stays_up
from tests.fuzz.identify import identified
from tests.fuzz.ledger import Ledger
from tests.fuzz.values import Specimens
from tests.fuzz.verdict import INTERNAL_ERROR, leaks
from tests.fuzz.wsconversation import Conversation, converse
from tests.fuzz.wsmessages import (
    LEGACY_WS,
    OPENING,
    TRANSPORT_WS,
    WORKLOAD_CHANGES,
    Binary,
    Frame,
    Text,
    frames,
)
from tests.scoping.tenants import TOKENS

pytestmark = timeout

SERVER_MESSAGES = {
    TRANSPORT_WS: {"connection_ack", "ping", "pong", "next", "error", "complete"},
    LEGACY_WS: {"connection_ack", "connection_error", "ka", "data", "error", "complete"},
}

CLOSE_CODES = {
    TRANSPORT_WS: {1000, 1009, 4400, 4401, 4403, 4406, 4408, 4409, 4429},
    LEGACY_WS: {1000, 1002, 1009, 4400, 4401, 4406},
}
"""The codes each protocol closes with: normal, message too big (the server's frame limit),
and the protocol's own. graphql-ws has no codes for bad messages; 1002 is for binary frames."""

REJECTED = 1011
"""graphql-ws (the legacy protocol) closes with 1011 after a connection_error: a refused
connection_init. Anywhere else 1011 means the server failed."""

SUBSCRIPTION_FRAMES = 17 << 20
"""Larger than the server's WebSocket message limit (16 MiB)."""


def test_websocket_conversations_stay_inside_and_close_properly(
    served: RunningGateway,
    alice: httpx.Client,
    live_schema: graphql.GraphQLSchema,
    specimens: Specimens,
) -> None:
    ledger = Ledger.open("websocket conversations")
    generated = queries(live_schema, custom_scalars=specimens.scalars()).map(
        lambda query: identified(live_schema, query)
    )
    conversations = st.sampled_from((TRANSPORT_WS, LEGACY_WS)).flatmap(
        lambda protocol: st.tuples(st.just(protocol), frames(protocol, specimens, generated))
    )

    from_start = specimens.feed_cursors[-1]

    @budget(60)
    @given(conversation=conversations)
    @example(conversation=(TRANSPORT_WS, [OPENING, _start(TRANSPORT_WS, {"snapshot": True})]))
    @example(conversation=(TRANSPORT_WS, [OPENING, _start(TRANSPORT_WS, {"after": from_start})]))
    @example(conversation=(LEGACY_WS, [OPENING, _start(LEGACY_WS, {"snapshot": True})]))
    @example(conversation=(LEGACY_WS, [OPENING, _start(LEGACY_WS, {"after": from_start})]))
    @example(conversation=(TRANSPORT_WS, [OPENING, _oversized()]))
    @example(conversation=(LEGACY_WS, [OPENING, _oversized()]))
    @example(conversation=(TRANSPORT_WS, [Binary(b"\x00\xff")]))
    @example(conversation=(TRANSPORT_WS, [_start(TRANSPORT_WS, {}), OPENING]))
    @example(
        conversation=(TRANSPORT_WS, [OPENING, _start(TRANSPORT_WS, {}), _start(TRANSPORT_WS, {})])
    )
    def check(conversation: tuple[str, list[Frame]]) -> None:
        protocol, sent = conversation
        talk = converse(served.websocket, protocol, sent, TOKENS["alice"])
        note(f"received: {talk.received[:20]}, closed {talk.close_code} {talk.close_reason!r}")
        echo = " ".join(f.encoded("") for f in sent if isinstance(f, Text))
        answered = [_answer(protocol, message, echo) for message in talk.received]
        if any(INTERNAL_ERROR in message for message in talk.received):
            ledger.internal_error(
                f"{protocol}: {sent!r}"[:3000], "\n".join(map(str, talk.received))
            )
        _check_close(protocol, talk, answered, echo)
        ledger.outcome(_outcome(protocol, talk, answered))
        stays_up(alice)

    check()
    ledger.close()
    _no_subscription_left(served)


def _answer(protocol: str, message: str | bytes, echo: str) -> str:
    """Check one server message; its type."""
    assert isinstance(message, str), f"binary frame from the server: {message!r}"
    found = leaks(message, echo)
    assert not found, f"stack trace shapes {found} in {message[:2000]}"
    body = json.loads(message)
    assert isinstance(body, dict) and body.get("type") in SERVER_MESSAGES[protocol], body
    payload = body.get("payload")
    if body["type"] in ("next", "data"):
        assert isinstance(payload, dict) and ("data" in payload or "errors" in payload), body
        crossings = ALICE.violations(payload.get("data"))
        errors = payload.get("errors") or []
    elif body["type"] == "error":
        crossings = []
        errors = payload if isinstance(payload, list) else [payload]
    else:
        return str(body["type"])
    crossings += ALICE.in_messages([e for e in errors if isinstance(e, dict)], echo)
    assert not crossings, crossings
    return str(body["type"])


def _check_close(protocol: str, talk: Conversation, answered: list[str], echo: str) -> None:
    assert not talk.closed_without_frame, "the server dropped the connection without a close"
    assert not leaks(talk.close_reason, echo), talk.close_reason
    if talk.close_code is None:
        return
    refused = protocol == LEGACY_WS and answered[-1:] == ["connection_error"]
    allowed = CLOSE_CODES[protocol] | ({REJECTED} if refused else set())
    assert talk.close_code in allowed, (talk.close_code, talk.close_reason, answered)


def _outcome(protocol: str, talk: Conversation, answered: list[str]) -> str:
    delivered = "data" if {"next", "data"} & set(answered) else "no data"
    closed = f"closed {talk.close_code}" if talk.closed else "open"
    return f"{protocol}: {delivered}, {closed}"


def _no_subscription_left(served: RunningGateway) -> None:
    """Every conversation is over: the gateway holds no subscription for any of them."""
    deadline = time.monotonic() + 30
    while served.gateway.hub.subscriber_count and time.monotonic() < deadline:
        time.sleep(0.1)
    assert served.gateway.hub.subscriber_count == 0


def _start(protocol: str, variables: dict[str, Any]) -> Text:
    """A well-formed start of the workload subscription: snapshot, replay, or live only."""
    kind = "subscribe" if protocol == TRANSPORT_WS else "start"
    payload = {"query": WORKLOAD_CHANGES, "variables": {"snapshot": False, **variables}}
    return Text({"type": kind, "id": "1", "payload": payload})


def _oversized() -> Text:
    return Text(
        {"type": "subscribe", "id": "1", "payload": {"query": "{" + " " * SUBSCRIPTION_FRAMES}}
    )
