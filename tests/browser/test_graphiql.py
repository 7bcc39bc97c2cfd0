"""GraphiQL in a real headless Chromium that may only reach this machine.

The gateway watches a simulated cluster; the browser loads ``/graphql``, finds the
gateway's own default document in the editor and runs both of its operations, runs a
query, reads the schema docs and watches a subscription deliver a change made in the
cluster.
Every request to another host is refused by the harness and recorded, so "works
air-gapped" is checked twice: nothing tried to leave, and everything still worked.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest_asyncio
import redis.asyncio as redis

from gateway.clusters import from_kubeconfig
from gateway.http.graphiql import DEFAULT_DOCUMENT, STATUS_CHANGES, WHAT_IS_BROKEN
from gateway.redis_server import EmbeddedRedis
from simcluster.fleet import SimulatedFleet
from simcluster.watch import WatchSettings
from tests.api.harness import RunningGateway, running_gateway
from tests.browser.page import Page
from tests.simcluster.objects import behaviour, workload
from tests.watch.conftest import ready, until

EDITOR = ".graphiql-query-editor .CodeMirror"
RUN = ".graphiql-execute-button"
RESULT = ".result-window"
DOCS_BUTTON = 'button[aria-label="Show Documentation Explorer"]'
DOCS = ".graphiql-doc-explorer"

SUMMARY = "{ clusters { name reachable } statusSummary { total } }"
CHANGES = "subscription { workloadStatusChanged { name newStatus reason } }"
EXTERNAL_REFERENCE = re.compile(
    r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?https?:"""
)


