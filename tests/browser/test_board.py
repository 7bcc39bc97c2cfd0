"""The status board in headless Chromium, against the gateway watching the demo fleet.

Every request to another host is refused by the harness. The page must load from the
gateway alone under its strict Content-Security-Policy, show every status with its
reason and message, follow the simulated clusters live, and come back by itself after
its connection is cut: from its cursor, or from a fresh snapshot once the cursor expired.
The page is reached through a relay (tests/browser/relay.py) that can cut it off.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import redis.asyncio as redis
import yaml

from gateway.clusters import from_kubeconfig
from gateway.config import Auth
from gateway.http.board import BOARD_DIR, CONTENT_SECURITY_POLICY
from gateway.redis_server import EmbeddedRedis
from gateway.store.keys import Keys
from schema.ids import encode
from simcluster.fleet import SimulatedFleet
from simcluster.nodes import NodeState
from tests.api.harness import RunningGateway, running_gateway
from tests.browser.demo import Demo
from tests.browser.page import Page
from tests.secrets import secret
from tests.simcluster.objects import behaviour, workload
from tests.watch.conftest import cached, ready, status_of, until

SUMMARY = """query ($filter: WorkloadFilter) {
  statusSummary(filter: $filter) { byKind { kind status count } }
}"""
PODS_GROUP = "STANDALONE_PODS"
WORKLOADS = """{ workloads(first: 1000) { edges { node {
  cluster kind namespace name status reason
} } } }"""
KINDS = {
    "DEPLOYMENT": "Deployment",
    "STATEFUL_SET": "StatefulSet",
    "DAEMON_SET": "DaemonSet",
    "JOB": "Job",
    "CRON_JOB": "CronJob",
}
TILE_COUNTS = """Object.fromEntries([...document.querySelectorAll('#tiles .tile:not([hidden])')]
  .map(t => [t.dataset.status, Number(t.querySelector('.tile-count').textContent)]))"""
CARDS = """[...document.querySelectorAll(
  '#groups .group:not([hidden]):not([data-status=STANDALONE_PODS]) .card')].map(c => ({
  group: c.closest('.group').dataset.status,
  name: c.querySelector('.name').textContent,
  where: c.querySelector('.where').textContent,
  reason: c.querySelector('.reason').textContent,
  warnings: c.querySelector('.warnings').textContent,
}))"""
PROMPT_SHOWN = "!document.getElementById('prompt').hidden"


async def edge_lost(fleet: SimulatedFleet, client: redis.Redis, cluster: str) -> None:
    """Once its pods run there, the cluster's edge node stops answering."""
    edge_cache = status_of(client, cluster, "Deployment", "shop", "edge-cache")

    async def running() -> bool:
        return (await edge_cache() or ("",))[0] == "Running"

    async def lost() -> bool:
        return await edge_cache() == ("Exception", "NodeLost")

    await until(running, within=20)
    fleet[cluster].set_node_state(f"{cluster}-edge-1", NodeState.UNREACHABLE)
    await until(lost, within=20)


def card(cluster: str, kind: str, namespace: str, name: str) -> str:
    """The CSS selector of one workload's card: cards carry the workload's global id."""
    return f'.card[data-id="{encode("Workload", cluster, f"{kind}/{namespace}/{name}")}"]'


async def server_counts(gw: RunningGateway, filter: dict[str, Any] | None = None) -> dict[str, int]:
    """Workloads per status, and the standalone pods (kind POD) under the pods' tile."""
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            gw.graphql, json={"query": SUMMARY, "variables": {"filter": filter}}
        )
    counts: dict[str, int] = {}
    for row in answer.json()["data"]["statusSummary"]["byKind"]:
        key = PODS_GROUP if row["kind"] == "POD" else row["status"]
        counts[key] = counts.get(key, 0) + row["count"]
    return counts


