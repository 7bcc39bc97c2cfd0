"""The board's "Pods without a workload" group in headless Chromium, against the demo fleet.

The demo holds a standalone gpu-trainer pod no node can take; the tests add pods of
their own through the simulated API server, as ``kubectl run`` would, and cut the
page's connection to see the pods' subscription resume like the workloads' one.
"""

from __future__ import annotations

import redis.asyncio as redis

from gateway.store.keys import Keys
from schema.ids import encode
from tests.browser.demo import Demo
from tests.browser.page import Page
from tests.browser.test_board import (
    PODS_GROUP,
    PROMPT_SHOWN,
    assert_stayed_local,
    changes_subscriptions,
    last_cursor,
    open_board,
    tiles_agree,
)
from tests.simcluster.objects import behaviour, pod
from tests.watch.conftest import until

GROUP = f"#group-{PODS_GROUP}"


def pod_card(cluster: str, namespace: str, name: str) -> str:
    return f'{GROUP} .card[data-id="{encode("Pod", cluster, f"{namespace}/{name}")}"]'


def text_of(selector: str, part: str) -> str:
    return f"document.querySelector('{selector} .{part}')?.textContent"


PODS = "podStatusChanged"


async def test_standalone_pods_have_a_group_with_cards_tile_and_prompt(
    demo: Demo, browser_page: Page
) -> None:
    await open_board(browser_page, demo.board)
    trainer = pod_card("sim-1", "ml", "gpu-trainer")
    await browser_page.wait_for_selector(trainer)
    heading = await browser_page.evaluate(f"document.querySelector('{GROUP} h2').firstChild.data")
    assert heading == "Pods without a workload"
    assert await browser_page.evaluate(text_of(trainer, "where")) == "Pod · ml · sim-1"
    assert await browser_page.evaluate(text_of(trainer, "reason")) == "Unschedulable"
    groups = await browser_page.evaluate(
        "[...document.querySelectorAll('.group')].map(g => g.dataset.status)"
    )
    assert groups.index("NOT_READY") + 1 == groups.index(PODS_GROUP), "right after the trouble"
    await tiles_agree(browser_page, demo.gateway)
    tone = await browser_page.evaluate(
        f"document.querySelector('.tile[data-status={PODS_GROUP}]').dataset.tone"
    )
    assert tone == "abnormal", "the tile says a standalone pod is in trouble"

    await browser_page.hover(trainer)
    prompt = await browser_page.wait_for_text("#prompt", "cannot be scheduled")
    assert "Pending" in prompt, "kubectl's STATUS column"
    assert "Pod ml/gpu-trainer on sim-1" in prompt
    assert "Unschedulable" in prompt
    await browser_page.move_mouse_away()
    await browser_page.wait_for(f"!({PROMPT_SHOWN})")

    await browser_page.click("#abnormal-only")
    await browser_page.wait_for("location.search.includes('abnormal=1')")
    assert await browser_page.evaluate(f"document.querySelector('{trainer}') !== null")
    assert_stayed_local(browser_page)


async def test_a_kubectl_run_pod_appears_changes_and_goes_live(
    demo: Demo, browser_page: Page
) -> None:
    await open_board(browser_page, demo.board)
    await browser_page.evaluate("window.sameDocument = true")
    crashing = pod(
        "debug-shell", behaviour(behavior="crash-loop", run_seconds="1"), namespace="shop"
    )
    demo.fleet["sim-1"].create(crashing)
    shell = pod_card("sim-1", "shop", "debug-shell")
    await browser_page.wait_for_selector(shell, within=30)
    await browser_page.wait_for(f"{text_of(shell, 'reason')} === 'CrashLoopBackOff'", within=60)
    assert await browser_page.evaluate(f"document.querySelector('{shell}').dataset.tone") == (
        "abnormal"
    )
    await browser_page.evaluate(f"document.querySelector('{shell} button').focus()")
    prompt = await browser_page.wait_for_text("#prompt", "crash-looping")
    assert "Pod shop/debug-shell on sim-1" in prompt
    await browser_page.press("Escape")

    demo.fleet["sim-1"].delete("Pod", "debug-shell", "shop")
    await browser_page.wait_for(f"document.querySelector('{shell}') === null", within=30)
    assert await browser_page.evaluate("window.sameDocument === true")
    assert_stayed_local(browser_page)


async def test_the_pods_subscription_resumes_from_its_cursor_after_a_cut(
    demo: Demo, browser_page: Page, redis_client: redis.Redis
) -> None:
    await open_board(browser_page, demo.board)
    demo.fleet["sim-2"].create(pod("warm-up", namespace="shop"))
    warm = pod_card("sim-2", "shop", "warm-up")
    await browser_page.wait_for_selector(warm, within=30)
    await browser_page.wait_for(f"{text_of(warm, 'reason')} === 'Running'", within=30)

    demo.relay.cut()
    await browser_page.wait_for("document.getElementById('connection').dataset.state === 'waiting'")
    cursor = last_cursor(browser_page, PODS)
    demo.fleet["sim-2"].create(pod("late-pod", namespace="shop"))

    async def cached() -> bool:
        return bool(await redis_client.hexists(Keys().pods("sim-2"), "shop/late-pod"))

    await until(cached)
    demo.relay.restore()
    await browser_page.wait_for_selector(pod_card("sim-2", "shop", "late-pod"), within=30)
    first, *others = changes_subscriptions(browser_page, PODS)
    assert first == {"filter": {"standalone": True}, "snapshot": True}
    assert others, "the page subscribed again"
    assert others[0] == {"filter": {"standalone": True}, "after": cursor}, "right after the last"
    assert_stayed_local(browser_page, cut=True)
