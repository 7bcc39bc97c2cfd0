"""A fresh headless Chromium per test, with one tab that may only reach this machine, and
the demo fleet watched by a gateway for the board tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
import redis.asyncio as redis

from gateway.clusters import from_kubeconfig
from gateway.redis_server import EmbeddedRedis
from simcluster.fleet import SimulatedFleet
from simcluster.watch import WatchSettings
from tests.api.harness import running_gateway
from tests.browser.chromium import chromium
from tests.browser.demo import Demo
from tests.browser.page import Page, new_page
from tests.browser.relay import relay_to
from tests.watch.conftest import ready, until


@pytest_asyncio.fixture
async def browser_page(tmp_path: Path) -> AsyncIterator[Page]:
    async with chromium(tmp_path / "chromium-profile") as devtools:
        async with new_page(devtools, tmp_path) as page:
            yield page
        if devtools.failures:
            raise AssertionError(f"the browser harness failed: {devtools.failures!r}")


@pytest_asyncio.fixture
async def demo(
    tmp_path: Path, redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> AsyncIterator[Demo]:
    """The gateway watching two demo clusters, and a relay in front of it.

    ``redis_client`` is asked for so the shared server starts empty.
    """
    async with SimulatedFleet(
        clusters=2,
        scenario="demo",
        kubeconfig=tmp_path / "kubeconfig",
        watch_settings=WatchSettings(bookmark_interval=0.5),
    ) as fleet:
        sources = from_kubeconfig(fleet.kubeconfig)
        async with running_gateway(redis_server.url, sources=sources, grace_seconds=1.0) as gw:
            await until(lambda: ready(gw.gateway), within=30)
            port = int(gw.url.rsplit(":", 1)[1])
            async with relay_to(port) as relay:
                yield Demo(fleet, gw, relay)
