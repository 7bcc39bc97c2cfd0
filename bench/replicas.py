"""Replicas share the fleet: how clusters spread, how fast a killed replica's are taken over,
and whether subscribers on any replica hear every change of every cluster exactly once.

Run: ``python bench/replicas.py [--replicas 3] [--clusters 20] [--workloads 20]``.

A child process serves ``--clusters`` simulated clusters (``scale:N`` each); that many
gateway processes (``gw serve``) share one embedded Valkey with short leases. One
subscriber per replica listens to ``workloadStatusChanged`` for every cluster. The bench
then scales Deployments in every cluster in rounds, kills one replica (SIGKILL: its
leases must expire) half-way, and goes on. It reports the spread of clusters over the
replicas before and after, the takeover time (kill until every cluster of the dead
replica is held and synced by another; the lease time is the target), and compares what
each surviving subscriber received with the feed streams in Redis: every transition of
every workload, in the feed's order, exactly once. The consistency checker then compares
the cache with the API servers.
"""

from __future__ import annotations

import sys
from pathlib import Path

# ``python bench/replicas.py`` puts bench/ first on the path; the helpers import as ``bench.*``.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import asyncio
import contextlib
import os
import signal
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import redis.asyncio as redis
import websockets
from kubernetes_asyncio import client, config

from gateway import logs
from gateway.clusters import ClusterSource, from_kubeconfig
from gateway.consistency import check
from gateway.redis_server import EmbeddedRedis, free_port
from gateway.store import feed
from gateway.store.keys import Keys
from simcluster.commands.fleetprocess import FleetProcess

LEASE_SECONDS = 4.0
KEYS = Keys()
SUBSCRIPTION = """subscription {
  workloadStatusChanged(snapshot: false) {
    type cluster kindName namespace name oldStatus newStatus reason cursor
  }
}"""
Transition = tuple[str, str, str, str]
"""(type, old status, new status, reason) of one feed entry about one workload."""


@dataclass
class Replica:
    port: int
    process: asyncio.subprocess.Process

    @property
    def pid(self) -> int:
        return self.process.pid


@dataclass
class Listener:
    """What one subscriber heard, per workload (cluster/kind/namespace/name), in order."""

    port: int
    heard: dict[str, list[Transition]] = field(default_factory=lambda: defaultdict(list))
    closed: str = ""


async def start_replica(kubeconfig: Path, redis_url: str) -> Replica:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gateway",
        "serve",
        f"--kubeconfig={kubeconfig}",
        f"--redis-url={redis_url}",
        f"--port={port}",
        f"--lease-seconds={LEASE_SECONDS}",
        "--log-level=warning",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    return Replica(port, process)


