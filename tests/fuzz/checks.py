"""The checks every fuzz example ends with: the answer's shape, alice's line, the gateway up."""

from __future__ import annotations

from typing import Any

import graphql
import httpx
from hypothesis import note

from tests.fuzz.boundary import ALICE
from tests.fuzz.identify import identified
from tests.fuzz.ledger import Ledger
from tests.fuzz.verdict import graphql_body, internal_errors

GRAPHQL_STATUSES = (200, 400, 413, 429)

OWN_WORKLOADS = "{ workloads { totalCount nodes { cluster namespace name } } }"


def ask_as_alice(
    alice: httpx.Client,
    schema: graphql.GraphQLSchema,
    query: str,
    ledger: Ledger,
    *,
    via_get: bool = False,
) -> dict[str, Any]:
    """Send a generated query (with identity fields added) and check everything about the answer."""
    sent = identified(schema, query)
    note(f"sent: {sent}")
    if via_get:
        answer = alice.get("/graphql", params={"query": sent})
    else:
        answer = alice.post("/graphql", json={"query": sent})
    assert answer.status_code in GRAPHQL_STATUSES, (answer.status_code, answer.text[:500])
    body = graphql_body(
        answer.status_code, answer.headers.get("content-type", ""), answer.text, echo=sent
    )
    ledger.outcome(f"HTTP {answer.status_code}, {outcome(body)}")
    if internal_errors(body):
        ledger.internal_error(sent, answer.text)
    crossings = ALICE.violations(body.get("data")) + ALICE.in_messages(
        body.get("errors") or [], sent
    )
    assert not crossings, crossings
    return body


def outcome(body: dict[str, Any]) -> str:
    data = body.get("data")
    errors = body.get("errors") or []
    codes = sorted({str((e.get("extensions") or {}).get("code", "-")) for e in errors})
    return f"{'data' if data else 'no data'}, errors {','.join(codes) or 'none'}"


def stays_up(alice: httpx.Client) -> None:
    """The gateway still answers its health check and alice's ordinary question."""
    assert alice.get("/healthz").status_code == 200
    answer = alice.post("/graphql", json={"query": OWN_WORKLOADS})
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["workloads"] == {
        "totalCount": 1,
        "nodes": [{"cluster": "sim-1", "namespace": "shop", "name": "web"}],
    }