async def tiles_agree(page: Page, gw: RunningGateway, filter: dict[str, Any] | None = None) -> None:
    """Wait until the tiles show the gateway's counts (the demo keeps changing meanwhile)."""
    last: list[object] = []

    async def agree() -> bool:
        shown = {k: v for k, v in (await page.evaluate(TILE_COUNTS)).items() if v}
        expected = await server_counts(gw, filter)
        last[:] = [shown, expected]
        return shown == expected

    try:
        await until(agree, within=20, every=0.2)
    except AssertionError:
        raise AssertionError(f"tiles {last[0]} never matched the gateway's {last[1]}") from None


async def cards_agree(page: Page, gw: RunningGateway) -> list[dict[str, str]]:
    """Wait until the cards are the gateway's workloads, each in its status's group."""
    last: list[object] = []

    async def agree() -> list[dict[str, str]]:
        shown = await cards_shown(page)
        async with httpx.AsyncClient() as http:
            answer = await http.post(gw.graphql, json={"query": WORKLOADS})
        nodes = [e["node"] for e in answer.json()["data"]["workloads"]["edges"]]
        expected = {
            (
                n["status"],
                n["name"],
                f"{KINDS[n['kind']]} · {n['namespace']} · {n['cluster']}",
                n["reason"],
            )
            for n in nodes
        }
        seen = {(c["group"], c["name"], c["where"], c["reason"]) for c in shown}
        last[:] = [sorted(seen - expected), sorted(expected - seen)]
        return shown if seen == expected and len(shown) == len(nodes) else []

    try:
        return await until(agree, within=20, every=0.2)
    except AssertionError:
        raise AssertionError(f"cards only shown {last[0]}; cards missing {last[1]}") from None


async def open_board(page: Page, url: str) -> None:
    await page.open(url)
    await page.wait_for("document.querySelector(\"#groups[aria-busy='false']\") !== null")
    await page.wait_for("document.getElementById('connection').dataset.state === 'live'")


async def cards_shown(page: Page) -> list[dict[str, str]]:
    found: list[dict[str, str]] = await page.evaluate(CARDS)
    return found


def changes_subscriptions(page: Page, field: str = "workloadStatusChanged") -> list[dict[str, Any]]:
    """The variables of every subscription to ``field`` the page sent, in order."""
    sent = [json.loads(frame) for frame in page.network.frames_sent]
    return [
        m["payload"]["variables"]
        for m in sent
        if m.get("type") == "subscribe" and field in m["payload"]["query"]
    ]


def last_cursor(page: Page, field: str = "workloadStatusChanged") -> str:
    cursors = [
        str(m["payload"]["data"][field]["cursor"])
        for m in map(json.loads, page.network.frames_received)
        if m.get("type") == "next" and field in (m["payload"].get("data") or {})
    ]
    return cursors[-1]


def assert_stayed_local(page: Page, *, cut: bool = False) -> None:
    """Nothing tried to leave; nothing failed but, when the test cut the line, WebSockets."""
    assert page.network.outside() == []
    assert page.network.failed == []
    errors = page.console_errors
    if cut:
        errors = [e for e in errors if not e.startswith("WebSocket connection to")]
    assert errors == []


async def test_board_shows_every_status_with_its_reason_and_the_gateways_counts(
    demo: Demo, browser_page: Page, redis_client: redis.Redis
) -> None:
    await edge_lost(demo.fleet, redis_client, "sim-1")
    for cluster in ("sim-1", "sim-2"):
        # The demo's search pulls an image that does not exist; on a loaded machine the
        # first back-off may come after the board is opened.
        search = status_of(redis_client, cluster, "Deployment", "shop", "search")

        async def backing_off(
            search: Callable[[], Awaitable[tuple[str, str] | None]] = search,
        ) -> bool:
            found = await search()
            return found is not None and found[1] in ("ErrImagePull", "ImagePullBackOff")

        await until(backing_off, within=60)
    await open_board(browser_page, demo.board)
    await tiles_agree(browser_page, demo.gateway)

    shown = await cards_agree(browser_page, demo.gateway)
    groups = [c["group"] for c in shown]
    assert groups.index("EXCEPTION") < groups.index("NOT_READY") < groups.index("RUNNING")
    exception = {(c["name"], c["where"], c["reason"]) for c in shown if c["group"] == "EXCEPTION"}
    assert ("edge-cache", "Deployment · shop · sim-1", "NodeLost") in exception
    not_ready = {(c["name"], c["where"]): c["reason"] for c in shown if c["group"] == "NOT_READY"}
    for cluster in ("sim-1", "sim-2"):
        pulling = not_ready[("search", f"Deployment · shop · {cluster}")]
        assert pulling in ("ErrImagePull", "ImagePullBackOff")
    labels = await browser_page.evaluate(
        "[...document.querySelectorAll('.group:not([hidden]) h2')].map(h => h.firstChild.data)"
    )
    assert labels[:2] == ["Exception", "Not Ready"], "headings say the manual's words"
    clusters = await browser_page.evaluate("document.getElementById('clusters').innerText")
    assert "sim-1" in clusters
    assert "sim-2" in clusters
    assert any("/static/board/board.js" in url for url in browser_page.network.attempted)
    assert_stayed_local(browser_page)


