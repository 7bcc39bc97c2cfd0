"""Following the gateway's feeds: refusals, unusable cursors, a refused snapshot, tokens."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as redis
from websockets.asyncio.server import ServerConnection, serve

from gateway.backoff import Backoff
from gateway.notify.bot import run_notifier
from gateway.notify.feed import FatalFeedError, FeedItem, GatewayFeed, Positioned
from gateway.notify.filters import parse_filter
from gateway.notify.state import NotifierState
from gateway.notify.transport import graphql_socket
from gateway.redis_server import EmbeddedRedis, free_port
from schema.context import Limits
from tests.api.harness import flush, publish, running_gateway
from tests.notify.conftest import eventually, quick_config, running_notifier
from tests.notify.receiver import WebhookReceiver
from tests.notify.shop import crash, shop


async def test_a_filter_the_gateway_refuses_stops_the_bot_with_its_reason(
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    await publish(redis_client, shop(["web"]))
    async with running_gateway(redis_server.url) as gw:
        config = quick_config(
            gw.websocket,
            receiver.url,
            tmp_path / "state.json",
            filter=parse_filter('{"labelSelector": "app in (web"}'),
        )
        with pytest.raises(FatalFeedError, match="invalid labelSelector"):
            await asyncio.wait_for(run_notifier(config), 15)
    assert receiver.posts == []


async def test_cursors_the_gateway_cannot_use_mean_one_summary_then_live_changes(
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    mirror = shop(["web", "api"])
    crash(mirror, "api")
    await publish(redis_client, mirror)
    state_file = tmp_path / "state.json"
    unusable = NotifierState(cursors={"workloads": "garbage", "pods": "x", "clusters": "%%"})
    state_file.write_bytes(unusable.to_bytes())
    async with running_gateway(redis_server.url) as gw:
        config = quick_config(gw.websocket, receiver.url, state_file)
        async with running_notifier(config) as notifier:
            await receiver.wait_for_posts(1)
            crash(mirror, "web")
            await flush(redis_client, mirror)
            await receiver.wait_for_posts(2)
            await eventually(lambda: notifier.idle)
    summary, live = (p.body for p in receiver.posts)
    assert summary["title"] == "Notifier missed part of the history; 1 workload abnormal now"
    assert live["title"] == "Not Ready: Deployment shop/web in sim-1"


async def test_a_refused_snapshot_is_said_once_and_changes_still_follow(
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    mirror = shop(["a", "b", "c", "web"])
    for name in ("a", "b", "c"):
        crash(mirror, name)
    await publish(redis_client, mirror)
    async with running_gateway(redis_server.url, limits=Limits(snapshot_max=2)) as gw:
        config = quick_config(gw.websocket, receiver.url, tmp_path / "state.json")
        async with running_notifier(config) as notifier:
            await receiver.wait_for_posts(1)
            crash(mirror, "web")
            await flush(redis_client, mirror)
            await receiver.wait_for_posts(2)
            await eventually(lambda: notifier.idle)
    summary, live = (p.body for p in receiver.posts)
    assert summary["title"] == "Notifier started; the current state could not be listed"
    assert "the snapshot would hold 3 workloads" in summary["message"]
    assert live["title"] == "Not Ready: Deployment shop/web in sim-1"


async def test_the_token_goes_in_the_handshake_and_in_connection_init() -> None:
    seen: list[Any] = []

    async def gateway(connection: ServerConnection) -> None:
        seen.append(connection.request.headers.get("Authorization") if connection.request else None)
        seen.append(json.loads(await connection.recv()))
        await connection.send(json.dumps({"type": "connection_ack"}))
        await connection.wait_closed()

    port = free_port()
    async with (
        serve(gateway, "127.0.0.1", port, subprotocols=["graphql-transport-ws"]),  # type: ignore[list-item]
        graphql_socket(f"ws://127.0.0.1:{port}/graphql", "s3cret"),
    ):
        pass
    assert seen == [
        "Bearer s3cret",
        {"type": "connection_init", "payload": {"Authorization": "Bearer s3cret"}},
    ]


async def test_refused_credentials_are_logged_and_a_rotated_token_file_is_read_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("old\n")
    presented: list[str] = []

    async def gateway(connection: ServerConnection) -> None:
        init = json.loads(await connection.recv())
        presented.append(init["payload"]["Authorization"])
        if presented[-1] == "Bearer old":
            token_file.write_text("new\n")
            await connection.close(4403, "Forbidden")
            return
        await connection.send(json.dumps({"type": "connection_ack"}))
        async for raw in connection:
            message = json.loads(raw)
            if "feedCursor" in message["payload"]["query"]:
                answer = {"data": {"feedCursor": "c"}}
                await connection.send(json.dumps({**message, "type": "next", "payload": answer}))
                await connection.send(json.dumps({"id": message["id"], "type": "complete"}))

    port = free_port()
    config = quick_config(
        f"ws://127.0.0.1:{port}/graphql",
        "http://127.0.0.1:9/h",
        tmp_path / "s",
        token_file=token_file,
    )
    feed = GatewayFeed(
        config.gateway,
        config.filter,
        {},
        token=config.current_token,
        snapshot_first=False,
        reconnect=Backoff(base=0.05, cap=0.1),
    )

    async def ignore(item: FeedItem) -> None:
        assert isinstance(item, Positioned), f"nothing but positions is sent: {item}"

    async with serve(gateway, "127.0.0.1", port, subprotocols=["graphql-transport-ws"]):  # type: ignore[list-item]
        following = asyncio.create_task(feed.run(ignore))
        await eventually(feed.connected.is_set)
        following.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await following
    assert presented == ["Bearer old", "Bearer new"]
    assert "the gateway refused the notifier's credentials; retrying" in caplog.messages
