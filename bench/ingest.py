"""Ingest: how fast the watchers fill the cache, and what the cache costs.

Run: ``python bench/ingest.py [--workloads 10000] [--rounds 2] [--clusters 1]``.

1. First sync: a simulated cluster (its own process) with ``scale:N`` (about ten pods
   per workload) and the gateway in this process with an embedded Valkey; time from
   start to the first complete write of the cluster.
2. Steady state: the same pods changed twice (each crash-loops, then recovers), as
   watch event lines, through parse -> mirror (status engine, owners re-judged) ->
   Redis, against a bare baseline in the same run that parses the same lines and
   writes each object to Redis in batches of the same size, with no status work.
3. A node failure at scale, end to end: the simulator marks a node unreachable and
   the bench times until every workload with a pod on it reads Exception.
4. Redis memory per pod and per workload, and the gateway's resident memory.
The consistency checker compares the cache with the API server at the end.

With ``--clusters N`` the simulator serves N clusters of ``scale:N`` each (one
process, one core) and only the first sync is measured: time until every cluster is
written, and the resident memory per pod of the whole fleet.

The process runs with the collector settings ``serve`` uses (young collections every
50,000 allocations, the heap frozen after the first sync), so the gateway is measured
as it runs in production; the baseline, in the same process, runs under them too.
"""

from __future__ import annotations

import sys
from pathlib import Path

# ``python bench/ingest.py`` puts bench/ first on the path and not the checkout: without
# this, ``gateway`` is whichever checkout the environment was installed from.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import asyncio
import contextlib
import resource
import signal
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import orjson

from gateway import logs
from gateway.clusters import from_kubeconfig
from gateway.commands.serve import freeze_when_synced, tune_collector
from gateway.consistency import check
from gateway.redis_connect import Client
from gateway.redis_server import EmbeddedRedis, free_port
from gateway.service import Gateway, Settings
from gateway.store.keys import Keys
from gateway.store.link import StoreLink
from gateway.watch.mirror import ClusterMirror

BATCH = 500


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextlib.asynccontextmanager
async def simulator(workloads: int, kubeconfig: Path, clusters: int = 1) -> AsyncIterator[str]:
    """``python -m gateway simcluster --scenario scale:N`` in its own process; yields its URL."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gateway",
        "simcluster",
        "--port",
        str(port),
        "--scenario",
        f"scale:{workloads}",
        "--clusters",
        str(clusters),
        "--kubeconfig",
        str(kubeconfig),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        while not await asyncio.to_thread(kubeconfig.exists):
            if process.returncode is not None:
                raise SystemExit("the simulated cluster did not start")
            await asyncio.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        await process.wait()


async def first_sync(gateway: Gateway) -> float:
    started = time.perf_counter()
    await gateway.start()
    while True:
        ready, _ = await gateway.readiness()
        if ready:
            return time.perf_counter() - started
        await asyncio.sleep(0.1)


OWNERS = (
    ("Node", "/api/v1/nodes"),
    ("ReplicaSet", "/apis/apps/v1/replicasets"),
    ("Deployment", "/apis/apps/v1/deployments"),
    ("StatefulSet", "/apis/apps/v1/statefulsets"),
)
"""What the steady-state mirror holds besides the pods, so that a pod change re-judges
its owner (through its ReplicaSet) as the gateway's own mirror does."""