async def test_prompt_box_shows_the_message_on_hover_click_and_keyboard(
    demo: Demo, browser_page: Page, redis_client: redis.Redis
) -> None:
    await edge_lost(demo.fleet, redis_client, "sim-1")
    await open_board(browser_page, demo.board)
    search = card("sim-1", "Deployment", "shop", "search")

    await browser_page.hover(search)
    prompt = await browser_page.wait_for_text("#prompt", "cannot pull image")
    assert "Not Ready" in prompt
    assert "ErrImagePull" in prompt or "ImagePullBackOff" in prompt
    assert "Deployment shop/search on sim-1" in prompt
    await browser_page.move_mouse_away()
    await browser_page.wait_for(f"!({PROMPT_SHOWN})")

    await browser_page.click(f"{search} button")
    await browser_page.wait_for_text("#prompt", "registry.example.com/shop/search")
    await browser_page.move_mouse_away()
    assert await browser_page.evaluate(PROMPT_SHOWN), "a click pins the box"
    expanded = await browser_page.evaluate(
        f"document.querySelector('{search} button').ariaExpanded"
    )
    assert expanded == "true"
    await browser_page.press("Escape")
    await browser_page.wait_for(f"!({PROMPT_SHOWN})")

    exporter = card("sim-1", "DaemonSet", "monitoring", "node-exporter")
    await browser_page.evaluate(f"document.querySelector('{exporter} button').focus()")
    focused = await browser_page.wait_for_text("#prompt", "cannot be observed")
    assert "NodeLost" in focused
    await browser_page.press("Enter")
    await browser_page.wait_for("document.getElementById('prompt').dataset.pinned === 'true'")
    warnings = await browser_page.evaluate(
        f"document.querySelector('{exporter} .warnings').textContent"
    )
    assert warnings == "⚠ 1"
    assert "numberMisscheduled" in await browser_page.evaluate(
        "document.querySelector('#prompt .prompt-warnings').innerText"
    )
    await browser_page.press("Escape")
    await browser_page.wait_for(f"!({PROMPT_SHOWN})")
    assert await browser_page.evaluate(
        f"document.activeElement === document.querySelector('{exporter} button')"
    ), "Escape leaves the focus where it was"
    assert_stayed_local(browser_page)


async def test_changes_in_the_cluster_appear_without_a_reload(
    demo: Demo, browser_page: Page, redis_client: redis.Redis
) -> None:
    await open_board(browser_page, demo.board)
    await browser_page.evaluate("window.sameDocument = true")

    crashing = workload(
        "Deployment",
        "crashy",
        behaviour(behavior="crash-loop", start_seconds="0.5", run_seconds="0.5"),
        namespace="shop",
        replicas=1,
    )
    demo.fleet["sim-1"].create(crashing)
    crashy = card("sim-1", "Deployment", "shop", "crashy")
    await browser_page.wait_for(
        f"document.querySelector('#group-NOT_READY {crashy} .reason')?.textContent"
        " === 'CrashLoopBackOff'",
        within=30,
    )
    await edge_lost(demo.fleet, redis_client, "sim-2")
    await browser_page.wait_for_selector(
        f"#group-EXCEPTION {card('sim-2', 'Deployment', 'shop', 'edge-cache')}"
    )
    await tiles_agree(browser_page, demo.gateway)

    await demo.fleet["sim-2"].faults.go_unreachable()
    banner = await browser_page.wait_for_text("#banner", "Cluster sim-2 is unreachable")
    assert "sim-1" not in banner
    assert (
        await browser_page.evaluate(
            "document.querySelector('#clusters [data-reachable=false]').textContent"
        )
        == "sim-2"
    )
    await demo.fleet["sim-2"].faults.come_back()
    await browser_page.wait_for("document.getElementById('banner').hidden", within=30)

    assert await browser_page.evaluate("window.sameDocument === true")
    assert_stayed_local(browser_page)


