"""Persisted queries cannot be used to fill Redis: only texts the gateway would run are
stored, within a size cap and per-subject and total daily budgets, for a day; and the
allow-list mode serves the queries of a manifest only, on every transport."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as redis

from gateway.config import PersistedQueries
from gateway.redis_server import EmbeddedRedis
from tests.api.harness import RunningGateway, publish, running_gateway
from tests.api.test_subscriptions import CHANGES
from tests.api.wsclient import transport_ws
from tests.scoping.tenants import TOKENS, auth_config
from tests.store.test_mirror import fleet_mirror

QUERY = "{ clusters { name } }"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(text: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha(text)}}


async def post(gw: RunningGateway, body: dict[str, Any], who: str = "alice") -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as http:
        return await http.post(
            gw.graphql, json=body, headers={"authorization": f"Bearer {TOKENS[who]}"}
        )


async def stored(client: redis.Redis) -> list[bytes]:
    return [key async for key in client.scan_iter("ksg:apq:*") if b":budget:" not in key]


@pytest.fixture
async def gw(
    redis_server: EmbeddedRedis, redis_client: redis.Redis, tmp_path: Path
) -> AsyncIterator[RunningGateway]:
    await publish(redis_client, fleet_mirror())
    budget = PersistedQueries.model_validate(
        {"maxQueryBytes": 4096, "perSubjectPerDay": {"count": 3, "bytes": 100_000}}
    )
    async with running_gateway(
        redis_server.url, auth=auth_config(tmp_path), persisted=budget
    ) as running:
        yield running


async def test_only_a_query_the_gateway_would_run_is_stored(
    gw: RunningGateway, redis_client: redis.Redis
) -> None:
    for junk in ("x" * 3000, "{ nosuchfield }", "{ " * 300 + "}" * 300):
        answer = await post(gw, {"query": junk, "extensions": persisted(junk)})
        assert answer.status_code in (200, 400) and answer.json()["errors"], answer.text
        again = await post(gw, {"extensions": persisted(junk)})
        assert again.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    oversized = "{ clusters { name } }" + " " * 5000
    assert (
        "errors"
        not in (await post(gw, {"query": oversized, "extensions": persisted(oversized)})).json()
    )
    assert await stored(redis_client) == []
    registered = await post(gw, {"query": QUERY, "extensions": persisted(QUERY)})
    assert "errors" not in registered.json()
    assert (await post(gw, {"extensions": persisted(QUERY)})).json()["data"]["clusters"]
    [key] = await stored(redis_client)
    assert 0 < await redis_client.ttl(key) <= 86_400


async def test_each_subject_stores_within_its_budget(
    gw: RunningGateway, redis_client: redis.Redis
) -> None:
    texts = [f"{{ clusters {{ name{' server' * n} }} }}" for n in range(5)]
    for text in texts:
        answer = await post(gw, {"query": text, "extensions": persisted(text)})
        assert "errors" not in answer.json(), "a text over the budget is still answered"
    assert len(await stored(redis_client)) == 3
    other = texts[4]
    assert (
        "errors"
        not in (await post(gw, {"query": other, "extensions": persisted(other)}, "bob")).json()
    )
    assert (await post(gw, {"extensions": persisted(other)}, "bob")).json()["data"]


async def test_the_allow_list_serves_its_manifest_only(
    redis_server: EmbeddedRedis, redis_client: redis.Redis, tmp_path: Path
) -> None:
    await publish(redis_client, fleet_mirror())
    subscription = "subscription { workloadStatusChanged(snapshot: true) { type } }"
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [
                    {"id": sha(text), "body": text, "name": None, "type": "query"}
                    for text in (QUERY, subscription)
                ],
            }
        )
    )
    settings = PersistedQueries.model_validate({"mode": "allowList", "allowList": str(manifest)})
    async with running_gateway(
        redis_server.url, auth=auth_config(tmp_path), persisted=settings
    ) as gw:
        listed = await post(gw, {"extensions": persisted(QUERY)})
        assert listed.json()["data"]["clusters"]
        assert "errors" not in (await post(gw, {"query": QUERY})).json()
        for refused in (
            {"extensions": persisted("{ clusters { server } }")},
            {"query": "{ clusters { server } }"},
            {"query": CHANGES},
        ):
            answer = await post(gw, refused)
            assert answer.status_code == 403, answer.text
            assert answer.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"
        async with transport_ws(gw.websocket, {"authToken": TOKENS["alice"]}) as ws:
            ok = await ws.subscribe(subscription)
            assert (await ws.next_payload(ok))["data"]
            unlisted = await ws.subscribe(CHANGES)
            message = await ws.receive()
            while message.get("id") != unlisted:
                message = await ws.receive()
            assert message["type"] == "error"
            assert message["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"
    assert await stored(redis_client) == []
