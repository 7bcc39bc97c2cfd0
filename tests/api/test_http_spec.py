"""GraphQL over HTTP as the spec and its clients expect it: Accept negotiated by quality,
the graphql-response+json media type and its status codes, request errors with a code and
no data entry, refusals as JSON, and events that end with a blank LF line."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio

from gateway.redis_server import EmbeddedRedis
from tests.api.harness import RunningGateway, running_gateway

URQL_ACCEPT = (
    "application/graphql-response+json, application/graphql+json, application/json, "
    "text/event-stream, multipart/mixed"
)
"""urql's default fetch exchange, which lists the event stream for every operation."""
APOLLO_ACCEPT = "application/graphql-response+json,application/json;q=0.9"
CLUSTERS = {"query": "{ clusters { name } }"}


@pytest_asyncio.fixture
async def gw(redis_server: EmbeddedRedis) -> AsyncIterator[RunningGateway]:
    async with running_gateway(redis_server.url) as running:
        yield running


async def post(
    gw: RunningGateway, body: dict[str, Any] | None, accept: str | None, **headers: str
) -> httpx.Response:
    sent = {**({"accept": accept} if accept is not None else {}), **headers}
    async with httpx.AsyncClient(timeout=10) as http:
        if body is None:
            return await http.post(gw.graphql, content=b"{ clusters { name } }", headers=sent)
        return await http.post(gw.graphql, json=body, headers=sent)


def media(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0]


async def test_accept_is_negotiated_by_quality(gw: RunningGateway) -> None:
    cases = {
        URQL_ACCEPT: "application/graphql-response+json",
        APOLLO_ACCEPT: "application/graphql-response+json",
        "application/json": "application/json",
        "*/*": "application/json",
        "application/json, text/event-stream;q=0": "application/json",
        "application/json;q=0.5, text/event-stream": "text/event-stream",
        "text/event-stream": "text/event-stream",
        "application/json, application/graphql-response+json;q=0.2": "application/json",
    }
    for accept, expected in cases.items():
        answer = await post(gw, CLUSTERS, accept)
        assert (accept, answer.status_code, media(answer)) == (accept, 200, expected)
    assert media(await post(gw, CLUSTERS, None)) == "application/json"
    refused = await post(gw, CLUSTERS, "image/png")
    assert refused.status_code == 406
    assert refused.json()["errors"][0]["extensions"]["code"] == "NOT_ACCEPTABLE"


async def test_events_end_with_a_blank_lf_line(gw: RunningGateway) -> None:
    answer = await post(gw, CLUSTERS, "text/event-stream")
    assert (
        answer.text == 'event: next\ndata: {"data":{"clusters":[]}}\n\nevent: complete\ndata: \n\n'
    )
    assert "\r" not in answer.text


async def test_request_errors_carry_a_code_and_no_data(gw: RunningGateway) -> None:
    cases = {
        "{ clusters { name ": "GRAPHQL_PARSE_FAILED",
        "{ nope }": "GRAPHQL_VALIDATION_FAILED",
        "{ a0: clusters { name } "
        + " ".join(f"a{i}: clusters {{ name }}" for i in range(1, 40))
        + " }": ("TOO_MANY_ALIASES"),
        "{ " + "clusters { name } " * 1500 + "}": "TOO_MANY_TOKENS",
        "query A { clusters { name } } query B { clusters { name } }": (
            "OPERATION_RESOLUTION_FAILURE"
        ),
    }
    for query, code in cases.items():
        for accept, status in ((APOLLO_ACCEPT, 400), ("application/json", 200)):
            answer = await post(gw, {"query": query}, accept)
            body = answer.json()
            assert (code, answer.status_code) == (code, status)
            assert "data" not in body
            assert body["errors"][0]["extensions"]["code"] == code, body
    variables = await post(
        gw,
        {
            "query": "query ($n: Int!) { workloads(first: $n) { totalCount } }",
            "variables": {"n": "x"},
        },
        APOLLO_ACCEPT,
    )
    assert variables.status_code == 400
    assert variables.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "data" not in variables.json()


async def test_a_missing_object_keeps_the_rest_of_data_with_status_200(gw: RunningGateway) -> None:
    answer = await post(
        gw,
        {"query": '{ clusters { name } cluster(name: "nowhere") { name } }'},
        APOLLO_ACCEPT,
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["data"] == {"clusters": [], "cluster": None}
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert body["errors"][0]["path"] == ["cluster"]


async def test_refusals_are_json_with_a_code(gw: RunningGateway) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        no_query = await http.get(gw.graphql, headers={"accept": "application/json"})
        method = await http.patch(gw.graphql, json=CLUSTERS, headers={"accept": "application/json"})
    content_type = await post(gw, None, "application/json", **{"content-type": "text/plain"})
    unknown = await post(
        gw, {"query": "query A { clusters { name } }", "operationName": "Z"}, "application/json"
    )
    for answer, status, code in (
        (no_query, 400, "BAD_REQUEST"),
        (method, 405, "METHOD_NOT_ALLOWED"),
        (content_type, 415, "UNSUPPORTED_MEDIA_TYPE"),
        (unknown, 400, "OPERATION_RESOLUTION_FAILURE"),
    ):
        assert (answer.status_code, media(answer)) == (status, "application/json")
        assert answer.json()["errors"][0]["extensions"]["code"] == code
    assert method.headers["allow"] == "GET, POST, PUT, DELETE"


async def test_a_subscription_over_plain_http_is_refused_readably(gw: RunningGateway) -> None:
    query = {"query": "subscription { workloadStatusChanged { type } }"}
    answer = await post(gw, query, APOLLO_ACCEPT)
    assert answer.status_code == 400
    [error] = answer.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "WebSocket" in error["message"]
    both = "subscription A { workloadStatusChanged { type } } query B { clusters { name } }"
    several = await post(gw, {"query": both}, APOLLO_ACCEPT)
    assert several.json()["errors"][0]["extensions"]["code"] == "OPERATION_RESOLUTION_FAILURE"
