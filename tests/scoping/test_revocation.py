"""Revocation reaches sockets opened earlier: before each operation and, for a quiet
socket, within ``recheckSeconds`` plus the method's own bound, the socket is closed
with 4403 and the reason, on both WebSocket protocols."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as redis
import yaml
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from gateway.clusters import from_kubeconfig
from gateway.config import Auth
from gateway.redis_server import EmbeddedRedis
from gateway.watch.mirror import ClusterMirror
from simcluster.fleet import SimulatedFleet
from tests.api.harness import running_gateway
from tests.api.test_subscriptions import CHANGES
from tests.auth.jwks import AUDIENCE, ISSUER, claims, jwks, make_key
from tests.scoping.tenants import TOKENS, auth_config, fill
from tests.secrets import secret

SNAPSHOT = "subscription { workloadStatusChanged(snapshot: true) { type } }"
"""An operation both protocols run (the legacy one refuses queries) that answers at once."""
START = {"graphql-transport-ws": "subscribe", "graphql-ws": "start"}


@pytest.fixture
async def mirrors(redis_client: redis.Redis) -> dict[str, ClusterMirror]:
    return await fill(redis_client)


async def opened(url: str, protocol: str, token: str) -> ClientConnection:
    socket = await connect(url, subprotocols=[protocol])  # type: ignore[list-item]
    await socket.send(json.dumps({"type": "connection_init", "payload": {"authToken": token}}))
    assert json.loads(await socket.recv())["type"] == "connection_ack"
    return socket


async def operate(socket: ClientConnection, protocol: str, number: int, query: str) -> None:
    message = {"type": START[protocol], "id": str(number), "payload": {"query": query}}
    await socket.send(json.dumps(message))


async def closed_within(socket: ClientConnection, seconds: float) -> tuple[int, str, float]:
    """The close frame's code and reason, and how long it took to come; data on the way
    is read and dropped."""
    started = time.monotonic()
    with pytest.raises(ConnectionClosed) as closed:
        async with asyncio.timeout(seconds):
            while True:
                await socket.recv()
    assert closed.value.rcvd is not None, "dropped without a close frame"
    return closed.value.rcvd.code, closed.value.rcvd.reason, time.monotonic() - started


def revoke(auth_path: Path, subject: str) -> None:
    kept = [e for e in yaml.safe_load(auth_path.read_text()) if e["subject"] != subject]
    auth_path.write_text(yaml.safe_dump(kept))


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
async def test_a_removed_token_closes_a_quiet_socket(
    redis_server: EmbeddedRedis,
    mirrors: dict[str, ClusterMirror],
    tmp_path: Path,
    protocol: str,
) -> None:
    auth = auth_config(tmp_path, recheckSeconds=2)
    assert auth.token_file is not None
    async with running_gateway(redis_server.url, auth=auth) as gw:
        quiet = await opened(gw.websocket, protocol, TOKENS["alice"])
        other = await opened(gw.websocket, protocol, TOKENS["bob"])
        await operate(quiet, protocol, 1, CHANGES)
        revoke(auth.token_file.path, "alice@example.com")
        # The token file is looked at every 5 s and a change younger than 2 s is read
        # again at the next look; the socket is checked every 2 s here (and some room).
        code, reason, _ = await closed_within(quiet, 5 + 2 + 2 + 5)
        assert code == 4403 and "no longer accepted" in reason
        await operate(other, protocol, 1, SNAPSHOT)
        answer = json.loads(await other.recv())
        assert answer["type"] in ("next", "data") and "errors" not in answer["payload"]
        await other.close()


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
async def test_a_removed_token_is_refused_at_the_next_operation(
    redis_server: EmbeddedRedis,
    mirrors: dict[str, ClusterMirror],
    tmp_path: Path,
    protocol: str,
) -> None:
    auth = auth_config(tmp_path, recheckSeconds=600)
    assert auth.token_file is not None
    async with running_gateway(redis_server.url, auth=auth) as gw:
        socket = await opened(gw.websocket, protocol, TOKENS["alice"])
        await operate(socket, protocol, 1, SNAPSHOT)
        assert json.loads(await socket.recv())["type"] in ("next", "data")
        revoke(auth.token_file.path, "alice@example.com")
        await asyncio.sleep(5 + 2 + 1)
        await operate(socket, protocol, 2, SNAPSHOT)
        code, reason, _ = await closed_within(socket, 5)
    assert code == 4403 and "no longer accepted" in reason


async def test_an_expired_jwt_closes_the_socket_it_opened(
    redis_server: EmbeddedRedis, mirrors: dict[str, ClusterMirror], tmp_path: Path
) -> None:
    key = make_key("RS256", "k1")
    keys = tmp_path / "jwks.json"
    keys.write_text(json.dumps(jwks(key)))
    oidc: dict[str, Any] = {
        "issuer": ISSUER,
        "audience": AUDIENCE,
        "jwksFile": str(keys),
        "clockSkewSeconds": 0,
    }
    auth = auth_config(tmp_path, oidc=oidc, recheckSeconds=1)
    token = key.sign(claims(sub="carol", groups=["admins"], exp=int(time.time()) + 3))
    async with running_gateway(redis_server.url, auth=auth) as gw:
        socket = await opened(gw.websocket, "graphql-transport-ws", token)
        await operate(socket, "graphql-transport-ws", 1, CHANGES)
        code, reason, seconds = await closed_within(socket, 15)
    assert code == 4403 and "expired" in reason
    assert seconds <= 3 + 1 + 3, "exp + recheckSeconds, with room for a loaded machine"


async def test_a_removed_token_ends_a_quiet_server_sent_events_stream(
    redis_server: EmbeddedRedis, mirrors: dict[str, ClusterMirror], tmp_path: Path
) -> None:
    auth = auth_config(tmp_path, recheckSeconds=1)
    assert auth.token_file is not None
    headers = {"authorization": f"Bearer {TOKENS['alice']}", "accept": "text/event-stream"}
    async with (
        running_gateway(redis_server.url, auth=auth) as gw,
        httpx.AsyncClient(timeout=30) as http,
        http.stream("POST", gw.graphql, json={"query": CHANGES}, headers=headers) as stream,
    ):
        assert stream.status_code == 200
        revoke(auth.token_file.path, "alice@example.com")
        ended: dict[str, Any] = {}
        started = time.monotonic()
        async with asyncio.timeout(5 + 2 + 1 + 10):
            async for line in stream.aiter_lines():
                if line.startswith("data:") and "errors" in line:
                    ended = json.loads(line[5:])
                    break
        seconds = time.monotonic() - started
    [error] = ended["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert seconds <= 5 + 2 + 1 + 5, "the token file's look and settle, then one recheck"


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
async def test_a_token_the_cluster_revokes_closes_the_socket_it_opened(
    redis_server: EmbeddedRedis, tmp_path: Path, protocol: str
) -> None:
    """TokenReview: the cluster's answer is cached ``cacheSeconds``, the socket rechecked
    every ``recheckSeconds``; their sum bounds the time to revocation."""
    async with SimulatedFleet(
        clusters=1, require_auth=True, kubeconfig=tmp_path / "kubeconfig"
    ) as fleet:
        cluster = fleet[0]
        token = secret(cluster.identities.add_user("dana@example.test", groups=["admins"]))
        other = secret(cluster.identities.add_user("erin@example.test", groups=["admins"]))
        auth = Auth.model_validate(
            {
                "tokenReview": {"cluster": "sim-1", "cacheSeconds": 2},
                "rules": [{"groups": ["admins"]}],
                "recheckSeconds": 1,
            }
        )
        sources = from_kubeconfig(tmp_path / "kubeconfig")
        async with running_gateway(redis_server.url, sources, auth=auth) as gw:
            socket = await opened(gw.websocket, protocol, token)
            kept = await opened(gw.websocket, protocol, other)
            await operate(socket, protocol, 1, CHANGES)
            await asyncio.sleep(2.5)  # past the first answer's cache: still accepted
            await operate(kept, protocol, 1, SNAPSHOT)
            assert json.loads(await kept.recv())["type"] in ("next", "data")
            assert cluster.identities.revoke(token)
            code, reason, seconds = await closed_within(socket, 15)
            assert code == 4403 and "no longer accepted" in reason
            assert seconds <= 2 + 1 + 4, "cacheSeconds + recheckSeconds, with room for load"
            await operate(kept, protocol, 2, SNAPSHOT)
            answer = json.loads(await kept.recv())
            assert answer["type"] in ("next", "data") and "errors" not in answer["payload"]
            await kept.close()
