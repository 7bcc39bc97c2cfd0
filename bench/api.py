"""How fast the GraphQL API answers and pushes, against bare baselines measured in the same run.

``python bench/api.py`` starts an embedded Valkey, the simulated cluster
(``scale:1000``: 1,000 workloads, 10,000 pods) and the gateway watching it, each
in its own process, waits until ``/readyz`` says the gateway has synced, then
measures:

(a) the GraphQL query for 1,000 workloads (status, reason, message, counts) over
    HTTP with keep-alive, against a bare Starlette endpoint answering the same
    fields as JSON from the same Redis records (target: within 2x); and, for
    information, graphql-core completing that query field by field over the bare
    answer in memory: what any server that leaves completion to graphql-core pays
    at least (the gateway projects plain lists instead, schema/projection.py);
(b) the same question without the gateway: kubernetes_asyncio lists everything the
    status rules read from the API server and the status engine runs client-side
    (target: the gateway at least 5x faster);
(c) change-to-subscriber latency over graphql-transport-ws for a status change
    written through the real store writer, against a raw Redis PUBLISH ->
    SUBSCRIBE round trip (target: p99 within 2x + 5 ms); and, for information
    (section "e" of ``--only``), from a scale PATCH at the simulated API server
    through the watcher, against a plain watch on that API server;
(d) one change delivered to 1,000 and to 10,000 concurrent WebSocket subscribers (two
    tenants, three selections, served by a second replica with the tenants' rules;
    bench/fanout.py), against one Redis PUBLISH to as many raw SUBSCRIBE connections.

Baseline and gateway samples are interleaved, so machine noise hits both alike; the
load average before and after is printed, and so is the servers' CPU time. Every
subscription asks for ``snapshot: true``: its first message proves the server has
registered it, which the protocol itself never says. ``--profile DIR`` records the
gateway with py-spy during (a), (c) and (d) (the sampling slows it: the numbers
of such a run are not the benchmark's).
"""

from __future__ import annotations

import sys
from pathlib import Path

# ``python bench/api.py`` puts bench/ first on the path; the helpers import as ``bench.*``.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
from kubernetes_asyncio import client

from bench.direct import judge, list_cluster
from bench.fanout import fanout_benchmark, tenants_config
from bench.field_by_field import field_by_field
from bench.measure import Row, Spread, ms, verdict
from bench.services import (
    Endpoint,
    bare_endpoint,
    cpu_seconds,
    gateway,
    measured,
    profiled,
    simulated_fleet,
    wait_until_ready,
)
from bench.subscribers import (
    Arrivals,
    close_all,
    open_graphql,
)
from bench.transitions import NAMESPACE, StatusFlipper
from gateway.clusters import api_client, from_kubeconfig
from gateway.redis_connect import connect
from gateway.redis_server import EmbeddedRedis
from gateway.store.keys import Keys

SUBSCRIPTION = """subscription ($filter: WorkloadFilter) {
  workloadStatusChanged(filter: $filter, snapshot: true) {
    type cursor cluster kind namespace name oldStatus newStatus reason message
    workload { statusLabel counts { desired ready available } }
  }
}"""
KEYS = Keys("ksg")
Profile = Callable[[], contextlib.AbstractAsyncContextManager[None]]
"""Wraps a measurement loop: py-spy records the gateway meanwhile when --profile is given."""


def query_for(first: int) -> bytes:
    query = (
        f"{{ workloads(first: {first}) {{ edges {{ node {{ name namespace kind status reason "
        f"message counts {{ desired ready available }} }} }} }} }}"
    )
    return orjson.dumps({"query": query})


def answers_by_workload(nodes: Sequence[dict[str, Any]]) -> dict[tuple[str, str, str], Any]:
    return {(n["namespace"], n["kind"], n["name"]): n for n in nodes}


