"""A custom workload on the board: its card says Rollout with its group on hover, the kind
chooser offers it beside the built-ins, and choosing it shows only it, live."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
import redis.asyncio as redis

from gateway.redis_server import EmbeddedRedis
from tests.api.harness import RunningGateway, publish, running_gateway
from tests.browser.page import Page
from tests.browser.test_board import assert_stayed_local, card
from tests.custom_workloads import ROLLOUT, ROLLOUT_KIND, put_workload, rollout, watch_kinds
from tests.store.test_mirror import fleet_mirror

KIND_CHOICES = "[...document.querySelectorAll('#kind option')].map(o => [o.value, o.textContent])"
NAMES = """[...document.querySelectorAll('#groups .group:not([hidden]) .card')]
  .map(c => c.querySelector('.name').textContent).sort()"""


@pytest_asyncio.fixture
async def gw(
    redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> AsyncIterator[RunningGateway]:
    """The fleet's web Deployment and a Running Rollout, checkout, in shop."""
    await publish(redis_client, fleet_mirror())
    await put_workload(redis_client, rollout("sim-1"))
    await watch_kinds(redis_client, "sim-1", [ROLLOUT_KIND])
    async with running_gateway(redis_server.url) as running:
        yield running


async def test_a_rollout_has_its_card_and_its_choice_of_kind(
    gw: RunningGateway, redis_client: redis.Redis, browser_page: Page
) -> None:
    page = browser_page
    await page.open(f"{gw.url}/board")
    rollout_card = card("sim-1", ROLLOUT, "shop", "checkout")
    await page.wait_for_selector(rollout_card)
    where = f"document.querySelector('{rollout_card} .where')"
    assert await page.evaluate(f"{where}.textContent") == "Rollout · shop · sim-1"
    assert await page.evaluate(f"{where}.title") == f"{ROLLOUT} (Rollout (argoproj.io))"
    assert await page.evaluate(KIND_CHOICES) == [
        ["", "All kinds"],
        ["Deployment.apps", "Deployment"],
        [ROLLOUT, "Rollout (argoproj.io)"],
    ]
    await page.evaluate(
        f"(() => {{ const s = document.getElementById('kind'); s.value = '{ROLLOUT}';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    await page.wait_for(f"JSON.stringify({NAMES}) === JSON.stringify(['checkout'])")
    assert ROLLOUT in await page.evaluate("location.search")
    broken = rollout("sim-1", status="Not Ready", reason="Degraded")
    await put_workload(redis_client, broken, rollout("sim-1"))
    await page.wait_for(
        f"document.querySelector('{rollout_card}')?.closest('.group').dataset.status"
        " === 'NOT_READY'"
    )
    assert await page.evaluate(NAMES) == ["checkout"]
    assert_stayed_local(page)