@pytest_asyncio.fixture
async def served(
    tmp_path: Path, redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> AsyncIterator[tuple[SimulatedFleet, RunningGateway]]:
    """The gateway watching a one-cluster fleet with one healthy Deployment, synced.

    ``redis_client`` is asked for so the shared server starts empty.
    """
    async with SimulatedFleet(
        time_scale=40.0,
        kubeconfig=tmp_path / "kubeconfig",
        watch_settings=WatchSettings(bookmark_interval=0.5),
    ) as fleet:
        fleet["sim-1"].create(workload("Deployment", "web", replicas=2))
        sources = from_kubeconfig(fleet.kubeconfig)
        async with running_gateway(redis_server.url, sources=sources) as gw:
            await until(lambda: ready(gw.gateway), within=30)
            yield fleet, gw


async def open_graphiql(page: Page, gw: RunningGateway) -> None:
    await page.open(gw.graphql)
    await page.wait_for_selector(EDITOR)


async def subscribed(gw: RunningGateway) -> bool:
    return gw.gateway.hub.subscriber_count == 1


async def enter_query(page: Page, query: str) -> None:
    """Type a query and wait until GraphiQL has parsed it.

    GraphiQL parses the editor 100 ms after the last keystroke and decides from that
    parse whether an operation is a subscription (WebSocket) or not (HTTP POST); a run
    clicked sooner sends the previous text's verdict. Strawberry's page writes the
    parsed query into the address bar, which is the sign a person would see.
    """
    await page.type_into(EDITOR, query)
    await page.wait_for(f"new URLSearchParams(location.search).get('q') === {json.dumps(query)}")


def assert_stayed_local(page: Page) -> None:
    assert page.network.outside() == []
    assert page.network.failed == []
    assert page.console_errors == []


async def test_graphiql_loads_from_the_gateway_and_runs_a_query(
    served: tuple[SimulatedFleet, RunningGateway], browser_page: Page
) -> None:
    _, gw = served
    await open_graphiql(browser_page, gw)
    assert any("/static/vendor/graphiql@" in url for url in browser_page.network.attempted)

    await enter_query(browser_page, SUMMARY)
    await browser_page.click(RUN)
    result = await browser_page.wait_for_text(RESULT, '"total"')

    assert '"name": "sim-1"' in result
    assert '"reachable": true' in result
    assert '"total": 1' in result
    assert_stayed_local(browser_page)


async def test_docs_explorer_shows_the_schema(
    served: tuple[SimulatedFleet, RunningGateway], browser_page: Page
) -> None:
    _, gw = served
    await open_graphiql(browser_page, gw)

    await browser_page.click(DOCS_BUTTON)
    docs = await browser_page.wait_for_text(DOCS, "All Schema Types")
    assert "Query" in docs
    assert "Subscription" in docs
    assert "Workload" in docs

    await browser_page.click_text(DOCS, "Workload")
    workload_docs = await browser_page.wait_for_text(DOCS, "statusLabel")
    assert "The manual's words" in workload_docs, "fields come with their descriptions"
    assert "Implementations" in workload_docs
    assert "StatefulSet" in workload_docs.split("Implementations", 1)[1]
    assert_stayed_local(browser_page)


async def test_subscription_shows_a_change_made_in_the_cluster(
    served: tuple[SimulatedFleet, RunningGateway], browser_page: Page
) -> None:
    fleet, gw = served
    await open_graphiql(browser_page, gw)
    await enter_query(browser_page, CHANGES)
    await browser_page.click(RUN)

    await until(lambda: subscribed(gw), within=15)
    assert any(url.startswith("ws://127.0.0.1") for url in browser_page.network.attempted)

    crashing = workload("Deployment", "crashy", behaviour(behavior="crash-loop"), replicas=1)
    fleet["sim-1"].create(crashing)
    result = await browser_page.wait_for_text(RESULT, "CrashLoopBackOff", within=30)

    assert '"name": "crashy"' in result
    assert '"newStatus": "NOT_READY"' in result
    assert_stayed_local(browser_page)


async def not_ready(gw: RunningGateway, name: str) -> bool:
    query = (
        '{ workload(cluster: "sim-1", namespace: "default", kind: DEPLOYMENT,'
        f' name: "{name}") {{ statusLabel }} }}'
    )
    async with httpx.AsyncClient() as http:
        answer = (await http.post(gw.graphql, json={"query": query})).json()
    return bool(answer.get("data")) and answer["data"]["workload"]["statusLabel"] == "Not Ready"


async def run_operation(page: Page, name: str) -> None:
    """Click the operation's name in the editor and press Ctrl-Enter, as the document's
    comment tells a person to: GraphiQL runs the operation under the cursor."""
    await page.click_text(EDITOR, name)
    await page.press("Enter", ctrl=True)


async def test_graphiql_opens_on_what_is_broken_and_runs_both_operations(
    served: tuple[SimulatedFleet, RunningGateway], browser_page: Page
) -> None:
    fleet, gw = served
    fleet["sim-1"].create(workload("Deployment", "huge", behaviour(behavior="unschedulable")))
    await until(lambda: not_ready(gw, "huge"), within=30)
    await open_graphiql(browser_page, gw)

    shown = await browser_page.evaluate(
        f"document.querySelector({json.dumps(EDITOR)}).CodeMirror.getValue()"
    )
    assert shown == DEFAULT_DOCUMENT
    assert "Welcome to GraphiQL" not in await browser_page.evaluate("document.body.innerText")

    await run_operation(browser_page, WHAT_IS_BROKEN)
    broken = await browser_page.wait_for_text(RESULT, '"totalCount"')
    assert '"totalCount": 1' in broken, "the healthy web Deployment is not broken"
    assert '"name": "huge"' in broken
    assert '"statusLabel": "Not Ready"' in broken
    assert '"reason": "Unschedulable"' in broken
    assert "Insufficient memory" in broken, "the scheduler's own words"
    assert '"displayReason": "Pending"' in broken

    await browser_page.scroll(EDITOR, 2000)
    await run_operation(browser_page, STATUS_CHANGES)
    await until(lambda: subscribed(gw), within=15)
    fleet["sim-1"].delete("Deployment", "huge", "default")
    change = await browser_page.wait_for_text(RESULT, '"DELETED"', within=30)
    assert '"name": "huge"' in change
    assert '"cursor"' in change
    assert_stayed_local(browser_page)


class AssetTags(HTMLParser):
    """The files a page loads: (URL, integrity) of each script src and link href."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        url = found.get("src") if tag == "script" else found.get("href")
        if tag in ("script", "link") and url and not url.startswith("data:"):
            self.assets.append((url, found.get("integrity", "")))


def sha384(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


async def test_page_loads_only_vendored_assets_that_match_their_integrity(
    redis_server: EmbeddedRedis,
) -> None:
    async with running_gateway(redis_server.url) as gw, httpx.AsyncClient() as http:
        page = await http.get(gw.graphql, headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert EXTERNAL_REFERENCE.search(page.text) is None
        tags = AssetTags()
        tags.feed(page.text)
        for url, integrity in tags.assets:
            assert url.startswith("/static/vendor/"), url
            assert integrity.startswith("sha384-"), f"{url} has no integrity hash"
            served_file = await http.get(gw.url + url)
            assert served_file.status_code == 200, url
            assert sha384(served_file.content) == integrity, url
    scripts = " ".join(url for url, _ in tags.assets)
    for package in ("/react@", "/react-dom@", "/graphiql@", "/js-cookie@"):
        assert package in scripts