async def test_a_cut_connection_resumes_from_the_last_cursor(
    demo: Demo, browser_page: Page, redis_client: redis.Redis
) -> None:
    await open_board(browser_page, demo.board)
    cursor = last_cursor(browser_page)

    demo.relay.cut()
    await browser_page.wait_for("document.getElementById('connection').dataset.state === 'waiting'")
    demo.fleet["sim-1"].create(workload("Deployment", "late", namespace="shop", replicas=1))
    await until(lambda: cached(redis_client, "sim-1", "Deployment", "shop", "late"))
    demo.relay.restore()

    await browser_page.wait_for_selector(card("sim-1", "Deployment", "shop", "late"), within=30)
    await browser_page.wait_for("document.getElementById('connection').dataset.state === 'live'")
    first, *others = changes_subscriptions(browser_page)
    assert first.get("snapshot") is True
    assert others, "the page subscribed again"
    assert others[0] == {"filter": {}, "after": cursor}, "resumed right after the last change seen"
    await tiles_agree(browser_page, demo.gateway)
    assert_stayed_local(browser_page, cut=True)


async def test_an_expired_cursor_falls_back_to_a_snapshot_that_drops_the_deleted(
    demo: Demo, browser_page: Page, redis_client: redis.Redis
) -> None:
    await open_board(browser_page, demo.board)
    gone = card("sim-1", "Deployment", "shop", "search")
    await browser_page.wait_for_selector(gone)

    demo.relay.cut()
    await browser_page.wait_for("document.getElementById('connection').dataset.state === 'waiting'")
    demo.fleet["sim-1"].delete("Deployment", "search", "shop")

    async def deleted() -> bool:
        return await cached(redis_client, "sim-1", "Deployment", "shop", "search") is None

    await until(deleted)
    await redis_client.delete(Keys().feed_epoch)
    demo.relay.restore()

    await browser_page.wait_for(f"document.querySelector('{gone}') === null", within=30)
    assert await browser_page.evaluate(
        f"document.querySelector('{card('sim-2', 'Deployment', 'shop', 'search')}') !== null"
    )
    subscriptions = changes_subscriptions(browser_page)
    resumed = next(i for i, v in enumerate(subscriptions) if "after" in v)
    assert subscriptions[resumed + 1] == {"filter": {}, "snapshot": True}
    workload_operations = {
        m["id"]
        for m in map(json.loads, browser_page.network.frames_sent)
        if m.get("type") == "subscribe" and "workloadStatusChanged" in m["payload"]["query"]
    }
    refusals = [
        m["payload"]["errors"][0]["extensions"]["code"]
        for m in map(json.loads, browser_page.network.frames_received)
        if m.get("type") == "next"
        and m["payload"].get("errors")
        and m.get("id") in workload_operations
    ]
    # The gateway's feed hub may end the new subscription too once it notices the new
    # feeds; each time the page starts over from a snapshot.
    assert refusals[0] == "CURSOR_EXPIRED"
    assert set(refusals) == {"CURSOR_EXPIRED"}, refusals
    assert subscriptions[resumed + 1 :] == [{"filter": {}, "snapshot": True}] * len(refusals)
    await tiles_agree(browser_page, demo.gateway)
    assert_stayed_local(browser_page, cut=True)


