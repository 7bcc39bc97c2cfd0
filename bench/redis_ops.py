"""What the watchers ask of Redis per 1,000 pod events: commands, bytes in, round trips.

Run: ``python bench/redis_ops.py [--workloads 200]``. A simulated cluster with ``scale:N``
(about ten pods per workload) is listed into a mirror, written in full, then every pod
crash-loops and recovers (two watch events per pod, each changing the pod's status and
its owner's) through the mirror and the store link in batches of 500, as the ingest
benchmark does. Valkey's own counters (INFO stats, commandstats) before and after give
what an operator sizes a Redis for; the bare baseline is one HSET per event in the same
batches, what storing the objects alone would cost.
"""

from __future__ import annotations

import sys
from pathlib import Path

# ``python bench/redis_ops.py`` puts bench/ first on the path; helpers import as ``bench.*``.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import asyncio
import tempfile
from datetime import UTC, datetime
from typing import Any

import orjson
import redis.asyncio as redis

from bench.ingest import BATCH, OWNERS, changed_lines, list_objects, list_pods, through_gateway
from gateway import logs
from gateway.redis_server import EmbeddedRedis
from gateway.store.keys import Keys
from gateway.store.link import StoreLink
from gateway.watch.mirror import ClusterMirror
from simcluster.fleet import SimulatedFleet
from simcluster.scale import install_scale


async def counters(client: redis.Redis) -> dict[str, int]:
    stats: dict[str, Any] = await client.info("stats")
    commands: dict[str, Any] = await client.info("commandstats")
    transactions = commands.get("cmdstat_exec", {}).get("calls", 0)
    return {
        "commands": int(stats["total_commands_processed"]),
        "bytes": int(stats["total_net_input_bytes"]),
        "transactions": int(transactions),
    }


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {key: after[key] - before[key] for key in before}


async def bare(client: redis.Redis, lines: list[bytes]) -> None:
    for start in range(0, len(lines), BATCH):
        pipe = client.pipeline(transaction=True)
        for line in lines[start : start + BATCH]:
            obj = orjson.loads(line)["object"]
            meta = obj["metadata"]
            pipe.hset("bare:pods", f"{meta['namespace']}/{meta['name']}", orjson.dumps(obj))
        await pipe.execute()


async def main(workloads: int) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="bench-redis-ops-"))
    server = EmbeddedRedis(scratch / "valkey")
    await server.start()
    client = redis.Redis.from_url(server.url)
    try:
        async with SimulatedFleet(kubeconfig=scratch / "kubeconfig") as fleet:
            cluster = fleet["sim-1"]
            install_scale(cluster, workloads)
            url = cluster.url
            mirror = ClusterMirror("bench", lambda: datetime.now(UTC))
            for kind, path in OWNERS:
                mirror.replace(kind, await list_objects(url, path, kind))
            pods = await list_pods(url)
            mirror.replace("Pod", pods)
            link = StoreLink(client, Keys("bench"), feed_length=10_000)
            await link.replace("bench", mirror.snapshot())
            lines = changed_lines(pods)
            before = await counters(client)
            await through_gateway(mirror, link, lines)
            gateway = delta(before, await counters(client))
            before = await counters(client)
            await bare(client, lines)
            baseline = delta(before, await counters(client))
    finally:
        await client.aclose()
        await server.stop()
    events = len(lines)
    thousand = 1000 / events
    print(f"{events:,} pod events ({len(pods):,} pods, {len(mirror.objects.workloads):,} owners):")
    print(f"{'per 1,000 pod events':28} {'gateway':>10} {'bare':>10} {'ratio':>6}")
    for key, label in (
        ("commands", "commands"),
        ("bytes", "bytes in (KiB)"),
        ("transactions", "MULTI/EXEC"),
    ):
        scale = 1 / 1024 if key == "bytes" else 1
        mine, theirs = gateway[key] * thousand * scale, baseline[key] * thousand * scale
        ratio = f"{mine / theirs:5.1f}x" if theirs else ""
        print(f"{label:28} {mine:10,.0f} {theirs:10,.0f} {ratio:>6}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workloads", type=int, default=200)
    logs.configure("warning", "text")
    asyncio.run(main(parser.parse_args().workloads))
