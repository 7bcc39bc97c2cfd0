"""What the notifier logs at warning and above: nothing when all is well, one line when
the gateway goes away for a while."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

import pytest
import redis.asyncio as redis

from gateway.redis_server import EmbeddedRedis
from tests.api.harness import publish, running_gateway
from tests.notify.conftest import cluster_feed_followed, eventually, quick_config, running_notifier
from tests.notify.forwarder import forwarder
from tests.notify.receiver import WebhookReceiver
from tests.notify.shop import crash, shop


def loud(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{r.name} {r.levelname}: {r.getMessage()} {r.__dict__.get('cause', '')}"
        for r in caplog.records
        if r.levelno >= logging.WARNING
    ]


async def test_a_clean_start_logs_nothing_at_warning_or_above(
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,
    receiver: WebhookReceiver,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The snapshot (with its SNAPSHOT_END marker) is taken and live changes followed,
    twice: from nothing, then resuming from the saved cursors."""
    mirror = shop(["web", "api"], replicas=2)
    crash(mirror, "api", 0)
    await publish(redis_client, mirror)
    caplog.set_level(logging.DEBUG)
    async with running_gateway(redis_server.url) as gw:
        config = quick_config(gw.websocket, receiver.url, tmp_path / "state.json")
        for _ in range(2):
            async with running_notifier(config) as notifier:
                await cluster_feed_followed(notifier)
                await eventually(lambda: notifier.idle)
    assert loud(caplog) == []
    assert any(r.name.startswith("gateway.notify") for r in caplog.records)
    (summary,) = [post.body for post in receiver.posts]
    assert summary["title"] == "Notifier started; 1 workload abnormal now"
    assert summary["lines"] == ["Deployment shop/api in sim-1: Not Ready (CrashLoopBackOff)"]


async def test_a_gateway_away_for_a_while_is_one_warning_and_the_line_it_is_back(
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,
    receiver: WebhookReceiver,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await publish(redis_client, shop(["web"]))
    caplog.set_level(logging.DEBUG, logger="gateway.notify")
    async with forwarder() as service, contextlib.AsyncExitStack() as first_gateway:
        first = await first_gateway.enter_async_context(running_gateway(redis_server.url))
        service.point_at(first.url)
        config = quick_config(service.websocket, receiver.url, tmp_path / "state.json")
        async with running_notifier(config) as notifier:
            await cluster_feed_followed(notifier)
            await first_gateway.aclose()
            retries = "gateway still not reachable; retrying"
            await eventually(lambda: sum(r.getMessage() == retries for r in caplog.records) >= 3)
            async with running_gateway(redis_server.url) as second:
                service.point_at(second.url)
                await eventually(lambda: notifier.feed.connections == 2)
                await eventually(notifier.feed.connected.is_set)
                while_away = loud(caplog)
    assert while_away == [
        "gateway.notify.feed WARNING: gateway connection lost; reconnecting "
        + next(r.__dict__["cause"] for r in caplog.records if r.levelno >= logging.WARNING)
    ]
    assert {r.levelname for r in caplog.records if r.getMessage() == retries} == {"DEBUG"}
    connected = [r for r in caplog.records if r.getMessage() == "connected to the gateway"]
    assert "away_seconds" not in connected[0].__dict__
    assert connected[1].__dict__["away_seconds"] > 0
