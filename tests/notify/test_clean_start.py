"""A notifier that starts against a healthy gateway has nothing to warn about."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import redis.asyncio as redis

from gateway.redis_server import EmbeddedRedis
from tests.api.harness import publish, running_gateway
from tests.notify.conftest import cluster_feed_followed, eventually, quick_config, running_notifier
from tests.notify.receiver import WebhookReceiver
from tests.notify.shop import crash, shop


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
    loud = [
        f"{r.name} {r.levelname}: {r.getMessage()} {r.__dict__.get('cause', '')}"
        for r in caplog.records
        if r.levelno >= logging.WARNING
    ]
    assert loud == []
    assert any(r.name.startswith("gateway.notify") for r in caplog.records)
    (summary,) = [post.body for post in receiver.posts]
    assert summary["title"] == "Notifier started; 1 workload abnormal now"
    assert summary["lines"] == ["Deployment shop/api in sim-1: Not Ready (CrashLoopBackOff)"]