def nodes_of(body: bytes) -> list[dict[str, Any]]:
    answer = orjson.loads(body)
    if answer.get("errors"):
        raise RuntimeError(f"the query failed: {answer['errors']}")
    return [edge["node"] for edge in answer["data"]["workloads"]["edges"]]


def disagreement(mine: Sequence[dict[str, Any]], theirs: Sequence[dict[str, Any]]) -> str:
    """'' when both answers hold the same workloads with the same fields, else how they differ."""
    left, right = answers_by_workload(mine), answers_by_workload(theirs)
    missing = len(set(left) ^ set(right))
    differing = sum(1 for key in set(left) & set(right) if left[key] != right[key])
    if not missing and not differing:
        return ""
    sample = next((key for key in set(left) & set(right) if left[key] != right[key]), None)
    detail = f"; e.g. {left[sample]} vs {right[sample]}" if sample else ""
    return f"{missing} workloads in only one answer, {differing} with other fields{detail}"


async def timed_request(send: Callable[[], Any]) -> tuple[float, bytes]:
    started = time.perf_counter()
    response: httpx.Response = await send()
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed, response.content


async def query_benchmark(
    gw: Endpoint, bare: Endpoint, workloads: int, rounds: int, profile: Profile
) -> tuple[list[Row], Spread, list[dict[str, Any]]]:
    body = query_for(workloads)
    headers = {"content-type": "application/json"}
    async with httpx.AsyncClient(timeout=60) as http:

        def ask_gateway() -> Any:
            return http.post(f"{gw.url}/graphql", content=body, headers=headers)

        def ask_bare() -> Any:
            return http.get(f"{bare.url}/workloads", params={"first": str(workloads)})

        _, answer = await timed_request(ask_gateway)
        _, bare_answer = await timed_request(ask_bare)
        gateway_nodes = nodes_of(answer)
        differs = disagreement(gateway_nodes, nodes_of(bare_answer))
        for _ in range(5):
            await timed_request(ask_gateway)
            await timed_request(ask_bare)
        gateway_times: list[float] = []
        bare_times: list[float] = []
        cpu = cpu_seconds(gw.process), cpu_seconds(bare.process)
        async with profile():
            for index in range(rounds):
                pair = [(ask_gateway, gateway_times), (ask_bare, bare_times)]
                for send, times in pair if index % 2 else reversed(pair):
                    elapsed, _ = await timed_request(send)
                    times.append(elapsed)
        gateway_cpu = (cpu_seconds(gw.process) - cpu[0]) / rounds
        bare_cpu = (cpu_seconds(bare.process) - cpu[1]) / rounds
    ours, base = Spread.of(gateway_times), Spread.of(bare_times)
    print(
        f"(a) {len(gateway_nodes)} workloads, {len(answer):,} bytes (bare endpoint "
        f"{len(bare_answer):,} bytes); answers {'agree' if not differs else 'DIFFER: ' + differs}; "
        f"{rounds} requests each; server CPU per request: gateway {ms(gateway_cpu)}, "
        f"bare endpoint {ms(bare_cpu)}"
    )
    rows = [
        Row(
            f"(a) query {len(gateway_nodes):,} workloads over HTTP, median",
            ms(base.p50),
            ms(ours.p50),
            f"{ours.p50 / base.p50:.2f}x",
            "<= 2x",
            verdict(ours.p50 <= 2 * base.p50),
        ),
        Row("    p95", ms(base.p95), ms(ours.p95), f"{ours.p95 / base.p95:.2f}x"),
    ]
    core = field_by_field(body, nodes_of(bare_answer), rounds)
    print(
        "    for comparison: graphql-core completing the same query field by field over the "
        f"bare endpoint's answer in memory (plain dicts, no Redis, no HTTP) takes "
        f"{ms(core.p50)}: {core.p50 / base.p50:.2f}x the bare endpoint's whole request"
    )
    rows.append(
        Row(
            "    graphql-core field by field, in memory",
            ms(base.p50),
            ms(core.p50),
            f"{core.p50 / base.p50:.2f}x",
        )
    )
    return rows, ours, gateway_nodes