async def list_objects(url: str, path: str, kind: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    token = ""
    async with aiohttp.ClientSession() as http:
        while True:
            query = f"?limit=5000&continue={token}" if token else "?limit=5000"
            async with http.get(f"{url}{path}{query}") as answer:
                page = orjson.loads(await answer.read())
            for item in page["items"]:
                item["kind"] = kind
                found.append(item)
            token = page["metadata"].get("continue") or ""
            if not token:
                return found


async def list_pods(url: str) -> list[dict[str, Any]]:
    return await list_objects(url, "/api/v1/pods", "Pod")


def changed_lines(pods: list[dict[str, Any]]) -> list[bytes]:
    """Every pod crash-loops, then every pod recovers: 2 watch event lines per pod."""
    lines: list[bytes] = []
    for crashing in (True, False):
        for pod in pods:
            changed = orjson.loads(orjson.dumps(pod))
            status = changed["status"]
            for cs in status.get("containerStatuses") or ():
                cs["restartCount"] = cs.get("restartCount", 0) + 1
                cs["ready"] = not crashing
                if crashing:
                    cs["state"] = {
                        "waiting": {"reason": "CrashLoopBackOff", "message": "back-off 10s"}
                    }
                    cs["lastState"] = {
                        "terminated": {
                            "exitCode": 1,
                            "reason": "Error",
                            "finishedAt": "2026-11-25T12:00:00Z",
                        }
                    }
                else:
                    cs["state"] = {"running": {"startedAt": "2026-11-25T12:01:00Z"}}
            for cond in status.get("conditions") or ():
                if cond["type"] in ("Ready", "ContainersReady"):
                    cond["status"] = "False" if crashing else "True"
                    cond["lastTransitionTime"] = (
                        "2026-11-25T12:00:30Z" if crashing else "2026-11-25T12:01:05Z"
                    )
            lines.append(orjson.dumps({"type": "MODIFIED", "object": changed}) + b"\n")
    return lines


async def through_gateway(mirror: ClusterMirror, link: StoreLink, lines: list[bytes]) -> float:
    started = time.perf_counter()
    for start in range(0, len(lines), BATCH):
        for line in lines[start : start + BATCH]:
            event = orjson.loads(line)
            mirror.apply("Pod", event["type"], event["object"])
        if not await link.apply(mirror.cluster, mirror.flush()):
            raise SystemExit("redis refused a batch")
    return time.perf_counter() - started


async def bare(client: Client, lines: list[bytes]) -> float:
    """The same lines parsed and each object written to Redis, in the same batches."""
    started = time.perf_counter()
    for start in range(0, len(lines), BATCH):
        async with client.pipeline(transaction=True) as pipe:
            for line in lines[start : start + BATCH]:
                event = orjson.loads(line)
                meta = event["object"]["metadata"]
                pipe.hset(
                    "bare:pods",
                    f"{meta['namespace']}/{meta['name']}",
                    orjson.dumps(event["object"]),
                )
            await pipe.execute()
    return time.perf_counter() - started


async def memory_of(client: Client, keys: list[str]) -> int:
    total = 0
    for key in keys:
        total += int(await client.memory_usage(key, samples=0) or 0)
    return total


async def node_failure(url: str, gateway: Gateway, cluster: str) -> tuple[float, int]:
    """Mark the node of the first pod unreachable; seconds until every owner of a pod on it
    reads Exception in the cache."""
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{url}/api/v1/pods?limit=1") as answer:
            node = orjson.loads(await answer.read())["items"][0]["spec"]["nodeName"]
        pods = await gateway.client.hgetall(gateway.keys.pods(cluster))
        owners = {
            record["owner"]
            for record in (orjson.loads(value) for value in pods.values())
            if record["node"] == node and record["owner"]
        }
        started = time.perf_counter()
        async with http.post(f"{url}/simcluster/nodes/{node}/state?state=Unreachable") as answer:
            answer.raise_for_status()
    index = gateway.keys.workload_index(cluster)
    wanted = sorted(owners)
    while True:
        entries = await gateway.client.hmget(index, wanted)
        if all(entry is not None and b'"Exception"' in entry for entry in entries):
            return time.perf_counter() - started, len(wanted)
        await asyncio.sleep(0.02)


async def main(workloads: int, rounds: int, clusters: int) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    kubeconfig = scratch / "kubeconfig"
    server = EmbeddedRedis(scratch / "valkey")
    await server.start()
    try:
        async with simulator(workloads, kubeconfig, clusters) as url:
            if clusters == 1:
                await run(url, kubeconfig, server, workloads, rounds)
            else:
                await fleet_sync(kubeconfig, server)
    finally:
        await server.stop()


async def fleet_sync(kubeconfig: Path, server: EmbeddedRedis) -> None:
    rss_before = rss_mib()
    tune_collector()
    gateway = Gateway(Settings(sources=from_kubeconfig(kubeconfig), redis_url=server.url))
    seconds = await first_sync(gateway)
    await freeze_when_synced(gateway, poll_seconds=0.1)
    rss_after = rss_mib()
    keys = Keys()
    pods = 0
    for source in gateway.settings.sources:
        pods += int(await gateway.client.hlen(keys.pods(source.name)))
    clusters = len(gateway.settings.sources)
    print(f"first sync: {clusters} clusters, {pods} pods in {seconds:.1f} s")
    print(
        f"gateway RSS: {rss_before:.0f} MiB before, {rss_after:.0f} MiB after the first sync, "
        f"{(rss_after - rss_before) * 1024 / pods:.2f} KiB per pod"
    )
    await gateway.stop()


async def run(
    url: str, kubeconfig: Path, server: EmbeddedRedis, workloads: int, rounds: int
) -> None:
    rss_before = rss_mib()
    tune_collector()
    gateway = Gateway(Settings(sources=from_kubeconfig(kubeconfig), redis_url=server.url))
    seconds = await first_sync(gateway)
    await freeze_when_synced(gateway, poll_seconds=0.1)
    cluster = gateway.settings.sources[0].name
    keys = Keys()
    pods_total = int(await gateway.client.hlen(keys.pods(cluster)))
    workloads_total = int(await gateway.client.hlen(keys.workloads(cluster)))
    rss_after = rss_mib()
    print(f"first sync: {workloads_total} workloads, {pods_total} pods in {seconds:.1f} s")
    print("  (target: 100,000 pods in under 60 s)")

    pod_memory = await memory_of(gateway.client, [keys.pods(cluster), keys.pod_counts(cluster)])
    workload_memory = await memory_of(
        gateway.client,
        [
            keys.workloads(cluster),
            keys.workload_index(cluster),
            keys.workload_labels(cluster),
            keys.workload_counts(cluster),
        ],
    )
    print(
        f"redis memory: {pod_memory / pods_total:.0f} B per pod (target < 1024), "
        f"{workload_memory / workloads_total:.0f} B per workload"
    )
    sets = [
        key.decode() if isinstance(key, bytes) else str(key)
        async for key in gateway.client.scan_iter(keys.pod_set(cluster, "*"), count=1000)
    ]
    index_keys = [
        keys.pod_index(cluster),
        keys.pod_labels(cluster),
        keys.standalone_counts(cluster),
    ]
    index_memory = await memory_of(gateway.client, index_keys + sets)
    print(
        f"  and the pod index (entries, labels, {len(sets)} sets, counts): "
        f"{index_memory / pods_total:.0f} B per pod"
    )
    print(
        f"gateway RSS: {rss_before:.0f} MiB before, {rss_after:.0f} MiB after the first sync, "
        f"{(rss_after - rss_before) * 1024 / pods_total:.2f} KiB per pod"
    )

    pods = await list_pods(url)
    lines = changed_lines(pods)
    mirror = ClusterMirror("bench", lambda: datetime.now(UTC))
    for kind, path in OWNERS:
        mirror.replace(kind, await list_objects(url, path, kind))
    mirror.replace("Pod", pods)
    owners = len(mirror.objects.workloads)
    link = StoreLink(gateway.client, Keys("bench"), feed_length=10_000)
    await link.replace("bench", mirror.snapshot())
    best_gateway = best_bare = float("inf")
    for _ in range(rounds):
        best_bare = min(best_bare, await bare(gateway.client, lines))
        best_gateway = min(best_gateway, await through_gateway(mirror, link, lines))
    events = len(lines)
    print(f"steady state, {events} pod events in batches of {BATCH}, {owners} owners:")
    print(f"  bare (parse + write each object):      {events / best_bare:10,.0f} events/s")
    print(f"  gateway (parse + status + owners + write): {events / best_gateway:7,.0f} events/s")
    print(f"  ratio gateway/bare: {best_gateway / best_bare:.2f}x (target: within 3x)")

    took, broken = await node_failure(url, gateway, cluster)
    print(f"node failure at scale: {broken} workloads Exception {took:.2f} s after the node went")

    report = await check(gateway.settings.sources[0], gateway.client, keys)
    print(
        f"consistency after the bench: {report.compared} records compared, "
        f"{len(report.differences)} differences"
    )
    await gateway.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workloads", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clusters", type=int, default=1)
    arguments = parser.parse_args()
    logs.configure("warning", "text")
    asyncio.run(main(arguments.workloads, arguments.rounds, arguments.clusters))
