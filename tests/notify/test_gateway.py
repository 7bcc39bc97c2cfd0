"""The notifier against the real gateway app, its cache filled through the real writer."""

from __future__ import annotations

import contextlib
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import redis.asyncio as redis

from gateway.notify.filters import parse_filter
from gateway.notify.model import PodTransition, WorkloadTransition
from gateway.redis_server import EmbeddedRedis
from gateway.store.feed import now_text
from gateway.store.keys import Keys
from gateway.store.writer import StoreWriter
from gateway.watch.mirror import ClusterMirror
from tests.api.harness import flush, publish, running_gateway
from tests.notify.conftest import (
    cluster_feed_followed,
    eventually,
    quick_config,
    running_notifier,
    saved_state,
    transition_ids,
)
from tests.notify.forwarder import forwarder
from tests.notify.receiver import WebhookReceiver
from tests.notify.shop import crash, heal, pod_of, shop
from tests.status import objects as o


def titles(receiver: WebhookReceiver) -> list[str]:
    return [p.body["title"] for p in receiver.posts]


def bodies(receiver: WebhookReceiver) -> list[dict[str, Any]]:
    return [p.body for p in receiver.posts]


def assert_each_transition_once(receiver: WebhookReceiver) -> None:
    ids = transition_ids(bodies(receiver))
    assert len(ids) == len(set(ids)), ids


async def broken_then_healed(
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,
    receiver: WebhookReceiver,
    tmp_path: Path,
    *,
    mirror: ClusterMirror,
    broken: dict[str, Any],
    healed: dict[str, Any],
) -> list[dict[str, Any]]:
    """The posts of a notifier that sees a pod of ``mirror`` break, then heal."""
    await publish(redis_client, mirror)
    async with running_gateway(redis_server.url) as gw:
        config = quick_config(gw.websocket, receiver.url, tmp_path / "state.json")
        async with running_notifier(config) as notifier:
            await eventually(lambda: notifier.idle)
            mirror.apply("Pod", "MODIFIED", broken)
            await flush(redis_client, mirror)
            await receiver.wait_for_posts(1)
            mirror.apply("Pod", "MODIFIED", healed)
            await flush(redis_client, mirror)
            await receiver.wait_for_posts(2)
            await eventually(lambda: notifier.idle)
    return bodies(receiver)