async def direct_benchmark(
    kubeconfig: Path, rounds: int, ours: Spread, gateway_nodes: list[dict[str, Any]]
) -> list[Row]:
    source = from_kubeconfig(kubeconfig)[0]
    api = await api_client(source)
    try:
        await list_cluster(api)
        list_times, judge_times, totals = [], [], []
        answers: list[dict[str, Any]] = []
        listed = 0
        for _ in range(rounds):
            started = time.perf_counter()
            objects = await list_cluster(api)
            listed_at = time.perf_counter()
            answers = judge(objects, datetime.now(UTC))
            finished = time.perf_counter()
            listed = len(objects)
            list_times.append(listed_at - started)
            judge_times.append(finished - listed_at)
            totals.append(finished - started)
    finally:
        await api.close()
    differs = disagreement(answers, gateway_nodes)
    direct = Spread.of(totals)
    print(
        f"(b) without the gateway: {listed:,} objects listed in "
        f"{ms(Spread.of(list_times).p50)}, judged in {ms(Spread.of(judge_times).p50)} (medians "
        f"of {rounds}); answers {'agree with the gateway' if not differs else 'DIFFER: ' + differs}"
    )
    speedup = direct.p50 / ours.p50
    return [
        Row(
            f"(b) same question via kubernetes_asyncio ({listed:,} objects), median",
            ms(direct.p50),
            ms(ours.p50),
            f"{speedup:.1f}x faster",
            ">= 5x faster",
            verdict(speedup >= 5),
        )
    ]


@contextlib.asynccontextmanager
async def redis_pubsub_round_trip(url: str) -> AsyncIterator[Callable[[bytes], Any]]:
    """The baseline of (c): redis-py PUBLISH on one connection, SUBSCRIBE on another."""
    publisher, listener = connect(url), connect(url)
    pubsub = listener.pubsub()
    await pubsub.subscribe("bench:latency")
    arrived: asyncio.Queue[float] = asyncio.Queue()

    async def listen() -> None:
        async for message in pubsub.listen():
            if message["type"] == "message":
                arrived.put_nowait(time.perf_counter())

    reader = asyncio.create_task(listen())

    async def round_trip(payload: bytes) -> float:
        started = time.perf_counter()
        await publisher.publish("bench:latency", payload)
        return await asyncio.wait_for(arrived.get(), 10) - started

    try:
        yield round_trip
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
        await pubsub.aclose()
        await publisher.aclose()
        await listener.aclose()


async def latency_benchmark(
    gw: Endpoint, redis_url: str, flipper: StatusFlipper, changes: int, profile: Profile
) -> list[Row]:
    websocket = gw.url.replace("http://", "ws://", 1) + "/graphql"
    filter_ = {"filter": {"namespaces": [NAMESPACE]}}
    subscribers = await open_graphql(websocket, SUBSCRIPTION, filter_, 1)
    subscriber = subscribers[0]
    payload = orjson.dumps(flipper.record)
    gateway_times: list[float] = []
    redis_times: list[float] = []
    try:
        async with redis_pubsub_round_trip(redis_url) as round_trip, profile():
            for index in range(-20, changes):
                token = f"[change {index}]"
                writes = flipper.changes(token)
                arrivals = Arrivals(token.encode(), 1)
                subscriber.watch(arrivals)
                started = time.perf_counter()
                await flipper.write(writes)
                await asyncio.wait_for(arrivals.done.wait(), 10)
                redis_time = await round_trip(payload)
                if index >= 0:  # the first twenty warm both paths up
                    gateway_times.append(arrivals.times[0] - started)
                    redis_times.append(redis_time)
                await asyncio.sleep(0.005)
    finally:
        close_all(subscribers)
    ours, base = Spread.of(gateway_times), Spread.of(redis_times)
    allowed = 2 * base.p99 + 0.005
    print(
        f"(c) {changes} status changes through StoreWriter -> stream -> hub -> subscription -> "
        f"WebSocket; max {ms(ours.worst)} (Redis pub/sub max {ms(base.worst)}); "
        f"p99 allowed: 2 x {ms(base.p99)} + 5 ms = {ms(allowed)}"
    )
    return [
        Row(
            "(c) change -> subscriber, p50",
            ms(base.p50),
            ms(ours.p50),
            f"{ours.p50 / base.p50:.1f}x",
        ),
        Row(
            "    p99",
            ms(base.p99),
            ms(ours.p99),
            f"{ours.p99 / base.p99:.1f}x",
            "<= 2x + 5 ms",
            verdict(ours.p99 <= allowed),
        ),
    ]


