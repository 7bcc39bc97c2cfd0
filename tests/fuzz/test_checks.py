"""The fuzzers' own checks catch what they are meant to: a fuzzer whose checks see nothing
passes forever."""

from __future__ import annotations

import traceback

import graphql
import httpx
import pytest

from schema import ids
from tests.api.harness import RunningGateway
from tests.fuzz.boundary import ALICE
from tests.fuzz.identify import identified
from tests.fuzz.verdict import INTERNAL_ERROR, leaks
from tests.scoping.tenants import TOKENS


def _formatted_traceback() -> str:
    message: dict[str, str] = {}
    try:
        message["id"]
    except KeyError:
        return traceback.format_exc()
    raise AssertionError("unreachable")


@pytest.mark.parametrize(
    "text",
    [
        _formatted_traceback(),
        "KeyError: 'id'",
        "TypeError('unhashable type: list')",
        'File "/srv/app/gateway/store/hub.py", line 212, in replay',
        "AttributeError: 'NoneType' object has no attribute 'queries'",
        "redis.exceptions.ResponseError: Invalid stream ID specified",
        "<gateway.store.hub.FeedHub object at 0x7f3a2c1d>",
    ],
)
def test_stack_trace_shapes_are_recognised(text: str) -> None:
    assert leaks(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Syntax Error: Expected Name, found <EOF>.",
        "Cannot query field 'nope' on type 'WorkloadConnection'. Did you mean 'nodes'?",
        "Int cannot represent non 32-bit signed integer value: 99999999999",
        "Variable '$first' got invalid value 'x'; Int cannot represent non-integer value: 'x'",
        "unknown cluster 'x' (known: sim-1)",
        "no object has id 'abc'",
        INTERNAL_ERROR,
    ],
)
def test_client_errors_are_not_mistaken_for_stack_traces(text: str) -> None:
    assert not leaks(text), text


def test_the_clients_own_words_repeated_back_are_not_a_leak() -> None:
    assert not leaks("no cluster named 'KeyError: x'", echo='{ cluster(name: "KeyError: x") }')
    assert leaks("no cluster named 'KeyError: x'", echo="{ clusters { name } }")


def test_identity_fields_keep_the_query_valid(live_schema: graphql.GraphQLSchema) -> None:
    query = '{ clusters { nodes { ready } } node(id: "x") { ... on Pod { phase } } }'
    sent = identified(live_schema, query)
    assert graphql.validate(live_schema, graphql.parse(sent)) == []
    for field in ("__typename", "cluster", "namespace", "id"):
        assert field in sent
    assert identified(live_schema, "{ not graphql") == "{ not graphql"


BILLING_POD = ids.encode("Pod", "sim-1", "billing/web-7d9f8b6c5d-0")

CROSSINGS = {
    "{ workloads { nodes { name } } }": "namespace sim-1/billing",
    "{ clusters { nodes { ready } } }": "a node, without a grant for nodes",
    "{ statusSummary { byStatus { status } } }": "total 3 > 1",
    "{ clusters { namespaces { phase } } }": "cluster 'sim-2'",
    f'{{ node(id: "{BILLING_POD}") {{ ... on Pod {{ phase }} }} }}': "namespace sim-1/billing",
}


@pytest.mark.parametrize("query", sorted(CROSSINGS))
def test_the_boundary_sees_each_way_an_admins_answer_crosses_alices_line(
    served: RunningGateway, live_schema: graphql.GraphQLSchema, query: str
) -> None:
    """What admin sees is past alice's line; the same question asked by alice stays inside."""
    sent = identified(live_schema, query)
    answers = {
        who: httpx.post(
            served.graphql,
            json={"query": sent},
            headers={"authorization": f"Bearer {TOKENS[who]}"},
        ).json()
        for who in ("admin", "alice")
    }
    assert "errors" not in answers["admin"], answers["admin"]
    crossed = ALICE.violations(answers["admin"]["data"])
    assert any(CROSSINGS[query] in problem for problem in crossed), crossed
    assert ALICE.violations(answers["alice"].get("data")) == []
