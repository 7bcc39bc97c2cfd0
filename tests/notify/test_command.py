"""``python -m gateway notify`` as a real process: Slack payloads, JSON logs, clean stop."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import pytest
import redis.asyncio as redis

from gateway.cli import main
from gateway.redis_server import EmbeddedRedis
from tests.api.harness import flush, publish, running_gateway
from tests.notify.conftest import saved_state
from tests.notify.receiver import WebhookReceiver
from tests.notify.shop import crash, shop


async def test_the_command_posts_to_slack_and_stops_cleanly(
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    mirror = shop(["web", "api"])
    crash(mirror, "api")
    await publish(redis_client, mirror)
    state_file = tmp_path / "state.json"
    async with running_gateway(redis_server.url) as gw:
        bot = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "gateway",
            "notify",
            "--gateway",
            gw.url,
            "--webhook",
            receiver.url,
            "--format",
            "slack",
            "--window",
            "0.3",
            "--state-file",
            str(state_file),
            "--log-format",
            "json",
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await receiver.wait_for_posts(1, within=30)
            crash(mirror, "web")
            await flush(redis_client, mirror)
            await receiver.wait_for_posts(2, within=30)
        finally:
            bot.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(bot.communicate(), 30)
    assert bot.returncode == 0, stderr.decode()
    started, problem = (p.body for p in receiver.posts)
    assert started["text"] == "\N{LARGE ORANGE CIRCLE} Notifier started; 1 workload abnormal now"
    assert problem["text"] == "\N{LARGE ORANGE CIRCLE} Not Ready: Deployment shop/web in sim-1"
    [attachment] = problem["attachments"]
    assert attachment["color"] == "#F5A623"
    assert [b["type"] for b in attachment["blocks"]] == [
        "section",
        "section",
        "section",
        "section",
        "context",
    ]
    logs = [json.loads(line) for line in stderr.decode().splitlines()]
    accepted = [e for e in logs if e["message"] == "webhook post accepted"]
    assert len(accepted) == 2
    assert {e["http_status"] for e in accepted} == {200}
    assert all(e["webhook"].endswith("/…cret") for e in accepted)
    assert "secret" not in stderr.decode(), "the webhook URL's token never reaches the logs"
    assert logs[-1]["message"] == "notifier stopped"
    state = saved_state(state_file)
    assert set(state.cursors) >= {"workloads", "pods"}
    assert not state.pending and not state.inflight


def test_bad_arguments_exit_with_2_and_say_why(capsys: pytest.CaptureFixture[str]) -> None:
    base = ["notify", "--gateway", "127.0.0.1:8080"]
    assert main([*base, "--webhook", "ftp://chat.example/hook"]) == 2
    assert "the webhook must be an http(s):// URL" in capsys.readouterr().err
    assert main([*base, "--webhook", "https://chat.example/h", "--filter", '{"statuses": []}']) == 2
    assert "use --min-severity" in capsys.readouterr().err
    assert main(["notify", "--gateway", "ftp://x", "--webhook", "https://chat.example/h"]) == 2
    assert "is not an http(s):// or ws(s):// URL" in capsys.readouterr().err