async def listen(listener: Listener, ready: asyncio.Event) -> None:
    url = f"ws://127.0.0.1:{listener.port}/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(orjson.dumps({"type": "connection_init", "payload": {}}).decode())
        await socket.recv()
        message = {"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}
        await socket.send(orjson.dumps(message).decode())
        ready.set()
        try:
            async for raw in socket:
                frame = orjson.loads(raw)
                if frame.get("type") != "next":
                    listener.closed = str(frame)
                    return
                change = frame["payload"]["data"]["workloadStatusChanged"]
                if change["type"] == "SNAPSHOT_END":
                    continue
                ref = "/".join(
                    (change["cluster"], change["kindName"], change["namespace"], change["name"])
                )
                listener.heard[ref].append(
                    (
                        change["type"].lower(),
                        change["oldStatus"] or "",
                        change["newStatus"] or "",
                        change["reason"],
                    )
                )
        except websockets.ConnectionClosed as closed:
            listener.closed = f"closed {closed.code}"


async def spread(store: redis.Redis, clusters: list[str]) -> Counter[str]:
    holders: Counter[str] = Counter()
    for name in clusters:
        value = await store.get(KEYS.lease(name))
        holders[value.decode().rsplit("-", 2)[1] if isinstance(value, bytes) else "-"] += 1
    return holders


async def even(store: redis.Redis, clusters: list[str], replicas: int) -> bool:
    """Each replica holds its share: the counts differ by one at most."""
    held = await spread(store, clusters)
    counts = [held.get(k, 0) for k in held if k != "-"]
    return len(counts) == replicas and max(counts) - min(counts) <= 1 and "-" not in held


async def all_synced(store: redis.Redis, clusters: list[str], not_by: str = "") -> bool:
    for name in clusters:
        raw = await store.hget(KEYS.clusters, name)
        if not isinstance(raw, bytes):
            return False
        record = orjson.loads(raw)
        lease = await store.get(KEYS.lease(name))
        holder = lease.decode() if isinstance(lease, bytes) else ""
        if not record.get("synced") or not holder or (not_by and f"-{not_by}-" in holder):
            return False
        if record.get("watcher") != holder:
            return False
    return True


async def scale_round(sources: list[ClusterSource], kubeconfig: Path, step: int) -> int:
    """Every Deployment of every cluster one replica up (odd steps) or down: each becomes
    Waiting for a moment and Running again, two transitions per workload."""
    changed = 0
    for source in sources:
        api_client = await config.new_client_from_config(
            config_file=str(kubeconfig), context=source.name
        )
        async with api_client:
            apps = client.AppsV1Api(api_client)
            listed = await apps.list_deployment_for_all_namespaces()
            for deployment in listed.items:
                replicas = deployment.spec.replicas + (1 if step % 2 else -1)
                await apps.patch_namespaced_deployment_scale(
                    deployment.metadata.name,
                    deployment.metadata.namespace,
                    {"spec": {"replicas": max(replicas, 1)}},
                )
                changed += 1
    return changed


async def feed_of(
    store: redis.Redis, clusters: list[str], since: dict[str, bytes]
) -> dict[str, list[Transition]]:
    """The workload feeds' entries after ``since`` (a stream id per cluster), per workload."""
    found: dict[str, list[Transition]] = defaultdict(list)
    for name in clusters:
        entries = await store.xrange(KEYS.workload_feed(name), min=b"(" + since[name])
        for _, fields in entries or ():
            decoded = feed.decode(fields or {})
            found[f"{name}/{decoded['id']}"].append(
                (
                    decoded["type"],
                    enum_name(decoded["oldStatus"]),
                    enum_name(decoded["newStatus"]),
                    decoded["reason"],
                )
            )
    return found


def enum_name(label: str) -> str:
    """The GraphQL enum value of a status label: Not Ready -> NOT_READY."""
    return label.upper().replace(" ", "_")


async def last_ids(store: redis.Redis, clusters: list[str]) -> dict[str, bytes]:
    found = {}
    for name in clusters:
        last = await store.xrevrange(KEYS.workload_feed(name), count=1)
        found[name] = bytes(last[0][0]) if last and isinstance(last[0][0], bytes) else b"0-0"
    return found


@contextlib.asynccontextmanager
async def fleet_and_store(
    scratch: Path, clusters: int, workloads: int
) -> AsyncIterator[tuple[Path, EmbeddedRedis]]:
    kubeconfig = scratch / "kubeconfig"
    fleet = FleetProcess(
        kubeconfig, clusters=clusters, scenario=f"scale:{workloads}", time_scale=20.0
    )
    server = EmbeddedRedis(scratch / "valkey")
    await server.start()
    await fleet.spawn()
    try:
        await fleet.ready()
        yield kubeconfig, server
    finally:
        await fleet.stop()
        await server.stop()


async def until(check: Any, within: float, every: float = 0.1) -> float:
    started = time.monotonic()
    while not await check():
        if time.monotonic() - started > within:
            raise TimeoutError(f"not within {within} s")
        await asyncio.sleep(every)
    return time.monotonic() - started


async def run(options: argparse.Namespace) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="bench-replicas-"))
    async with fleet_and_store(scratch, options.clusters, options.workloads) as (
        kubeconfig,
        server,
    ):
        sources = list(from_kubeconfig(kubeconfig))
        clusters = [s.name for s in sources]
        store = redis.Redis.from_url(server.url)
        started = time.monotonic()
        replicas = [await start_replica(kubeconfig, server.url) for _ in range(options.replicas)]
        try:
            took = await until(lambda: all_synced(store, clusters), within=300)
            await until(lambda: even(store, clusters, len(replicas)), within=300)
            took = max(took, time.monotonic() - started)
            print(
                f"{len(clusters)} clusters x scale:{options.workloads}, {len(replicas)} replicas, "
                f"leases of {LEASE_SECONDS:.0f} s: all synced and evenly held "
                f"{took:.1f} s after start"
            )
            print(f"  spread (clusters per replica pid): {dict(await spread(store, clusters))}")
            listeners = [Listener(r.port) for r in replicas]
            tasks = []
            for listener in listeners:
                ready = asyncio.Event()
                tasks.append(asyncio.create_task(listen(listener, ready)))
                await asyncio.wait_for(ready.wait(), 30)
            await asyncio.sleep(1.0)
            since = await last_ids(store, clusters)
            changed = 0
            holders = await spread(store, clusters)
            victim = max(replicas, key=lambda r: holders.get(str(r.pid), 0))
            takeover = 0.0
            for step in range(options.rounds):
                changed += await scale_round(sources, kubeconfig, step + 1)
                if step == options.rounds // 2 - 1:
                    victim.process.send_signal(signal.SIGKILL)
                    killed = time.monotonic()
                    await victim.process.wait()
                    await until(lambda: all_synced(store, clusters, str(victim.pid)), within=120)
                    takeover = time.monotonic() - killed
                await asyncio.sleep(2.0)
            await asyncio.sleep(5.0)
            written = await feed_of(store, clusters, since)
            print(
                f"  {changed} scale changes in {options.rounds} rounds; "
                f"the feeds hold {sum(len(v) for v in written.values())} transitions"
            )
            print(
                f"  replica {victim.pid} killed after round {options.rounds // 2}: its clusters "
                f"held and synced by others {takeover:.1f} s later "
                f"(lease {LEASE_SECONDS:.0f} s, renewed every {LEASE_SECONDS / 3:.1f} s)"
            )
            print(f"  spread after: {dict(await spread(store, clusters))}")
            for listener in (
                x for x, r in zip(listeners, replicas, strict=True) if r is not victim
            ):
                missing = sum(1 for ref, seen in written.items() if listener.heard.get(ref) != seen)
                extra = sum(1 for ref in listener.heard if ref not in written)
                heard = sum(len(v) for v in listener.heard.values())
                verdict = (
                    "every change exactly once, in order" if not (missing or extra) else "DIFFERS"
                )
                print(
                    f"  subscriber on :{listener.port}: {heard} transitions, "
                    f"{missing} workloads differ from the feed, {extra} unknown: {verdict}"
                )
            for task in tasks:
                task.cancel()
            differences = 0
            for source in sources:
                report = await check(source, store, KEYS)
                differences += len(report.differences)
            print(f"  consistency: {differences} differences between the cache and the API servers")
        finally:
            for replica in replicas:
                if replica.process.returncode is None:
                    replica.process.send_signal(signal.SIGTERM)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(replica.process.wait(), 15)
                    if replica.process.returncode is None:
                        os.kill(replica.pid, signal.SIGKILL)
            await store.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--clusters", type=int, default=20)
    parser.add_argument("--workloads", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=4)
    logs.configure("warning", "text")
    asyncio.run(run(parser.parse_args()))