async def test_url_parameters_narrow_the_board_and_the_controls_keep_them(
    demo: Demo, browser_page: Page
) -> None:
    await open_board(browser_page, f"{demo.board}?cluster=sim-2&namespace=shop&abnormal=1")
    scope = {"clusters": ["sim-2"], "namespaces": ["shop"]}
    await browser_page.wait_for_selector(card("sim-2", "Deployment", "shop", "search"))
    await tiles_agree(browser_page, demo.gateway, scope)
    shown = await cards_shown(browser_page)
    assert all(c["where"].endswith("· shop · sim-2") for c in shown), shown
    assert {c["group"] for c in shown} <= {"EXCEPTION", "NOT_READY"}
    assert await browser_page.evaluate("document.getElementById('abnormal-only').checked")
    assert await browser_page.evaluate("document.getElementById('scope').textContent") == (
        "Clusters sim-2 · namespaces shop"
    )

    await browser_page.click("#abnormal-only")
    await browser_page.wait_for_selector(".group:not([data-tone=abnormal]):not([hidden]) .card")
    assert "abnormal" not in await browser_page.evaluate("location.search")

    await browser_page.type_into("#filter", "sear")
    await browser_page.wait_for("location.search.includes('q=sear')")
    names = {c["name"] for c in await cards_shown(browser_page)}
    assert names == {"search"}
    assert_stayed_local(browser_page)


async def test_a_scope_with_no_workloads_says_so_without_waiting(
    demo: Demo, browser_page: Page
) -> None:
    """The snapshot's end marker, not a quiet timer, tells the page that nothing matched."""
    await browser_page.open(f"{demo.board}?namespace=nobody-here")
    await browser_page.wait_for(
        "document.querySelector(\"#groups[aria-busy='false']\") !== null", within=2
    )
    empty = await browser_page.evaluate(
        "(e => !e.hidden && e.textContent)(document.getElementById('empty'))"
    )
    assert empty == "No workloads in scope."
    assert_stayed_local(browser_page)


async def test_thousands_of_workloads_arrive_whole_and_a_big_calm_group_folds(
    tmp_path: Path, redis_server: EmbeddedRedis, redis_client: redis.Redis, browser_page: Page
) -> None:
    async with (
        SimulatedFleet(scenario="scale:1200", kubeconfig=tmp_path / "kubeconfig") as fleet,
        running_gateway(redis_server.url, sources=from_kubeconfig(fleet.kubeconfig)) as gw,
    ):
        await until(lambda: ready(gw.gateway), within=60)
        await open_board(browser_page, f"{gw.url}/board")
        await tiles_agree(browser_page, gw)
        assert await browser_page.evaluate(TILE_COUNTS) == {
            "EXCEPTION": 0,
            "NOT_READY": 0,
            "RUNNING": 1200,
        }
        running = "document.getElementById('group-RUNNING')"
        assert await browser_page.evaluate(f"{running}.querySelectorAll('.card').length") == 1200
        assert not await browser_page.evaluate(f"{running}.open"), "1,200 Running cards fold"
        await browser_page.click("#group-RUNNING summary")
        await browser_page.wait_for(f"{running}.open")
        assert await browser_page.evaluate(
            f"{running}.querySelector('.card').getClientRects().length"
        )

        fleet["sim-1"].set_node_state("sim-1-scale-node-1", NodeState.UNREACHABLE)
        await browser_page.wait_for_selector("#group-EXCEPTION .card")
        await tiles_agree(browser_page, gw)
        counts = await browser_page.evaluate(TILE_COUNTS)
        lost = await browser_page.evaluate(
            "document.querySelectorAll('#group-EXCEPTION .card').length"
        )
        assert lost == counts["EXCEPTION"] > 1
        assert counts["RUNNING"] + counts["EXCEPTION"] == 1200
    assert_stayed_local(browser_page)


WALL_TOKEN = secret("board-wall-display-token-3f9a61c2d8")
WRONG_TOKEN = secret("board-wrong-token-7c0e5b94a1")


