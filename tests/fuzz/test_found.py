"""What the fuzzers found, each pinned down by its smallest input so it stays fixed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from tests.api.harness import RunningGateway
from tests.fuzz.verdict import INTERNAL_ERROR
from tests.fuzz.wsmessages import LEGACY_WS, TRANSPORT_WS, WORKLOAD_CHANGES
from tests.scoping.tenants import TOKENS

LONG_NUMBER = "9" * 5000
"""Past the 4300 digits Python's int() converts."""


def test_a_page_size_past_64_bits_is_a_client_error_not_a_500(alice: httpx.Client) -> None:
    """The cost limit reported the literal's cost, too large for the JSON encoder: HTTP 500."""
    answer = alice.post(
        "/graphql", json={"query": "{ workloads(first: 99999999999999999999999) { totalCount } }"}
    )
    assert answer.status_code == 200
    messages = [e["message"] for e in answer.json()["errors"]]
    assert messages == [
        "Int cannot represent non 32-bit signed integer value: 99999999999999999999999"
    ]


def test_an_integer_literal_too_long_to_read_is_bad_input(alice: httpx.Client) -> None:
    """graphql-core's int() refused it inside validation: a masked internal error."""
    answer = alice.post(
        "/graphql", json={"query": f"{{ workloads(first: {LONG_NUMBER}) {{ totalCount }} }}"}
    )
    error = answer.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "5000 digits" in error["message"]


def test_json_with_a_number_too_long_to_read_is_a_400(alice: httpx.Client) -> None:
    """json.loads raises a plain ValueError for it, which the guard did not catch: HTTP 500."""
    body = f'{{"query": "{{ clusters {{ name }} }}", "variables": {{"n": {LONG_NUMBER}}}}}'
    posted = alice.post("/graphql", content=body, headers={"content-type": "application/json"})
    extensions = alice.get(
        "/graphql", params={"query": "{ clusters { name } }", "extensions": LONG_NUMBER}
    )
    variables = alice.get(
        "/graphql", params={"query": "{ clusters { name } }", "variables": LONG_NUMBER}
    )
    assert (posted.status_code, extensions.status_code, variables.status_code) == (400, 400, 400)
    assert "too long" in posted.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({}, "Request data is missing"),
        (
            {"query": "query Mine { clusters { name } }", "operationName": "Theirs"},
            "Unknown operation",
        ),
    ],
)
def test_server_sent_events_report_request_mistakes_as_they_are(
    alice: httpx.Client, body: dict[str, str], said: str
) -> None:
    """Over SSE these came back as masked internal errors (HTTP answers 400 for them)."""
    answer = alice.post("/graphql", json=body, headers={"accept": "text/event-stream"})
    assert INTERNAL_ERROR not in answer.text
    assert said in answer.text


@contextmanager
def _transport_ws(served: RunningGateway) -> Iterator[ClientConnection]:
    with connect(served.websocket, subprotocols=[Subprotocol(TRANSPORT_WS)], proxy=None) as socket:
        init = {"type": "connection_init", "payload": {"authToken": TOKENS["alice"]}}
        socket.send(json.dumps(init))
        assert json.loads(socket.recv(10))["type"] == "connection_ack"
        yield socket


@pytest.mark.parametrize(
    ("message", "code"),
    [
        (None, 4400),
        ([1, 2], 4400),
        ({"type": "subscribe", "id": ["1"], "payload": {"query": "{ clusters { name } }"}}, 4400),
        ({"type": "subscribe", "id": "1", "payload": "{ clusters { name } }"}, 4400),
        ({"type": "subscribe", "id": "1", "payload": {"query": {"a": 1}}}, 4400),
        (
            {"type": "subscribe", "id": "1", "payload": {"query": "{ a }", "operationName": {}}},
            4400,
        ),
        ({"type": "complete", "id": {"a": 1}}, 4400),
        ({"type": "x" * 300}, 4400),
    ],
)
def test_transport_ws_closes_malformed_messages_with_4400(
    served: RunningGateway, message: object, code: int
) -> None:
    """Strawberry raised on these and the connection dropped without a close frame."""
    with _transport_ws(served) as socket:
        socket.send(json.dumps(message))
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == code


def test_a_long_duplicate_id_still_gets_its_close_frame(served: RunningGateway) -> None:
    """The 4409 reason repeats the id; past 123 bytes the close frame could not be sent."""
    payload = {"query": WORKLOAD_CHANGES, "variables": {"snapshot": False}}
    subscribe = {"type": "subscribe", "id": "i" * 200, "payload": payload}
    with _transport_ws(served) as socket:
        socket.send(json.dumps(subscribe))
        socket.send(json.dumps(subscribe))
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                socket.recv(10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4409
    assert len(closed.value.rcvd.reason.encode()) <= 123


def test_legacy_ws_answers_malformed_messages_and_keeps_the_connection(
    served: RunningGateway,
) -> None:
    """graphql-ws (legacy) has no close code for them; Strawberry raised and dropped the socket."""
    with connect(served.websocket, subprotocols=[Subprotocol(LEGACY_WS)], proxy=None) as socket:
        socket.send(
            json.dumps({"type": "connection_init", "payload": {"authToken": TOKENS["alice"]}})
        )
        assert json.loads(socket.recv(10))["type"] == "connection_ack"
        for malformed in (
            {},
            [1],
            {"type": "start", "payload": {"query": WORKLOAD_CHANGES}},
            {"type": "start", "id": "1", "payload": "query"},
            {"type": "stop", "id": ["1"]},
        ):
            socket.send(json.dumps(malformed))
            answer = json.loads(socket.recv(10))
            assert answer["type"] == "error", answer
        start = {
            "type": "start",
            "id": "1",
            "payload": {"query": WORKLOAD_CHANGES, "variables": {"snapshot": True}},
        }
        socket.send(json.dumps(start))
        change = json.loads(socket.recv(10))["payload"]["data"]["workloadStatusChanged"]
    assert (change["cluster"], change["namespace"]) == ("sim-1", "shop")