async def test_a_crash_loop_and_its_recovery_are_posted_once_each(
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    problem, recovery = await broken_then_healed(
        redis_server,
        redis_client,
        receiver,
        tmp_path,
        mirror=shop(["web"], replicas=3),
        broken=pod_of("web", 1, statuses=[o.crash_loop("web")]),
        healed=pod_of("web", 1),
    )
    assert problem["kind"] == "problem"
    assert problem["title"] == "Not Ready: Deployment shop/web in sim-1"
    assert problem["facts"]["Status"] == "Running → Not Ready"
    assert problem["facts"]["Reason"] == "CrashLoopBackOff"
    assert problem["facts"]["Pods affected"] == "1"
    assert "web-7d9f8b6c5d-p1" in problem["message"]
    assert recovery["kind"] == "recovery"
    assert recovery["recovered"] is True
    assert recovery["title"].startswith("Recovered: Deployment shop/web in sim-1 after ")
    assert recovery["facts"]["Status"] == "Not Ready → Running"
    assert recovery["facts"]["Problem was"] == "CrashLoopBackOff"
    assert "Down for" in recovery["facts"]
    assert_each_transition_once(receiver)
    state = saved_state(tmp_path / "state.json")
    assert set(transition_ids(bodies(receiver))) <= set(state.posted)
    assert state.incidents == {}
    assert state.inflight == []


async def test_a_standalone_pods_trouble_and_recovery_are_posted_like_a_workloads(
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    """A pod of no workload (kubectl run) is its own subject, not a workload's warning."""
    mirror = shop(["web"])
    trainer = o.standalone_pod("gpu-trainer", namespace="shop", node="worker-2")
    mirror.apply("Pod", "ADDED", trainer)
    crashing = o.standalone_pod(
        "gpu-trainer", namespace="shop", node="worker-2", statuses=[o.crash_loop("web")]
    )
    problem, recovery = await broken_then_healed(
        redis_server,
        redis_client,
        receiver,
        tmp_path,
        mirror=mirror,
        broken=crashing,
        healed=trainer,
    )
    assert problem["kind"] == "problem"
    assert problem["title"] == "Not Ready: Pod shop/gpu-trainer in sim-1"
    assert problem["facts"]["Pod"] == "gpu-trainer"
    assert problem["facts"]["Status"] == "Running → Not Ready"
    assert problem["facts"]["Reason"] == "CrashLoopBackOff"
    assert "crash-looping" in problem["message"]
    assert recovery["kind"] == "recovery"
    assert recovery["title"].startswith("Recovered: Pod shop/gpu-trainer in sim-1 after ")
    assert recovery["facts"]["Status"] == "Not Ready → Running"
    assert_each_transition_once(receiver)
    assert saved_state(tmp_path / "state.json").incidents == {}


async def test_thirty_crashing_pods_of_one_workload_are_one_message(
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    mirror = shop(["web"], replicas=30)
    await publish(redis_client, mirror)
    async with running_gateway(redis_server.url) as gw:
        config = quick_config(gw.websocket, receiver.url, tmp_path / "state.json", window=1.0)
        async with running_notifier(config) as notifier:
            for index in range(30):
                crash(mirror, "web", index)
                await flush(redis_client, mirror)
            await receiver.wait_for(
                lambda posts: len(transition_ids([p.body for p in posts])) >= 31
            )
            await eventually(lambda: notifier.idle)
    [post] = bodies(receiver)
    assert post["title"] == "Not Ready: Deployment shop/web in sim-1"
    assert post["facts"]["Pods affected"] == "30"
    [line] = post["lines"]
    assert line.startswith("CrashLoopBackOff (30 pods): web-7d9f8b6c5d-p0, ")
    assert "and 22 more" in line
    assert len(post["transitions"]) == 31


async def test_many_workloads_breaking_at_once_become_one_digest(
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    names = [f"svc-{i}" for i in range(8)]
    mirror = shop(names, replicas=3)
    await publish(redis_client, mirror)
    async with running_gateway(redis_server.url) as gw:
        config = quick_config(gw.websocket, receiver.url, tmp_path / "state.json")
        async with running_notifier(config) as notifier:
            mirror.apply("Node", "MODIFIED", o.node("worker-1", ready="False"))
            await flush(redis_client, mirror)
            await receiver.wait_for_posts(1)
            await eventually(lambda: notifier.idle)
    [digest] = bodies(receiver)
    assert digest["kind"] == "digest"
    assert digest["title"] == "8 problems (many changes at once)"
    assert digest["facts"] == {"Exception": "8"}
    assert sorted(digest["lines"]) == sorted(
        f"Deployment shop/{n} in sim-1: Running → Exception (NodeNotReady)" for n in names
    )


async def test_a_throttled_channel_gets_a_digest(
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    mirror = shop(["a", "b", "c", "d"])
    await publish(redis_client, mirror)
    async with running_gateway(redis_server.url) as gw:
        config = quick_config(
            gw.websocket,
            receiver.url,
            tmp_path / "state.json",
            per_minute=60.0,
            burst=1,
            digest_after=100,
        )
        async with running_notifier(config) as notifier:
            crash(mirror, "a")
            await flush(redis_client, mirror)
            await receiver.wait_for_posts(1)
            for name in ("b", "c", "d"):
                crash(mirror, name)
            await flush(redis_client, mirror)
            await receiver.wait_for_posts(2)
            await eventually(lambda: notifier.idle)
            assert notifier.channel is not None and notifier.channel.digests == 1
    first, digest = receiver.posts
    assert first.body["title"] == "Not Ready: Deployment shop/a in sim-1"
    assert digest.body["title"] == "3 problems (rate limited)"
    assert len(digest.body["lines"]) == 3
    # The bucket holds the digest a second after the first post was sent; the receiver
    # stamps arrivals, and the first can arrive late on a loaded machine (0.89 s seen).
    assert digest.at - first.at >= 0.75, "60 a minute with a burst of one: a token a second"
    assert_each_transition_once(receiver)


async def test_a_gateway_restart_mid_stream_loses_and_repeats_nothing(
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    mirror = shop(["web", "api"])
    await publish(redis_client, mirror)
    async with forwarder() as service, contextlib.AsyncExitStack() as first_gateway:
        first = await first_gateway.enter_async_context(running_gateway(redis_server.url))
        service.point_at(first.url)
        config = quick_config(service.websocket, receiver.url, tmp_path / "state.json")
        async with running_notifier(config) as notifier:
            crash(mirror, "web")
            await flush(redis_client, mirror)
            await receiver.wait_for_posts(1)
            await eventually(lambda: notifier.idle)
            await first_gateway.aclose()
            await eventually(lambda: not notifier.feed.connected.is_set())
            heal(mirror, "web")
            await flush(redis_client, mirror)
            crash(mirror, "api")
            await flush(redis_client, mirror)
            async with running_gateway(redis_server.url) as second:
                service.point_at(second.url)
                await receiver.wait_for_posts(3)
                await eventually(lambda: notifier.idle)
            assert notifier.feed.connections == 2
    before, *after = titles(receiver)
    assert before == "Not Ready: Deployment shop/web in sim-1"
    assert sorted(t.split(" after ")[0] for t in after) == [
        "Not Ready: Deployment shop/api in sim-1",
        "Recovered: Deployment shop/web in sim-1",
    ]
    assert_each_transition_once(receiver)


async def test_a_webhook_failing_for_a_while_gets_everything_once_it_recovers(
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    mirror = shop(["web", "api", "db"])
    await publish(redis_client, mirror)
    async with running_gateway(redis_server.url) as gw:
        config = quick_config(gw.websocket, receiver.url, tmp_path / "state.json")
        async with running_notifier(config) as notifier:
            receiver.fail(500)
            crash(mirror, "web")
            await flush(redis_client, mirror)
            await receiver.wait_for_refusals(3)
            crash(mirror, "api")
            await flush(redis_client, mirror)
            await receiver.wait_for_refusals(6)
            receiver.recover()
            await receiver.wait_for(
                lambda posts: (
                    {"web", "api"} <= {t["name"] for p in posts for t in p.body["transitions"]}
                )
            )
            receiver.fail(429, times=1, retry_after="1")
            crash(mirror, "db")
            await flush(redis_client, mirror)
            await receiver.wait_for(
                lambda posts: "db" in {t["name"] for p in posts for t in p.body["transitions"]}
            )
            await eventually(lambda: notifier.idle)
    assert_each_transition_once(receiver)
    status, refused_at = receiver.refused[-1]
    assert status == 429
    assert receiver.posts[-1].at - refused_at >= 0.9, "Retry-After: 1 is obeyed"
    assert not saved_state(tmp_path / "state.json").inflight


async def test_a_crash_between_post_and_save_repeats_that_post_once_marked(
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    mirror = shop(["web", "api", "db"])
    crash(mirror, "api")
    await publish(redis_client, mirror)
    state_file = tmp_path / "state.json"
    at_crash = tmp_path / "state-at-crash.json"
    async with running_gateway(redis_server.url) as gw:
        config = quick_config(gw.websocket, receiver.url, state_file)
        async with running_notifier(config) as notifier:
            await receiver.wait_for_posts(1)
            await eventually(lambda: notifier.idle)
            receiver.on_post = lambda body: shutil.copy(state_file, at_crash)
            crash(mirror, "web")
            await flush(redis_client, mirror)
            await receiver.wait_for_posts(2)
            await eventually(lambda: notifier.idle)
        receiver.on_post = None
        crashed = saved_state(at_crash)
        assert crashed.inflight and not set(crashed.inflight) & set(crashed.posted)
        shutil.copy(at_crash, state_file)

        async with running_notifier(config) as notifier:
            await receiver.wait_for_posts(3)
            await eventually(lambda: notifier.idle)
        crash(mirror, "db")
        await flush(redis_client, mirror)
        async with running_notifier(config) as notifier:
            await receiver.wait_for_posts(4)
            await eventually(lambda: notifier.idle)
    started, first, again, later = bodies(receiver)
    assert started["title"] == "Notifier started; 1 workload abnormal now"
    assert started["lines"] == ["Deployment shop/api in sim-1: Not Ready (CrashLoopBackOff)"]
    assert first["title"] == "Not Ready: Deployment shop/web in sim-1"
    assert again["resent"] is True and first["resent"] is False
    assert transition_ids([again]) == transition_ids([first])
    assert later["title"] == "Not Ready: Deployment shop/db in sim-1"
    assert later["resent"] is False


async def test_an_expired_cursor_gives_one_summary_not_a_flood(
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    names = [f"svc-{i}" for i in range(6)]
    mirror = shop([*names, "late"])
    await publish(redis_client, mirror)
    async with running_gateway(redis_server.url) as gw:
        config = quick_config(gw.websocket, receiver.url, tmp_path / "state.json")
        async with running_notifier(config) as notifier:
            crash(mirror, "svc-0")
            await flush(redis_client, mirror)
            await receiver.wait_for_posts(1)
            await eventually(lambda: notifier.idle)
        await redis_client.delete(Keys().feed_epoch)
        for name in names[1:]:
            crash(mirror, name)
            await flush(redis_client, mirror)
        async with running_notifier(config) as notifier:
            await receiver.wait_for_posts(2)
            crash(mirror, "late")
            await flush(redis_client, mirror)
            await receiver.wait_for_posts(3)
            await eventually(lambda: notifier.idle)
    summary = receiver.posts[1].body
    assert summary["kind"] == "summary"
    assert summary["title"] == "Notifier missed part of the history; 6 workloads abnormal now"
    assert summary["facts"] == {"Not Ready": "6"}
    assert len(summary["lines"]) == 6
    assert receiver.posts[2].body["title"] == "Not Ready: Deployment shop/late in sim-1"


async def test_a_cursor_older_than_the_trimmed_feed_gives_one_summary_not_its_tail(
    either_server: EmbeddedRedis,
    either_client: redis.Redis,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    """Away while 400 transitions went by a feed of 100: the retained tail is no history."""
    mirror = shop(["web", "api"])
    await publish(either_client, mirror)
    async with running_gateway(either_server.url) as gw:
        config = quick_config(gw.websocket, receiver.url, tmp_path / "state.json")
        async with running_notifier(config) as notifier:
            crash(mirror, "api")
            await flush(either_client, mirror)
            await receiver.wait_for_posts(1)
            await eventually(lambda: notifier.idle)
        for _ in range(200):
            heal(mirror, "web")
            await flush(either_client, mirror, feed_length=100)
            crash(mirror, "web")
            await flush(either_client, mirror, feed_length=100)
        async with running_notifier(config) as notifier:
            await receiver.wait_for_posts(2)
            await eventually(lambda: notifier.idle)
    assert len(receiver.posts) == 2, titles(receiver)
    summary = receiver.posts[1].body
    assert summary["title"] == "Notifier missed part of the history; 2 workloads abnormal now"


async def test_an_unreachable_cluster_is_one_message_and_so_is_its_return(
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    mirror = shop(["web", "api", "db"])
    await publish(redis_client, mirror)
    async with running_gateway(redis_server.url) as gw:
        config = quick_config(
            gw.websocket,
            receiver.url,
            tmp_path / "state.json",
            filter=parse_filter('{"clusters": ["sim-1"]}'),
        )
        async with running_notifier(config) as notifier:
            await cluster_feed_followed(notifier)
            since = datetime.now(UTC)
            mirror.set_unreachable(since, "dial tcp 10.0.0.1:6443: connect: connection refused")
            await flush(redis_client, mirror)
            await put_reachability(redis_client, mirror, reachable=False, since=since)
            await receiver.wait_for_posts(1)
            await eventually(lambda: notifier.idle)
            mirror.set_reachable()
            await flush(redis_client, mirror)
            await put_reachability(redis_client, mirror, reachable=True, since=datetime.now(UTC))
            await receiver.wait_for_posts(2)
            await eventually(lambda: notifier.idle)
    down, up = bodies(receiver)
    assert down["kind"] == "cluster-down"
    assert down["title"] == "Cluster sim-1 is unreachable"
    assert down["message"] == "dial tcp 10.0.0.1:6443: connect: connection refused"
    assert down["facts"]["Workloads now Exception"] == "3"
    assert up["kind"] == "cluster-up"
    assert up["title"].startswith("Cluster sim-1 is reachable again after ")


async def put_reachability(
    client: redis.Redis, mirror: ClusterMirror, *, reachable: bool, since: datetime
) -> None:
    """What the watcher writes when a cluster's reachability flips: record and feed entry."""
    from gateway.store.changes import FeedEntry

    when = since.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    record = {"name": mirror.cluster, "reachable": reachable, "synced": True, "since": when}
    entry = FeedEntry(
        "clusters",
        {
            "type": "reachability",
            "cluster": mirror.cluster,
            "reachable": "true" if reachable else "false",
            "since": when,
            "error": "" if reachable else "dial tcp 10.0.0.1:6443: connect: connection refused",
            "time": now_text(),
        },
    )
    await StoreWriter(client, Keys()).put_cluster(mirror.cluster, orjson.dumps(record), entry)


async def test_what_waited_for_a_dead_webhook_is_posted_after_a_restart(
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    mirror = shop(["web"])
    await publish(redis_client, mirror)
    state_file = tmp_path / "state.json"
    async with running_gateway(redis_server.url) as gw:
        config = quick_config(gw.websocket, receiver.url, state_file)
        receiver.fail(503)
        async with running_notifier(config):
            crash(mirror, "web")
            await flush(redis_client, mirror)
            await receiver.wait_for_refusals(2)
        stopped = saved_state(state_file)
        waiting = {
            t.name
            for _, t in stopped.pending.values()
            if isinstance(t, WorkloadTransition | PodTransition)
        }
        assert waiting == {"web", "web-7d9f8b6c5d-p0"}
        receiver.recover()
        async with running_notifier(config) as notifier:
            await receiver.wait_for_posts(1)
            await eventually(lambda: notifier.idle)
    [post] = bodies(receiver)
    assert post["title"] == "Not Ready: Deployment shop/web in sim-1"
    assert len(post["transitions"]) == 2
    assert not saved_state(state_file).pending


async def test_changes_while_the_bot_was_away_before_any_arrived_are_posted(
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    """Nothing was abnormal and nothing changed during the bot's first run: it still saved
    where each feed ended, so what broke while it was stopped is posted, not summarised."""
    mirror = shop(["web"])
    await publish(redis_client, mirror)
    state_file = tmp_path / "state.json"
    async with running_gateway(redis_server.url) as gw:
        config = quick_config(gw.websocket, receiver.url, state_file)
        async with running_notifier(config) as notifier:
            await eventually(
                lambda: set(notifier.state.cursors) == {"workloads", "pods", "clusters"}
            )
        crash(mirror, "web")
        await flush(redis_client, mirror)
        async with running_notifier(config) as notifier:
            await receiver.wait_for_posts(1)
            await eventually(lambda: notifier.idle)
    [post] = bodies(receiver)
    assert post["title"] == "Not Ready: Deployment shop/web in sim-1"
    assert sorted(t["name"] for t in post["transitions"]) == ["web", "web-7d9f8b6c5d-p0"]


async def test_a_post_the_chat_refuses_is_given_up_and_the_bot_carries_on(
    redis_server: EmbeddedRedis,
    redis_client: redis.Redis,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    mirror = shop(["web", "api"])
    await publish(redis_client, mirror)
    state_file = tmp_path / "state.json"
    async with running_gateway(redis_server.url) as gw:
        config = quick_config(gw.websocket, receiver.url, state_file)
        async with running_notifier(config) as notifier:
            receiver.fail(400, times=1)
            crash(mirror, "web")
            await flush(redis_client, mirror)
            await receiver.wait_for_refusals(1)
            await eventually(lambda: notifier.idle)
            crash(mirror, "api")
            heal(mirror, "web")
            await flush(redis_client, mirror)
            await receiver.wait_for_posts(1)
            await eventually(lambda: notifier.idle)
    assert titles(receiver) == ["Not Ready: Deployment shop/api in sim-1"]
    assert [status for status, _ in receiver.refused] == [400]
    state = saved_state(state_file)
    assert not state.pending and not state.inflight
    assert "w:sim-1/Deployment/shop/web" not in state.incidents, "the channel was never told"