def wall_auth(directory: Path) -> Auth:
    """One token, for a wall display that may see cluster sim-1 only."""
    tokens = directory / "tokens.yaml"
    digest = hashlib.sha256(WALL_TOKEN.encode()).hexdigest()
    tokens.write_text(yaml.safe_dump([{"sha256": digest, "subject": "wall", "groups": ["wall"]}]))
    return Auth.model_validate(
        {"tokenFile": {"path": str(tokens)}, "rules": [{"groups": ["wall"], "clusters": ["sim-1"]}]}
    )


async def test_a_gateway_with_authentication_asks_for_a_token_and_shows_what_it_grants(
    tmp_path: Path, redis_server: EmbeddedRedis, redis_client: redis.Redis, browser_page: Page
) -> None:
    async with (
        SimulatedFleet(clusters=2, scenario="demo", kubeconfig=tmp_path / "kubeconfig") as fleet,
        running_gateway(
            redis_server.url, sources=from_kubeconfig(fleet.kubeconfig), auth=wall_auth(tmp_path)
        ) as gw,
    ):
        await until(lambda: ready(gw.gateway), within=30)
        await browser_page.open(f"{gw.url}/board")
        await browser_page.wait_for("document.getElementById('sign-in').open")
        assert await browser_page.evaluate("document.getElementById('connection').textContent") == (
            "Not signed in"
        )

        await browser_page.type_into("#token", WRONG_TOKEN)
        await browser_page.click("#sign-in-form button")
        await browser_page.wait_for_text("#sign-in-reason", "refused the token")
        await browser_page.wait_for("document.getElementById('sign-in').open")

        await browser_page.type_into("#token", WALL_TOKEN)
        await browser_page.click("#sign-in-form button")
        await browser_page.wait_for(
            "document.querySelector(\"#groups[aria-busy='false']\") !== null"
        )
        shown = await cards_shown(browser_page)
        assert shown
        assert {c["where"].rsplit(" · ", 1)[1] for c in shown} == {"sim-1"}, "only what it grants"
        assert await browser_page.evaluate("document.getElementById('clusters').innerText") == (
            "sim-1"
        )
        inits = [
            m["payload"]
            for m in map(json.loads, browser_page.network.frames_sent)
            if m.get("type") == "connection_init"
        ]
        assert inits[0] == {}
        assert inits[-1] == {"Authorization": f"Bearer {WALL_TOKEN}"}

        # A wall display's bookmark carries the token in the fragment, which never leaves.
        await browser_page.evaluate("sessionStorage.clear()")
        await browser_page.open("about:blank")
        await open_board(browser_page, f"{gw.url}/board#token={WALL_TOKEN}")
        assert await browser_page.evaluate("location.href") == f"{gw.url}/board"
        assert not await browser_page.evaluate("document.getElementById('sign-in').open")

    # Refused WebSockets only: the page asks for nothing over HTTP before it is let in.
    assert_stayed_local(browser_page)


class PageTags(HTMLParser):
    """What could run or style the page from inside it: inline code of any kind."""

    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self.assets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "style" or (tag == "script" and not found.get("src")):
            self.inline.append(tag)
        self.inline += [
            f"{tag} {name}" for name in found if name == "style" or name.startswith("on")
        ]
        url = found.get("src") if tag == "script" else found.get("href") if tag == "link" else None
        if url:
            self.assets.append(url)


async def test_the_page_has_a_strict_policy_and_nothing_inline(
    redis_server: EmbeddedRedis,
) -> None:
    async with running_gateway(redis_server.url) as gw, httpx.AsyncClient() as http:
        page = await http.get(f"{gw.url}/board")
        assert page.status_code == 200
        policy = page.headers["content-security-policy"]
        assert policy == CONTENT_SECURITY_POLICY
        assert "'unsafe-inline'" not in policy
        assert "script-src 'self'" in policy
        tags = PageTags()
        tags.feed(page.text)
        assert tags.inline == []
        assert sorted(tags.assets) == [
            "static/board/board.css",
            "static/board/board.js",
            "static/board/icon.svg",
        ]
        for asset in sorted(p.name for p in BOARD_DIR.iterdir() if p.name != "index.html"):
            served = await http.get(f"{gw.url}/static/board/{asset}")
            assert served.status_code == 200, asset
            assert served.content == (BOARD_DIR / asset).read_bytes()
