"""Abuse limits: per-subject rates shared through Redis, concurrent subscriptions, query cost,
header sizes, and the rule that an unauthenticated gateway stays on loopback."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as redis
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin, Subprotocol

from gateway.commands.serve import check_exposure
from gateway.config import ConfigError, Server, load
from gateway.redis_server import EmbeddedRedis
from tests.api.harness import RunningGateway, running_gateway
from tests.api.test_subscriptions import CHANGES
from tests.api.wsclient import transport_ws
from tests.scoping.tenants import TOKENS, ask, auth_config, early_in_a_minute, fill

SMALL = "{ clusters { name } }"


@pytest.fixture
async def gw(
    redis_server: EmbeddedRedis, redis_client: redis.Redis, tmp_path: Path
) -> AsyncIterator[RunningGateway]:
    await fill(redis_client)
    auth = auth_config(
        tmp_path,
        rateLimits={
            "requestsPerMinute": 5,
            "subscriptionsPerMinute": 50,
            "concurrentSubscriptions": 2,
        },
        maxCost=5000,
    )
    async with running_gateway(redis_server.url, auth=auth) as running:
        yield running


async def test_requests_per_minute_per_subject_with_retry_after(gw: RunningGateway) -> None:
    await early_in_a_minute()
    answers = [await ask(gw.graphql, SMALL, TOKENS["alice"]) for _ in range(6)]
    assert [a.status_code for a in answers[:5]] == [200] * 5
    limited = answers[5]
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert (await ask(gw.graphql, SMALL, TOKENS["bob"])).status_code == 200


async def test_the_budget_is_shared_by_every_replica(
    gw: RunningGateway, redis_server: EmbeddedRedis, tmp_path: Path
) -> None:
    auth = auth_config(tmp_path, rateLimits={"requestsPerMinute": 5})
    async with running_gateway(redis_server.url, auth=auth) as other:
        for replica in (gw, other, gw, other, gw):
            assert (await ask(replica.graphql, SMALL, TOKENS["bot"])).status_code == 200
        assert (await ask(other.graphql, SMALL, TOKENS["bot"])).status_code == 429


async def test_concurrent_subscriptions_per_subject(gw: RunningGateway) -> None:
    async with transport_ws(gw.websocket, {"authToken": TOKENS["alice"]}) as ws:
        first = await ws.subscribe(CHANGES, {"snapshot": True})
        await ws.next_payload(first)
        second = await ws.subscribe(CHANGES, {"snapshot": True})
        await ws.next_payload(second)
        third = await ws.subscribe(CHANGES, {"snapshot": True})
        refused = await ws.next_payload(third)
        assert refused["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert "open subscriptions" in refused["errors"][0]["message"]
        await ws.send({"id": first, "type": "complete"})
        await asyncio.sleep(0.3)
        fourth = await ws.subscribe(CHANGES, {"snapshot": True})
        accepted = await ws.next_payload(fourth)
        assert accepted["data"]["workloadStatusChanged"]["type"] == "SNAPSHOT"


async def test_page_sizes_multiply_into_a_cost_limit(gw: RunningGateway) -> None:
    costly = "{ workloads(first: 1000) { nodes { pods { events { message } } } } }"
    answer = (await ask(gw.graphql, costly, TOKENS["admin"])).json()
    error = answer["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["cost"] > 5000
    cheap = "{ workloads(first: 10) { nodes { name pods { name } } } }"
    assert "errors" not in (await ask(gw.graphql, cheap, TOKENS["admin"])).json()


async def test_oversized_headers_are_refused(gw: RunningGateway) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.post(
            gw.graphql,
            json={"query": SMALL},
            headers={"authorization": f"Bearer {TOKENS['admin']}", "x-padding": "x" * 30_000},
        )
    assert answer.status_code == 431
    assert answer.json()["errors"][0]["extensions"]["code"] == "HEADERS_TOO_LARGE"


def test_no_authentication_only_on_loopback_or_when_asked(tmp_path: Path) -> None:
    check_exposure(load(None, {"server": {"host": "127.0.0.1"}}, {}))
    check_exposure(load(None, {"server": {"host": "::1"}}, {}))
    check_exposure(
        load(None, {"server": {"host": "0.0.0.0"}, "auth": {"insecureNoAuth": True}}, {})
    )
    with pytest.raises(ConfigError, match="without authentication"):
        check_exposure(load(None, {"server": {"host": "0.0.0.0"}}, {}))
    ran = subprocess.run(
        [
            sys.executable,
            "-m",
            "gateway",
            "serve",
            "--host",
            "0.0.0.0",
            "--kubeconfig",
            str(tmp_path / "none"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert ran.returncode == 2
    assert "refusing to serve on 0.0.0.0 without authentication" in ran.stderr


async def test_browser_websockets_only_from_allowed_origins(
    redis_server: EmbeddedRedis, redis_client: redis.Redis, tmp_path: Path
) -> None:
    """A page on another site must not ride a user's session into a subscription; clients
    that are not browsers send no Origin and are let in."""
    await fill(redis_client)
    server = Server(websocket_origins=("https://console.example.com",))
    async with running_gateway(redis_server.url, auth=auth_config(tmp_path), server=server) as gw:
        init = {"type": "connection_init", "payload": {"authToken": TOKENS["alice"]}}
        async with connect(
            gw.websocket,
            subprotocols=[Subprotocol("graphql-transport-ws")],
            origin=Origin("https://console.example.com"),
        ) as socket:
            await socket.send(json.dumps(init))
            assert json.loads(await socket.recv())["type"] == "connection_ack"
        with pytest.raises(InvalidStatus) as refused:
            async with connect(
                gw.websocket,
                subprotocols=[Subprotocol("graphql-transport-ws")],
                origin=Origin("https://evil.example.net"),
            ):
                pass
        assert refused.value.response.status_code == 403
        async with transport_ws(gw.websocket, {"authToken": TOKENS["alice"]}) as ws:
            operation = await ws.subscribe(CHANGES, {"snapshot": True})
            assert (await ws.next_payload(operation))["data"]["workloadStatusChanged"]
