"""One gateway for the whole fuzz package: two teams' data, alice's token, the live schema."""

from __future__ import annotations

import json
from collections.abc import Iterator

import graphql
import httpx
import pytest
from websockets.sync.client import connect

from gateway.redis_server import EmbeddedRedis
from gateway.store.hub import decode_cursor, encode_cursor
from tests.api.harness import RunningGateway
from tests.fuzz.ledger import LEDGERS
from tests.fuzz.served import quiet_request_logs, served_gateway
from tests.fuzz.values import Specimens
from tests.scoping.tenants import TOKENS


@pytest.fixture(scope="package")
def served(
    redis_server: EmbeddedRedis, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningGateway]:
    with (
        quiet_request_logs(),
        served_gateway(redis_server.url, tmp_path_factory.mktemp("fuzz")) as running,
    ):
        yield running


@pytest.fixture(scope="package")
def alice(served: RunningGateway) -> Iterator[httpx.Client]:
    headers = {"authorization": f"Bearer {TOKENS['alice']}"}
    with httpx.Client(base_url=served.url, headers=headers, timeout=30) as client:
        yield client


@pytest.fixture(scope="package")
def live_schema(alice: httpx.Client) -> graphql.GraphQLSchema:
    """The schema as the running gateway describes it to alice, by introspection."""
    answer = alice.post("/graphql", json={"query": graphql.get_introspection_query()})
    assert answer.status_code == 200, answer.text
    return graphql.build_client_schema(answer.json()["data"])


@pytest.fixture(scope="package")
def specimens(served: RunningGateway) -> Specimens:
    """Cursors from an admin's session, and a feed cursor replaying everything from the start."""
    headers = {"authorization": f"Bearer {TOKENS['admin']}"}
    page = httpx.post(
        served.graphql, json={"query": "{ workloads { edges { cursor } } }"}, headers=headers
    ).json()
    page_cursors = tuple(edge["cursor"] for edge in page["data"]["workloads"]["edges"])
    assert len(page_cursors) == 3, page
    feed_cursors = admin_snapshot_cursors(served.websocket)
    epoch, _ = decode_cursor(feed_cursors[0])
    from_start = encode_cursor(epoch, {"sim-1": "0-0", "sim-2": "0-0"})
    return Specimens(page_cursors, (*feed_cursors, from_start), epoch)


def admin_snapshot_cursors(url: str) -> tuple[str, ...]:
    query = "subscription { workloadStatusChanged(snapshot: true) { cursor } }"
    with connect(url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        socket.send(
            json.dumps({"type": "connection_init", "payload": {"authToken": TOKENS["admin"]}})
        )
        assert json.loads(socket.recv(10))["type"] == "connection_ack"
        socket.send(json.dumps({"type": "subscribe", "id": "1", "payload": {"query": query}}))
        cursors = []
        for _ in range(3):
            message = json.loads(socket.recv(10))
            assert message["type"] == "next", message
            cursors.append(message["payload"]["data"]["workloadStatusChanged"]["cursor"])
    return tuple(cursors)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if LEDGERS:
        terminalreporter.section("fuzzing")
        for ledger in LEDGERS:
            terminalreporter.write_line(ledger.summary())
