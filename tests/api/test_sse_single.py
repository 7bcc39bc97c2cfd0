"""graphql-sse's single connection mode at the protocol level: reservations, one stream per
reservation, operations answered 202 and streamed with their ids, DELETE, request errors on
the POST itself, and reservations that belong to the caller who made them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
import redis.asyncio as redis

from gateway.redis_server import EmbeddedRedis
from tests.api.harness import RunningGateway, publish, running_gateway
from tests.scoping.tenants import TOKENS, auth_config, fill
from tests.store.test_mirror import fleet_mirror

TOKEN = "x-graphql-event-stream-token"
SNAPSHOT = "subscription { workloadStatusChanged(snapshot: true) { type name } }"


@pytest_asyncio.fixture
async def gw(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> AsyncIterator[RunningGateway]:
    await publish(redis_client, fleet_mirror())
    async with running_gateway(redis_server.url) as running:
        yield running


async def events(lines: AsyncIterator[str]) -> AsyncIterator[tuple[str, Any]]:
    """(event, data) of each event of a stream, comments skipped."""
    name = ""
    async for line in lines:
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            yield name, json.loads(line[6:])


async def operate(
    http: httpx.AsyncClient, url: str, token: str, body: dict[str, Any]
) -> httpx.Response:
    return await http.post(url, json=body, headers={TOKEN: token})


async def test_operations_stream_through_one_connection(gw: RunningGateway) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        reserved = await http.put(gw.graphql)
        assert reserved.status_code == 201
        token = reserved.text
        async with http.stream(
            "GET", gw.graphql, headers={TOKEN: token, "accept": "text/event-stream"}
        ) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            received = events(stream.aiter_lines())
            subscribed = {"query": SNAPSHOT, "extensions": {"operationId": "live"}}
            assert (await operate(http, gw.graphql, token, subscribed)).status_code == 202
            seen = [await anext(received) for _ in range(2)]
            assert seen == [
                (
                    "next",
                    {
                        "id": "live",
                        "payload": {
                            "data": {"workloadStatusChanged": {"type": "SNAPSHOT", "name": "web"}}
                        },
                    },
                ),
                (
                    "next",
                    {
                        "id": "live",
                        "payload": {
                            "data": {
                                "workloadStatusChanged": {"type": "SNAPSHOT_END", "name": None}
                            }
                        },
                    },
                ),
            ]
            query = {"query": "{ clusters { name } }", "extensions": {"operationId": "q"}}
            assert (await operate(http, gw.graphql, token, query)).status_code == 202
            assert await anext(received) == (
                "next",
                {"id": "q", "payload": {"data": {"clusters": [{"name": "sim-1"}]}}},
            )
            assert await anext(received) == ("complete", {"id": "q"})
            stopped = await http.delete(f"{gw.graphql}?operationId=live", headers={TOKEN: token})
            assert stopped.status_code == 200
            assert await anext(received) == ("complete", {"id": "live"})


async def test_refusals_of_the_mode(gw: RunningGateway) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        token = (await http.put(gw.graphql)).text
        unknown = await operate(
            http, gw.graphql, "no-such-token", {"query": "{ clusters { name } }"}
        )
        assert (unknown.status_code, code(unknown)) == (404, "NOT_FOUND")
        async with http.stream(
            "GET", gw.graphql, headers={TOKEN: token, "accept": "text/event-stream"}
        ) as stream:
            second = await http.get(
                gw.graphql, headers={TOKEN: token, "accept": "text/event-stream"}
            )
            assert (second.status_code, code(second)) == (409, "CONFLICT")
            invalid = {"query": "{ nope }", "extensions": {"operationId": "x"}}
            refused = await operate(http, gw.graphql, token, invalid)
            assert (refused.status_code, code(refused)) == (400, "GRAPHQL_VALIDATION_FAILED")
            nameless = await operate(http, gw.graphql, token, {"query": "{ clusters { name } }"})
            assert (nameless.status_code, code(nameless)) == (400, "BAD_REQUEST")
            assert stream.status_code == 200
        # The stream closed: its reservation is gone with it.
        await asyncio.sleep(0.2)
        after = await operate(
            http,
            gw.graphql,
            token,
            {"query": "{ clusters { name } }", "extensions": {"operationId": "y"}},
        )
        assert (after.status_code, code(after)) == (404, "NOT_FOUND")


def code(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


async def test_a_reservation_is_its_callers_own(
    redis_server: EmbeddedRedis, redis_client: redis.Redis, tmp_path: Path
) -> None:
    await fill(redis_client)
    async with (
        running_gateway(redis_server.url, auth=auth_config(tmp_path)) as gw,
        httpx.AsyncClient(timeout=10) as http,
    ):
        alice = {"authorization": f"Bearer {TOKENS['alice']}"}
        bob = {"authorization": f"Bearer {TOKENS['bob']}"}
        assert (await http.put(gw.graphql)).status_code == 401
        token = (await http.put(gw.graphql, headers=alice)).text
        stolen = await http.get(
            gw.graphql, headers={**bob, TOKEN: token, "accept": "text/event-stream"}
        )
        assert (stolen.status_code, code(stolen)) == (404, "NOT_FOUND")
