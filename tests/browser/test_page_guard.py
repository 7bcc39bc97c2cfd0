"""The harness itself: requests to other hosts are refused and recorded, loopback ones pass.

The GraphiQL tests lean on this guard to claim "air-gapped", so it is proven on a page
that does try to leave: a script from a CDN, a fetch and an image elsewhere. The
refusal happens in the browser before any name lookup or connection.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from gateway.redis_server import free_port
from tests.browser.page import Page, is_loopback

LEAVING_PAGE = """<!doctype html>
<html><head>
<script src="https://cdn.example.invalid/lib.js" onerror="window.cdnRefused = true"></script>
</head><body>
<img src="http://images.example.invalid/logo.png">
<p id="local">waiting</p>
<p id="remote">waiting</p>
<script>
fetch("/data").then(r => r.text()).then(t => { document.getElementById("local").textContent = t; });
fetch("http://api.example.invalid/data").then(
  () => { document.getElementById("remote").textContent = "reached"; },
  () => { document.getElementById("remote").textContent = "refused"; });
</script>
</body></html>"""
OUTSIDE = {
    "https://cdn.example.invalid/lib.js",
    "http://images.example.invalid/logo.png",
    "http://api.example.invalid/data",
}


@contextlib.asynccontextmanager
async def serving_leaving_page() -> AsyncIterator[str]:
    async def page(request: web.Request) -> web.Response:
        return web.Response(text=LEAVING_PAGE, content_type="text/html")

    async def data(request: web.Request) -> web.Response:
        return web.Response(text="local data")

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_get("/data", data)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        await runner.cleanup()


def test_loopback_means_this_machine_only() -> None:
    for url in ("http://127.0.0.1:8080/x", "ws://localhost/graphql", "http://[::1]/", "data:,x"):
        assert is_loopback(url), url
    for url in ("https://unpkg.com/react", "http://10.0.0.1/", "wss://example.org/graphql"):
        assert not is_loopback(url), url


async def test_requests_to_other_hosts_are_refused_and_recorded(browser_page: Page) -> None:
    async with serving_leaving_page() as url:
        await browser_page.open(url)
        await browser_page.wait_for_text("#local", "local data")
        await browser_page.wait_for_text("#remote", "refused")

        assert await browser_page.evaluate("window.cdnRefused === true")
        assert set(browser_page.network.blocked) == OUTSIDE
        assert set(browser_page.network.outside()) == OUTSIDE
        refused = [line for line in browser_page.network.failed if "ERR_BLOCKED_BY_CLIENT" in line]
        assert {line.split(": ")[0] for line in refused} == OUTSIDE