async def watch_scaled(apps: client.AppsV1Api, namespace: str, seen: dict[str, float]) -> None:
    """When a plain watch on the API server shows each Deployment asking for 11 replicas."""
    response: Any = await apps.list_namespaced_deployment(
        namespace, watch=True, timeout_seconds=600, _preload_content=False
    )
    async for line in response.content:
        at = time.perf_counter()
        found = orjson.loads(line)["object"]
        if found["spec"]["replicas"] == 11:
            seen.setdefault(found["metadata"]["name"], at)


async def end_to_end(gw: Endpoint, kubeconfig: Path, samples: int) -> list[Row]:
    """From a scale patch at the simulated API server, through the watcher, to a subscriber;
    a plain watch on the API server is the baseline (what any client could see)."""
    websocket = gw.url.replace("http://", "ws://", 1) + "/graphql"
    namespace = "scale-001"
    filter_ = {"filter": {"namespaces": [namespace]}}
    subscribers = await open_graphql(websocket, SUBSCRIPTION, filter_, 1)
    subscriber = subscribers[0]
    names = [f"app-{index:05d}" for index in range(1, 101) if index % 10][:samples]
    api = await api_client(from_kubeconfig(kubeconfig)[0])
    apps = client.AppsV1Api(api)
    seen: dict[str, float] = {}
    watcher = asyncio.create_task(watch_scaled(apps, namespace, seen))
    await asyncio.sleep(1.0)  # the namespace's snapshot (oldStatus null) and the watch's ADDED pass
    times: list[float] = []
    watched: list[float] = []
    answered: list[float] = []
    try:
        for name in names:
            arrivals = Arrivals(f'"name":"{name}","oldStatus":"'.encode(), 1)
            subscriber.watch(arrivals)
            started = time.perf_counter()
            await apps.patch_namespaced_deployment(name, namespace, {"spec": {"replicas": 11}})
            answered.append(time.perf_counter() - started)
            await asyncio.wait_for(arrivals.done.wait(), 20)
            times.append(arrivals.times[0] - started)
            if name in seen:
                watched.append(seen[name] - started)
            await asyncio.sleep(0.5)  # the simulator schedules the new pod meanwhile
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        close_all(subscribers)
        await api.close()
    ours, base = Spread.of(times), Spread.of(watched)
    print(
        f"(c) info: {len(times)} Deployments scaled 10 -> 11 at the simulated API server; their "
        f"Running -> Waiting change timed to a subscriber, and to a plain watch on the API server "
        f"(the PATCH itself answered in {ms(Spread.of(answered).p50)}, median)"
    )
    return [
        Row(
            "(c) info: scale patch -> subscriber via the watcher, p50",
            ms(base.p50),
            ms(ours.p50),
            f"{ours.p50 / base.p50:.1f}x",
        ),
        Row("    p99", ms(base.p99), ms(ours.p99), f"{ours.p99 / base.p99:.1f}x"),
    ]


