"""Is the cache what the API server says? A fresh list of everything, judged again, compared.

The checker lists every resource of a cluster once (through the same reflector code
and the same mirror the watchers use, but from scratch), builds the records the
cache should hold, and compares them with what Redis holds, record by record. The
tests use it after outages and relists; the ingest benchmark uses it to prove the
fast path wrote the truth.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import redis.asyncio as redis
from kubernetes_asyncio import client

from gateway.clusters import ClusterSource, api_client
from gateway.store.changes import NamespaceUpsert, NodeUpsert, PodUpsert, WorkloadUpsert
from gateway.store.keys import Keys
from gateway.watch.health import ContactTracker
from gateway.watch.mirror import ClusterMirror
from gateway.watch.reflector import Reflector
from gateway.watch.resources import RESOURCES

IGNORED_FIELDS = frozenset({"resourceVersion"})
"""Differs only by the moment of the read, never by meaning."""


@dataclass(slots=True)
class Report:
    cluster: str
    compared: int = 0
    differences: list[str] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return not self.differences


async def expected_records(
    source: ClusterSource, clock: Callable[[], datetime]
) -> dict[str, dict[str, Any]]:
    """What the cache of this cluster should hold, by section ("w", "p", "n", "ns") and id."""
    api = await api_client(source)
    try:
        mirror = ClusterMirror(source.name, clock)
        apis = {
            "core": client.CoreV1Api(api),
            "apps": client.AppsV1Api(api),
            "batch": client.BatchV1Api(api),
        }
        contact = ContactTracker()
        for resource in RESOURCES:
            reflector = Reflector(
                source.name,
                resource,
                getattr(apis[resource.group], resource.list_call),
                mirror,
                contact,
            )
            await reflector.list_all()
    finally:
        await api.close()
    found: dict[str, dict[str, Any]] = {"w": {}, "p": {}, "n": {}, "ns": {}}
    for change in mirror.snapshot(clock()):
        if isinstance(change, WorkloadUpsert):
            found["w"][change.id] = orjson.loads(change.record)
        elif isinstance(change, PodUpsert):
            found["p"][change.id] = orjson.loads(change.record)
        elif isinstance(change, NodeUpsert):
            found["n"][change.name] = orjson.loads(change.record)
        elif isinstance(change, NamespaceUpsert):
            found["ns"][change.name] = orjson.loads(change.record)
    return found


async def cached_records(cache: redis.Redis, keys: Keys, cluster: str) -> dict[str, dict[str, Any]]:
    sections = {
        "w": keys.workloads(cluster),
        "p": keys.pods(cluster),
        "n": keys.nodes(cluster),
        "ns": keys.namespaces(cluster),
    }
    found: dict[str, dict[str, Any]] = {}
    for section, key in sections.items():
        raw: Mapping[Any, Any] = await cache.hgetall(key)
        found[section] = {
            (k.decode() if isinstance(k, bytes) else str(k)): orjson.loads(v)
            for k, v in raw.items()
        }
    return found


def compare(
    cluster: str, expected: dict[str, dict[str, Any]], cached: dict[str, dict[str, Any]]
) -> Report:
    report = Report(cluster)
    names = {"w": "workload", "p": "pod", "n": "node", "ns": "namespace"}
    for section, label in names.items():
        want, have = expected.get(section, {}), cached.get(section, {})
        for missing in sorted(set(want) - set(have)):
            report.differences.append(f"{label} {missing}: missing from the cache")
        for extra in sorted(set(have) - set(want)):
            report.differences.append(f"{label} {extra}: in the cache but not in the cluster")
        for key in sorted(set(want) & set(have)):
            report.compared += 1
            for name in sorted((set(want[key]) | set(have[key])) - IGNORED_FIELDS):
                if want[key].get(name) != have[key].get(name):
                    report.differences.append(
                        f"{label} {key}: {name} is {have[key].get(name)!r} in the cache, "
                        f"{want[key].get(name)!r} in the cluster"
                    )
    return report


async def check(
    source: ClusterSource,
    cache: redis.Redis,
    keys: Keys,
    clock: Callable[[], datetime] | None = None,
) -> Report:
    now = clock or (lambda: datetime.now(UTC))
    expected = await expected_records(source, now)
    return compare(source.name, expected, await cached_records(cache, keys, source.name))
