"""The notifier in the test's event loop, a webhook receiver, and quick settings."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest_asyncio

from gateway.notify.bot import Notifier
from gateway.notify.config import NotifierConfig
from gateway.notify.state import NotifierState
from tests.notify.receiver import WebhookReceiver, webhook_receiver


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    async with webhook_receiver() as started:
        yield started


def quick_config(gateway: str, webhook: str, state_file: Path, **overrides: Any) -> NotifierConfig:
    """Short windows and retries so a test runs in seconds; everything else as shipped."""
    values: dict[str, Any] = {
        "gateway": gateway,
        "webhook": webhook,
        "state_file": state_file,
        "format": "generic",
        "window": 0.4,
        "snapshot_quiet": 0.3,
        "retry_base": 0.05,
        "retry_cap": 0.4,
        "reconnect_base": 0.05,
        "reconnect_cap": 0.4,
        "per_minute": 6000.0,
        "burst": 100,
        "post_timeout": 1.0,
    }
    values.update(overrides)
    return NotifierConfig(**values)


async def eventually(check: Callable[[], bool], within: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def running_notifier(config: NotifierConfig) -> AsyncIterator[Notifier]:
    """The bot as a task; yields once it follows live changes (snapshot taken, if any)."""
    notifier = Notifier(config)
    task = asyncio.create_task(notifier.run())
    try:
        await eventually(
            lambda: (
                task.done()
                or (notifier.feed.connected.is_set() and not notifier.feed.snapshot_pending)
            )
        )
        if task.done():
            task.result()
        yield notifier
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def cluster_feed_followed(notifier: Notifier) -> None:
    """Wait until the bot knows where the cluster feed ends (feedCursor, saved at connection):
    from then on every cluster change reaches it, live or replayed after a reconnect."""
    await eventually(lambda: "clusters" in notifier.state.cursors)


def saved_state(path: Path) -> NotifierState:
    return NotifierState.from_bytes(path.read_bytes())


def transition_ids(bodies: list[dict[str, Any]]) -> list[str]:
    """Every transition id the generic payloads carried, in posting order."""
    return [item["id"] for body in bodies for item in body["transitions"]]
