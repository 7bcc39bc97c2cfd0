"""Take the README's picture of the status board: the demo fleet, half a minute in.

    .venv/bin/python -m tests.browser.board_screenshot docs/board.png

Two demo clusters, once the held objects are deleting, the edge nodes are lost and a Job
has failed (the demo's clock runs in real time, so the ages on the cards are true); a
click on a crash-looping Deployment has pinned the prompt box with its message. Takes
about 30 s. Needs Chromium (scripts/ensure-system-deps).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

import httpx

from gateway.clusters import from_kubeconfig
from gateway.redis_server import EmbeddedRedis
from schema.ids import encode
from simcluster.fleet import SimulatedFleet
from tests.api.harness import RunningGateway, running_gateway
from tests.browser.chromium import chromium
from tests.browser.page import new_page
from tests.watch.conftest import ready, until

POINTED_AT = encode("Workload", "sim-1", "Deployment/shop/checkout")


async def _shows_trouble(gw: RunningGateway) -> bool:
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            gw.graphql, json={"query": "{ statusSummary { byStatus { status count } } }"}
        )
    counts = {s["status"]: s["count"] for s in answer.json()["data"]["statusSummary"]["byStatus"]}
    return all(counts.get(s) for s in ("EXCEPTION", "NOT_READY", "DELETING", "RUNNING"))


async def take(target: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="board-screenshot-") as scratch:
        work = Path(scratch)
        redis = EmbeddedRedis(work / "valkey")
        await redis.start()
        try:
            async with SimulatedFleet(
                clusters=2, scenario="demo", kubeconfig=work / "kubeconfig"
            ) as fleet:
                sources = from_kubeconfig(fleet.kubeconfig)
                async with running_gateway(redis.url, sources=sources) as gw:
                    await until(lambda: ready(gw.gateway), within=60)
                    await until(lambda: _shows_trouble(gw), within=90, every=0.5)
                    async with (
                        chromium(work / "chromium") as devtools,
                        new_page(devtools, target.parent) as page,
                    ):
                        await page.open(f"{gw.url}/board")
                        await page.wait_for(
                            "document.querySelector(\"#groups[aria-busy='false']\") !== null"
                        )
                        checkout = f'.card[data-id="{POINTED_AT}"]'
                        await page.wait_for(
                            f"document.querySelector('#group-NOT_READY {checkout}') !== null"
                        )
                        await page.click(f"{checkout} button")
                        await page.wait_for_text("#prompt", "crash-looping")
                        await page.evaluate("window.scrollTo(0, 0)")
                        await page.move_mouse_away()
                        await page.screenshot(target.stem)
        finally:
            redis.stop_blocking()


if __name__ == "__main__":
    asyncio.run(take(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/board.png")))