async def fanout_section(
    options: argparse.Namespace,
    kubeconfig: Path,
    redis_url: str,
    flipper: StatusFlipper,
    *,
    logs: Path,
    profile: Profile,
) -> list[Row]:
    """(d) against a replica of its own: its tenants authenticate, other sections' clients not."""
    config = tenants_config(logs)
    async with gateway(kubeconfig, redis_url, logs, config=config, name="gateway-tenants") as gw:
        synced = await wait_until_ready(gw.process, f"{gw.url}/readyz", within=600)
        print(f"(d) tenants' replica ready after {synced:.1f}s (pid {gw.process.pid})")
        found: list[Row] = []
        for count in options.subscribers:
            found += await fanout_benchmark(
                gw,
                redis_url,
                flipper,
                count=count,
                rounds=options.fanout_rounds,
                processes=options.fanout_clients,
                logs=logs,
                profile=profile,
            )
        return found


SECTIONS = "abcde"
"""(a) query, (b) without the gateway, (c) latency, (d) fan-out, (e) through the watcher."""


async def run(options: argparse.Namespace, logs: Path) -> list[Row]:
    only = set(options.only) | ({"a"} if "b" in options.only else set())
    # Every raw SUBSCRIBE of (d) is a client of its own, beside the gateways'.
    valkey = EmbeddedRedis(logs / "valkey", max_clients=max(10_000, 2 * max(options.subscribers)))
    await valkey.start()
    rows: list[Row] = []
    try:
        async with simulated_fleet(options.workloads, logs) as (fleet, kubeconfig):
            print(f"simulated cluster scale:{options.workloads} up (pid {fleet.pid})")
            async with gateway(kubeconfig, valkey.url, logs) as gw:
                synced = await wait_until_ready(gw.process, f"{gw.url}/readyz", within=600)
                print(f"gateway ready after {synced:.1f}s (pid {gw.process.pid}, {gw.url})")

                def profile(section: str) -> Profile:
                    where = options.profile and options.profile / f"gateway-{section}.txt"
                    return lambda: profiled(gw.process, where or None)

                if "a" in only:
                    async with bare_endpoint(valkey.url, logs) as bare:
                        found, ours, nodes = await query_benchmark(
                            gw, bare, options.workloads, options.queries, profile("a")
                        )
                    rows += found
                if "b" in only:
                    rows += await direct_benchmark(kubeconfig, options.direct_rounds, ours, nodes)
                store = connect(valkey.url)
                try:
                    flipper = StatusFlipper(store, KEYS, "sim-1")
                    await flipper.create()
                    if "c" in only:
                        rows += await latency_benchmark(
                            gw, valkey.url, flipper, options.changes, profile("c")
                        )
                    if "d" in only:
                        rows += await fanout_section(
                            options,
                            kubeconfig,
                            valkey.url,
                            flipper,
                            logs=logs,
                            profile=profile("d"),
                        )
                finally:
                    await store.aclose()
                if "e" in only:
                    rows += await end_to_end(gw, kubeconfig, options.end_to_end)
    finally:
        await valkey.stop()
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workloads", type=int, default=1000, help="scale:N fleet and page size")
    parser.add_argument("--queries", type=int, default=100, help="requests per side in (a)")
    parser.add_argument("--direct-rounds", type=int, default=5, help="direct answers in (b)")
    parser.add_argument("--changes", type=int, default=300, help="status changes timed in (c)")
    parser.add_argument(
        "--subscribers",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1000, 10_000],
        help="subscriber counts in (d), comma-separated (default 1000,10000)",
    )
    parser.add_argument("--fanout-rounds", type=int, default=10, help="changes fanned out in (d)")
    parser.add_argument(
        "--fanout-clients", type=int, default=4, help="client processes holding (d)'s sockets"
    )
    parser.add_argument("--end-to-end", type=int, default=30, help="cluster changes timed in (e)")
    parser.add_argument(
        "--only", default=SECTIONS, help="sections to run, e.g. 'ad' (b needs a); default all"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        metavar="DIR",
        help="record the gateway with py-spy during (a), (c) and (d) into DIR (needs py-spy)",
    )
    options = parser.parse_args()
    asyncio.run(measured("api", lambda logs: run(options, logs)))
