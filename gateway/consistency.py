"""Is the cache what the API server says? A fresh list of everything, judged again, compared.

The checker lists every resource of a cluster once (through the same reflector code
and the same mirror the watchers use, but from scratch), builds the records the
cache should hold, and compares them with what Redis holds, record by record; the
pod index (entries, sorted sets, standalone counts) is derived from the expected pod
records and compared too, so a page of ``pods`` cannot disagree with the records. The
tests use it after outages and relists; the ingest benchmark uses it to prove the
fast path wrote the truth.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from kubernetes_asyncio import client

from gateway.clusters import ClusterSource, api_client
from gateway.redis_connect import Client
from gateway.rules.opted import OptedKinds
from gateway.store.changes import (
    Change,
    NamespaceUpsert,
    NodeUpsert,
    PodUpsert,
    WorkloadUpsert,
)
from gateway.store.keys import Keys
from gateway.store.podindex import PodIndexEntry, decode_entry, entry_of
from gateway.watch.crds import CrdCatalog
from gateway.watch.health import ContactTracker
from gateway.watch.mirror import ClusterMirror
from gateway.watch.reflector import Reflector
from gateway.watch.resources import CRD_RESOURCE, RESOURCES

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
    source: ClusterSource, clock: Callable[[], datetime], opted: OptedKinds | None = None
) -> dict[str, dict[str, Any]]:
    """What the cache of this cluster should hold, by section ("w", "p", "n", "ns") and id;
    ``opted`` must be the watchers' own, or custom workloads will differ."""
    api = await api_client(source)
    try:
        mirror = ClusterMirror(source.name, clock, opted)
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
        if opted is not None and opted.any:
            await _list_custom(source.name, api, mirror, opted, contact)
    finally:
        await api.close()
    return records_of(mirror.snapshot(clock()))


async def _list_custom(
    cluster: str,
    api: client.ApiClient,
    mirror: ClusterMirror,
    opted: OptedKinds,
    contact: ContactTracker,
) -> None:
    """The custom kinds a watcher would watch now, listed like the built-in ones."""
    crds = CrdCatalog(opted, lambda: None)
    extensions = client.ApiextensionsV1Api(api)
    await Reflector(
        cluster, CRD_RESOURCE, extensions.list_custom_resource_definition, crds, contact
    ).list_all()
    custom = client.CustomObjectsApi(api)
    for kind, resource in sorted(crds.wanted().items()):
        mirror.watch_kind(kind)
        await Reflector(
            cluster, resource.resource, resource.list_call(custom), mirror, contact
        ).list_all()


def records_of(changes: Iterable[Change]) -> dict[str, dict[str, Any]]:
    """The sections of a cache that holds exactly these changes (a mirror's snapshot)."""
    found: dict[str, dict[str, Any]] = {"w": {}, "p": {}, "n": {}, "ns": {}}
    for change in changes:
        if isinstance(change, WorkloadUpsert):
            found["w"][change.id] = orjson.loads(change.record)
        elif isinstance(change, PodUpsert):
            found["p"][change.id] = orjson.loads(change.record)
        elif isinstance(change, NodeUpsert):
            found["n"][change.name] = orjson.loads(change.record)
        elif isinstance(change, NamespaceUpsert):
            found["ns"][change.name] = orjson.loads(change.record)
    found.update(pod_index_of(entry_of(record) for record in found["p"].values()))
    return found


def _entry_fields(entry: PodIndexEntry) -> dict[str, Any]:
    return {
        "phase": entry.phase,
        "reason": entry.reason,
        "abnormal": entry.abnormal,
        "ownerKind": entry.owner_kind,
        "node": entry.node,
        "since": entry.since,
        "orphaned": entry.orphaned,
    }


def pod_index_of(entries: Iterable[PodIndexEntry]) -> dict[str, dict[str, Any]]:
    """The pod index these entries make: "pi" entries, "ps" set members, "pc" counts."""
    index: dict[str, Any] = {}
    sets: dict[str, dict[str, Any]] = {}
    counts: dict[str, dict[str, Any]] = {}
    for entry in entries:
        index[entry.id] = _entry_fields(entry)
        for name, member in entry.members().items():
            sets.setdefault(name, {})[member] = True
        tally = entry.tally()
        if tally is not None:
            counts.setdefault(tally, {"count": 0})["count"] += 1
    return {"pi": index, "ps": sets, "pc": counts}


async def cached_records(cache: Client, keys: Keys, cluster: str) -> dict[str, dict[str, Any]]:
    sections = {
        "w": keys.workloads(cluster),
        "p": keys.pods(cluster),
        "n": keys.nodes(cluster),
        "ns": keys.namespaces(cluster),
    }
    found: dict[str, dict[str, Any]] = {}
    for section, key in sections.items():
        raw: Mapping[Any, Any] = await cache.hgetall(key)
        found[section] = {_text(k): orjson.loads(v) for k, v in raw.items()}
    raw_index: Mapping[Any, Any] = await cache.hgetall(keys.pod_index(cluster))
    found["pi"] = {_text(k): _entry_fields(decode_entry(_text(k), v)) for k, v in raw_index.items()}
    stem = keys.pod_set(cluster, "")
    found["ps"] = {}
    async for key in cache.scan_iter(keys.cluster_pattern(cluster)[:-1] + "p:z:*", count=1000):
        members: list[Any] = await cache.zrange(_text(key), 0, -1)
        found["ps"][_text(key)[len(stem) :]] = {_text(m): True for m in members}
    raw_counts: Mapping[Any, Any] = await cache.hgetall(keys.standalone_counts(cluster))
    found["pc"] = {_text(k): {"count": int(v)} for k, v in raw_counts.items() if int(v)}
    return found


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def compare(
    cluster: str, expected: dict[str, dict[str, Any]], cached: dict[str, dict[str, Any]]
) -> Report:
    report = Report(cluster)
    names = {
        "w": "workload",
        "p": "pod",
        "n": "node",
        "ns": "namespace",
        "pi": "pod index entry",
        "ps": "pod index set",
        "pc": "standalone pod count",
    }
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
    cache: Client,
    keys: Keys,
    clock: Callable[[], datetime] | None = None,
    opted: OptedKinds | None = None,
) -> Report:
    now = clock or (lambda: datetime.now(UTC))
    expected = await expected_records(source, now, opted)
    return compare(source.name, expected, await cached_records(cache, keys, source.name))
