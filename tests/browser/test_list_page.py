"""The paged list (/list) in headless Chromium: it fetches the page it shows again only when
workloadListChanged says the filter's list changed, never on a timer, and not for changes
outside its filter."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest_asyncio
import redis.asyncio as redis

from gateway.redis_server import EmbeddedRedis
from gateway.watch.mirror import ClusterMirror
from tests.api.harness import RunningGateway, flush, publish, running_gateway
from tests.browser.page import Page
from tests.browser.test_board import assert_stayed_local
from tests.status import objects as o

NAMES = [f"svc-{n:02}" for n in range(25)]
FETCHES = "Number(document.body.dataset.fetches)"
ROWS = "[...document.querySelectorAll('#rows tbody tr')].map(r => r.children[3].textContent)"


@pytest_asyncio.fixture
async def mirror(redis_client: redis.Redis) -> ClusterMirror:
    """25 Deployments in shop (names svc-00 .. svc-24), one in billing, none with pods."""
    built = ClusterMirror("sim-1", lambda: o.NOW)
    built.replace("Node", [o.node("worker-1")])
    built.replace(
        "Deployment",
        [o.deployment(name, replicas=0) for name in NAMES]
        + [o.deployment("ledger", namespace="billing", replicas=0)],
    )
    await publish(redis_client, built)
    return built


@pytest_asyncio.fixture
async def gw(redis_server: EmbeddedRedis, mirror: ClusterMirror) -> AsyncIterator[RunningGateway]:
    async with running_gateway(redis_server.url) as running:
        yield running


def stuck(name: str, namespace: str = "shop") -> dict[str, object]:
    """Scaled to 2 with no pod yet: Waiting."""
    return o.deployment(name, namespace=namespace, replicas=2, ready=0, available=0, updated=0)


async def test_the_page_is_fetched_again_only_when_told(
    gw: RunningGateway, mirror: ClusterMirror, redis_client: redis.Redis, browser_page: Page
) -> None:
    page = browser_page
    await page.open(f"{gw.url}/list?namespace=shop&first=10&debounceMs=300")
    await page.wait_for("document.getElementById('connection').dataset.state === 'live'")
    await page.wait_for(f"{FETCHES} === 1")
    assert await page.evaluate(ROWS) == NAMES[:10]
    await page.click("#next")
    await page.wait_for(f"{FETCHES} === 2")
    assert await page.evaluate(ROWS) == NAMES[10:20]
    # Quiet, then a change outside the filter: nothing to fetch.
    mirror.apply("Deployment", "MODIFIED", stuck("ledger", "billing"))
    await flush(redis_client, mirror)
    await asyncio.sleep(1.5)
    assert await page.evaluate(FETCHES) == 2
    # Three changes at once on the shown page: one notice, one fetch, the rows current.
    for name in ("svc-12", "svc-13", "svc-14"):
        mirror.apply("Deployment", "MODIFIED", stuck(name))
    await flush(redis_client, mirror)
    await page.wait_for(f"{FETCHES} === 3")
    statuses = await page.evaluate(
        "[...document.querySelectorAll('#rows tbody tr')].map(r => r.dataset.status)"
    )
    assert statuses[2:5] == ["WAITING"] * 3
    assert await page.evaluate("document.getElementById('totals').textContent") == "25 workloads"
    await asyncio.sleep(1.0)
    assert await page.evaluate(FETCHES) == 3
    assert_stayed_local(page)
