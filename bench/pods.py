"""Pages of pods from a big cluster, against the bare reads any cache must make for the same page.

Run: ``python bench/pods.py [--pods 100000] [--rounds 50]``.

An embedded Valkey is filled the way the watchers fill it (ClusterMirror -> StoreWriter)
with one cluster of ``--pods`` pods: Deployments of 100 pods each over 100
namespaces and 1,000 nodes, 1% of the pods crash-looping, 0.5% unschedulable and
0.5% standalone (of no workload; a third of them crash-looping). Each question is
asked through ``Queries.pod_page`` (the store layer the ``pods`` connection calls),
and its baseline, in the same run and interleaved with it, is the bare minimum a
cache answering that page must do: one HMGET of exactly the records on the page,
whose ids it is told. A second baseline, for information, is what a page costs when
there is no pod index: reading every pod's index entry once (HGETALL) and choosing
in Python, as the workload connection does with its smaller index. Redis memory of
the pod index per pod is printed beside that of the pod records.
"""

from __future__ import annotations

import sys
from pathlib import Path

# ``python bench/pods.py`` puts bench/ first on the path; the helpers import as ``bench.*``.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import redis.asyncio as redis

from bench.measure import Row, Spread, ms, table, verdict
from gateway.redis_server import EmbeddedRedis
from gateway.selectors import parse_selector
from gateway.store.keys import Keys
from gateway.store.podindex import PodCriteria, PodOrder, PodOrderField, pod_id_of
from gateway.store.queries import Queries
from gateway.store.reader import StoreReader
from gateway.store.writer import StoreWriter
from gateway.watch.mirror import ClusterMirror

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
CLUSTER = "big"
KEYS = Keys("ksg")
PER_DEPLOYMENT = 100
NAMESPACES = 100
NODES = 1000


def _stamp(minutes: float) -> str:
    return (NOW - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _container(crashing: bool, started: str) -> dict[str, Any]:
    if crashing:
        return {
            "name": "app",
            "image": "registry.local/app:1.4.2",
            "ready": False,
            "restartCount": 7,
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": started}},
        }
    return {
        "name": "app",
        "image": "registry.local/app:1.4.2",
        "ready": True,
        "restartCount": 0,
        "state": {"running": {"startedAt": started}},
    }


def pod(index: int, namespace: str, owner: str | None) -> dict[str, Any]:
    """Pod ``index``: crash-looping every 100th (and every third standalone one),
    unschedulable every 200th."""
    local = index // NAMESPACES  # spread over the namespaces, not all in one
    crashing, pending = local % 100 == 7 or index % 600 == 3, local % 200 == 13
    started = _stamp(60 + index % 5000)
    meta: dict[str, Any] = {
        "name": f"{owner or 'solo'}-{index:06d}",
        "namespace": namespace,
        "uid": f"pod-{index}",
        "labels": {"app": owner or "solo", "tier": ("web", "api", "db")[index % 3]},
        "creationTimestamp": started,
        "resourceVersion": str(index),
    }
    if owner is not None:
        rs = f"{owner}-rs"
        meta["ownerReferences"] = [
            {"kind": "ReplicaSet", "name": rs, "uid": f"{namespace}/{rs}", "controller": True}
        ]
    if pending:
        return {
            "kind": "Pod",
            "metadata": meta,
            "spec": {"containers": [{"name": "app", "image": "registry.local/app:1.4.2"}]},
            "status": {
                "phase": "Pending",
                "conditions": [
                    {
                        "type": "PodScheduled",
                        "status": "False",
                        "reason": "Unschedulable",
                        "message": "0/1000 nodes are available: Insufficient memory.",
                        "lastTransitionTime": started,
                    }
                ],
            },
        }
    ready = "False" if crashing else "True"
    return {
        "kind": "Pod",
        "metadata": meta,
        "spec": {
            "nodeName": f"node-{index % NODES:04d}",
            "containers": [{"name": "app", "image": "registry.local/app:1.4.2"}],
        },
        "status": {
            "phase": "Running",
            "startTime": started,
            "conditions": [
                {"type": "Ready", "status": ready, "lastTransitionTime": started},
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": started},
            ],
            "containerStatuses": [_container(crashing, started)],
        },
    }


def owners(name: str, namespace: str) -> list[tuple[str, dict[str, Any]]]:
    uid = f"{namespace}/{name}"
    meta = {"name": name, "namespace": namespace, "uid": uid, "generation": 1}
    spec = {"replicas": PER_DEPLOYMENT, "selector": {"matchLabels": {"app": name}}}
    status = {"observedGeneration": 1, "replicas": PER_DEPLOYMENT}
    deployment = {"kind": "Deployment", "metadata": meta, "spec": spec, "status": status}
    rs_meta = {
        "name": f"{name}-rs",
        "namespace": namespace,
        "uid": f"{uid}-rs",
        "ownerReferences": [{"kind": "Deployment", "name": name, "uid": uid, "controller": True}],
    }
    return [("Deployment", deployment), ("ReplicaSet", {"kind": "ReplicaSet", "metadata": rs_meta})]


def fleet(pods: int) -> ClusterMirror:
    mirror = ClusterMirror(CLUSTER, lambda: NOW)
    nodes = [
        {
            "kind": "Node",
            "metadata": {"name": f"node-{i:04d}"},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]},
        }
        for i in range(NODES)
    ]
    mirror.replace("Node", nodes)
    for index in range(pods):
        namespace, local = f"ns-{index % NAMESPACES:03d}", index // NAMESPACES
        owner = f"app-{local // PER_DEPLOYMENT:04d}"
        if local % PER_DEPLOYMENT == 0:
            for kind, obj in owners(owner, namespace):
                mirror.apply(kind, "ADDED", obj)
        standalone = index % 200 == 3
        mirror.apply("Pod", "ADDED", pod(index, namespace, None if standalone else owner))
    return mirror


