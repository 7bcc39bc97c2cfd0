"""Bad input gets a clear error with a code, never a stack trace, and costs nothing else."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import redis.asyncio as redis

from gateway.redis_server import EmbeddedRedis
from gateway.store.keys import Keys
from schema import ids
from schema.build import Protection
from tests.api.harness import RunningGateway, publish, running_gateway
from tests.store.test_mirror import fleet_mirror


@pytest.fixture
async def gw(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> AsyncIterator[RunningGateway]:
    await publish(redis_client, fleet_mirror())
    protection = Protection(max_depth=5, max_tokens=400, max_aliases=5)
    async with running_gateway(redis_server.url, protection=protection, max_page=50) as running:
        yield running


async def post(gw: RunningGateway, body: Any) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as http:
        return await http.post(gw.graphql, json=body)


async def errors_of(
    gw: RunningGateway, query: str, variables: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    answer = await post(gw, {"query": query, "variables": variables or {}})
    body = answer.json()
    assert "errors" in body, body
    found: list[dict[str, Any]] = body["errors"]
    return found


def codes(errors: list[dict[str, Any]]) -> list[str | None]:
    return [(e.get("extensions") or {}).get("code") for e in errors]


async def test_malformed_json_body(gw: RunningGateway) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.post(
            gw.graphql,
            content=b'{"query": "{ clusters { name }',
            headers={"content-type": "application/json"},
        )
    assert answer.status_code == 400
    assert codes(answer.json()["errors"]) == ["BAD_REQUEST"]
    assert "not valid JSON" in answer.json()["errors"][0]["message"]


async def test_body_of_the_wrong_shape(gw: RunningGateway) -> None:
    answer = await post(gw, [1, 2, 3])
    assert answer.status_code == 400
    assert codes(answer.json()["errors"]) == ["BAD_REQUEST"]


async def test_oversized_body_is_refused_with_413(gw: RunningGateway) -> None:
    answer = await post(
        gw, {"query": "{ clusters { name } }", "variables": {"pad": "x" * (2 << 20)}}
    )
    assert answer.status_code == 413
    assert codes(answer.json()["errors"]) == ["PAYLOAD_TOO_LARGE"]


async def test_invalid_graphql_and_unknown_fields_stay_readable(gw: RunningGateway) -> None:
    syntax = await errors_of(gw, "{ clusters { name ")
    assert "Syntax Error" in syntax[0]["message"]
    unknown = await errors_of(gw, "{ clusters { nmae } }")
    assert "Cannot query field 'nmae'" in unknown[0]["message"]


async def test_depth_tokens_and_aliases_are_limited(gw: RunningGateway) -> None:
    deep = "{ clusters { workloads { edges { node { pods { containers { name } } } } } } }"
    assert "exceeds maximum operation depth" in (await errors_of(gw, deep))[0]["message"]
    aliases = "{ " + " ".join(f"a{i}: clusters {{ name }}" for i in range(8)) + " }"
    assert "aliases" in (await errors_of(gw, aliases))[0]["message"].lower()
    tokens = "{ clusters { " + " ".join(["name"] * 500) + " } }"
    assert "token" in (await errors_of(gw, tokens))[0]["message"].lower()


async def test_page_size_over_the_maximum(gw: RunningGateway) -> None:
    errors = await errors_of(gw, "{ workloads(first: 51) { totalCount } }")
    assert codes(errors) == ["BAD_USER_INPUT"]
    assert "between 0 and 50" in errors[0]["message"]


async def test_unknown_clusters_and_objects_are_not_found(gw: RunningGateway) -> None:
    assert codes(await errors_of(gw, '{ cluster(name: "nope") { name } }')) == ["NOT_FOUND"]
    filtered = await errors_of(gw, '{ workloads(filter: {clusters: ["nope"]}) { totalCount } }')
    assert codes(filtered) == ["NOT_FOUND"]
    assert "sim-1" in filtered[0]["message"]
    missing = (
        '{ workload(cluster: "sim-1", namespace: "shop", kind: DEPLOYMENT, name: "nope") { name } }'
    )
    assert codes(await errors_of(gw, missing)) == ["NOT_FOUND"]
    guesses = (
        "garbage!!",
        ids.encode("Workload", "sim-1", "Deployment/shop/nope"),
        ids.encode("Spaceship", "x"),
    )
    for guess in guesses:
        lookup = await errors_of(gw, "query ($id: ID!) { node(id: $id) { id } }", {"id": guess})
        assert codes(lookup) == ["NOT_FOUND"]


async def test_a_lookup_not_found_leaves_the_rest_of_the_answer(gw: RunningGateway) -> None:
    """Lookups are nullable, as Relay's ``node`` is: one missing object is a null with a
    NOT_FOUND error at its path, not a ``data: null`` for everything asked beside it."""
    missing_id = ids.encode("Workload", "sim-1", "Deployment/shop/nope")
    query = """query ($id: ID!) {
      clusters { name }
      gone: workload(cluster: "sim-1", namespace: "shop", kind: DEPLOYMENT, name: "nope") { name }
      nothing: node(id: $id) { id }
      absent: pod(cluster: "sim-1", namespace: "shop", name: "nope") { name }
      elsewhere: cluster(name: "nope") { name }
    }"""
    body = (await post(gw, {"query": query, "variables": {"id": missing_id}})).json()
    assert body["data"]["clusters"] == [{"name": "sim-1"}]
    assert {
        k: body["data"][k] for k in ("gone", "nothing", "absent", "elsewhere")
    } == dict.fromkeys(("gone", "nothing", "absent", "elsewhere"))
    assert sorted((e["path"], codes([e])[0]) for e in body["errors"]) == [
        (["absent"], "NOT_FOUND"),
        (["elsewhere"], "NOT_FOUND"),
        (["gone"], "NOT_FOUND"),
        (["nothing"], "NOT_FOUND"),
    ]


async def test_bad_selector_and_cursor_are_the_clients_error(gw: RunningGateway) -> None:
    selector = await errors_of(
        gw, '{ workloads(filter: {labelSelector: "app in (web"}) { totalCount } }'
    )
    assert codes(selector) == ["BAD_USER_INPUT"]
    assert "labelSelector" in selector[0]["message"]
    cursor = await errors_of(gw, '{ workloads(after: "not-a-cursor") { totalCount } }')
    assert codes(cursor) == ["BAD_USER_INPUT"]


async def test_internal_errors_are_masked_and_logged(
    gw: RunningGateway, redis_client: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    await redis_client.hset(
        Keys().workloads("sim-1"), "Deployment/shop/web", b'{"kind": "Deployment"}'
    )
    with caplog.at_level(logging.ERROR, logger="gateway.graphql"):
        errors = await errors_of(gw, "{ workloads { nodes { name } } }")
    assert errors[0]["message"] == "Internal error; it has been logged."
    assert "Traceback" not in str(errors)
    assert any(r.message == "resolver failed" for r in caplog.records)


async def test_automatic_persisted_queries(gw: RunningGateway) -> None:
    query = "{ clusters { name } }"
    digest = hashlib.sha256(query.encode()).hexdigest()
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    unknown = await post(gw, {"extensions": persisted})
    assert codes(unknown.json()["errors"]) == ["PERSISTED_QUERY_NOT_FOUND"]
    registered = await post(gw, {"query": query, "extensions": persisted})
    assert registered.json()["data"]["clusters"] == [{"name": "sim-1"}]
    by_hash = await post(gw, {"extensions": persisted})
    assert by_hash.json()["data"]["clusters"] == [{"name": "sim-1"}]
    extensions = json.dumps(persisted)
    async with httpx.AsyncClient(timeout=10) as http:
        by_get = await http.get(
            gw.graphql, params={"extensions": extensions}, headers={"accept": "application/json"}
        )
    assert by_get.json()["data"]["clusters"] == [{"name": "sim-1"}]
    mismatch = await post(gw, {"query": "{ clusters { server } }", "extensions": persisted})
    assert mismatch.status_code == 400


async def test_a_subscription_over_plain_http_is_told_where_to_go(gw: RunningGateway) -> None:
    answer = await post(gw, {"query": "subscription { workloadStatusChanged { name } }"})
    [error] = answer.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "WebSocket" in error["message"] and "text/event-stream" in error["message"]
