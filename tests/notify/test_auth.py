"""The notifier in front of a gateway that requires a token."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from pathlib import Path

import pytest
import redis.asyncio as redis
import yaml

from gateway.config import Auth
from gateway.notify.bot import Notifier
from gateway.redis_server import EmbeddedRedis
from tests.api.harness import flush, publish, running_gateway
from tests.notify.conftest import eventually, quick_config, running_notifier
from tests.notify.receiver import WebhookReceiver
from tests.notify.shop import crash, shop
from tests.secrets import secret

BOT_TOKEN = secret("notifier-bot-token-5e1d9c2a7b")
STRANGER_TOKEN = secret("stranger-token-8f3e6a0c4d21")


def gateway_auth(directory: Path) -> Auth:
    """The bot may see namespace shop of every cluster, nothing else."""
    tokens = directory / "tokens.yaml"
    entry = {"sha256": hashlib.sha256(BOT_TOKEN.encode()).hexdigest(), "subject": "bot:chat"}
    tokens.write_text(yaml.safe_dump([{**entry, "groups": ["chatops"]}]))
    return Auth.model_validate(
        {
            "tokenFile": {"path": str(tokens)},
            "rules": [{"groups": ["chatops"], "namespaces": ["shop"]}],
        }
    )


async def test_the_bot_with_its_token_posts_and_a_wrong_token_is_refused(
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,
    receiver: WebhookReceiver,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mirror = shop(["web", "api"])
    await publish(redis_client, mirror)
    token_file = tmp_path / "bot-token"
    token_file.write_text(BOT_TOKEN + "\n")
    async with running_gateway(redis_server.url, auth=gateway_auth(tmp_path)) as gw:
        stranger = Notifier(
            quick_config(gw.websocket, receiver.url, tmp_path / "s.json", token=STRANGER_TOKEN)
        )
        config = quick_config(
            gw.websocket, receiver.url, tmp_path / "b.json", token_file=token_file
        )
        async with running_notifier(config) as notifier:
            crash(mirror, "web")
            await flush(redis_client, mirror)
            await receiver.wait_for_posts(1)
            await eventually(lambda: notifier.idle)
        with caplog.at_level(logging.ERROR, logger="gateway.notify.feed"):
            refused = asyncio.create_task(stranger.run())
            await eventually(
                lambda: (
                    "the gateway refused the notifier's credentials; retrying" in caplog.messages
                )
            )
            refused.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await refused
    assert [p.body["title"] for p in receiver.posts] == ["Not Ready: Deployment shop/web in sim-1"]
    assert stranger.feed.connections == 0