@dataclass(frozen=True, slots=True)
class Question:
    label: str
    criteria: PodCriteria
    order: PodOrder = field(default_factory=PodOrder)
    first: int | None = 100
    last: int | None = None
    after: bool = False
    """Start from a cursor in the middle of the ordering."""


QUESTIONS = (
    Question("first 100, no filter, by name", PodCriteria()),
    Question("100 after a cursor midway, by name", PodCriteria(), after=True),
    Question("last 100, by name", PodCriteria(), first=None, last=100),
    Question(
        "first 100 by since, newest first", PodCriteria(), PodOrder(PodOrderField.SINCE, True)
    ),
    Question("one namespace (~1,000 pods)", PodCriteria(namespaces=frozenset({"ns-042"}))),
    Question("one node (~100 pods)", PodCriteria(nodes=frozenset({"node-0042"}))),
    Question("abnormal standalone pods", PodCriteria(abnormal=True, standalone=True)),
    Question("phase Pending", PodCriteria(phases=frozenset({"Pending"}))),
    Question("reason CrashLoopBackOff", PodCriteria(reasons=frozenset({"CrashLoopBackOff"}))),
    Question(
        "abnormal pods of one namespace, by since",
        PodCriteria(abnormal=True, namespaces=frozenset({"ns-007"})),
        PodOrder(PodOrderField.SINCE),
    ),
    Question(
        "label selector alone (no set narrows it)", PodCriteria(selector=parse_selector("tier=db"))
    ),
)


async def timed(call: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    found = await call()
    return time.perf_counter() - started, found


async def bare_page(client: redis.Redis, ids: list[str]) -> list[Any]:
    """The baseline: the page's records, by id, in one command."""
    if not ids:
        return []
    values: list[Any] = await client.hmget(KEYS.pods(CLUSTER), ids)
    return [orjson.loads(v) for v in values if v is not None]


async def unindexed_page(client: redis.Redis, question: Question) -> list[str]:
    """For information: the page chosen from every pod's entry, as without a pod index."""
    raw: dict[Any, Any] = await client.hgetall(KEYS.pod_index(CLUSTER))
    chosen = []
    for key, value in raw.items():
        entry = orjson.loads(value)
        _, _, abnormal, owner_kind, node, _ = entry
        if question.criteria.abnormal is not None and abnormal != question.criteria.abnormal:
            continue
        if (
            question.criteria.standalone is not None
            and (not owner_kind) != question.criteria.standalone
        ):
            continue
        if question.criteria.nodes and node not in question.criteria.nodes:
            continue
        chosen.append(key.decode().split("/", 1)[::-1])
    chosen.sort()
    return [f"{ns}/{name}" for name, ns in chosen[: question.first or 100]]


async def memory(client: redis.Redis, pattern: str) -> int:
    total = 0
    async for key in client.scan_iter(pattern, count=1000):
        total += int(await client.memory_usage(key, samples=0) or 0)
    return total


async def run(options: argparse.Namespace) -> list[Row]:
    valkey = EmbeddedRedis(Path(tempfile.mkdtemp(prefix="bench-pods-")))
    await valkey.start()
    client = redis.Redis.from_url(valkey.url)
    try:
        started = time.perf_counter()
        mirror = fleet(options.pods)
        await StoreWriter(client, KEYS).replace_cluster(CLUSTER, mirror.snapshot())
        await client.hset(
            KEYS.clusters, CLUSTER, orjson.dumps({"name": CLUSTER, "reachable": True})
        )
        total = int(await client.hlen(KEYS.pods(CLUSTER)))
        print(f"{total:,} pods written in {time.perf_counter() - started:.1f} s")
        stem = KEYS.stem(CLUSTER)
        records = await memory(client, KEYS.pods(CLUSTER))
        index = sum(
            [
                await memory(client, KEYS.pod_index(CLUSTER)),
                await memory(client, KEYS.pod_labels(CLUSTER)),
                await memory(client, stem + "p:z:*"),
                await memory(client, KEYS.standalone_counts(CLUSTER)),
            ]
        )
        print(
            f"redis memory: pod records {records / total:.0f} B per pod, "
            f"pod index (entries, labels, sets, counts) {index / total:.0f} B per pod"
        )
        queries = Queries(StoreReader(client, KEYS), max_page=1000)
        rows: list[Row] = []
        for question in QUESTIONS:
            rows += await measure(client, queries, question, options.rounds)
        return rows
    finally:
        await client.aclose()
        await valkey.stop()


async def measure(
    client: redis.Redis, queries: Queries, question: Question, rounds: int
) -> list[Row]:
    after = None
    if question.after:
        middle = await queries.pod_page(question.criteria, question.order, first=1000)
        seen = len(middle.keys)
        while seen < middle.total // 2 and middle.has_next:
            middle = await queries.pod_page(
                question.criteria, question.order, first=1000, after=middle.cursor(-1)
            )
            seen += len(middle.keys)
        after = middle.cursor(len(middle.keys) - 1)

    def ours() -> Awaitable[Any]:
        return queries.pod_page(
            question.criteria, question.order, first=question.first, last=question.last, after=after
        )

    _, page = await timed(ours)
    ids = [pod_id_of(member) for member, _ in page.keys]
    mine: list[float] = []
    bare: list[float] = []
    for index in range(rounds):
        pair = [(ours, mine), (lambda: bare_page(client, ids), bare)]
        for call, times in pair if index % 2 else reversed(pair):
            elapsed, _ = await timed(call)
            times.append(elapsed)
    gateway, base = Spread.of(mine), Spread.of(bare)
    ratio = gateway.p50 / base.p50
    whole = question.criteria.selector is None
    rows = [
        Row(
            f"{question.label}: {len(ids)} of {page.total:,}",
            ms(base.p50),
            ms(gateway.p50),
            f"{ratio:.1f}x",
            "<= 5x" if whole else "",
            verdict(ratio <= 5) if whole else "",
        )
    ]
    if question.label.startswith("first 100, no filter") or "standalone" in question.label:
        scan = [(await timed(lambda: unindexed_page(client, question)))[0] for _ in range(5)]
        rows.append(
            Row(
                "    without a pod index (HGETALL every entry)",
                ms(base.p50),
                ms(Spread.of(scan).p50),
                f"{Spread.of(scan).p50 / base.p50:.0f}x",
            )
        )
    return rows


async def main(options: argparse.Namespace) -> None:
    rows = await run(options)
    print()
    print(table(rows))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pods", type=int, default=100_000, help="pods in the cluster")
    parser.add_argument("--rounds", type=int, default=50, help="timed pages per question")
    asyncio.run(main(parser.parse_args()))
