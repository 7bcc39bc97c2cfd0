"""Memory: what one cluster's mirror costs, structure by structure, per pod.

Run: ``python bench/memory.py [--workloads 10000] [--events-every 10]``.

The ``scale:N`` scenario (about ten pods per workload) is built in this process
and its objects are fed to a ``ClusterMirror`` as the reflectors feed it (kind by
kind, one object at a time, Events last), then one flush is consumed, as the first
sync does. Every ``--events-every``-th pod gets two Warning events, so the event log
is measured too. tracemalloc gives the mirror's total (the simulator's own objects
are allocated before tracing starts); a walk of the mirror's structures then
attributes every object to the first structure that reaches it (a string shared
by a pod key and its index entry counts once, where it is first seen), so the rows
add up to what the walk reached and can be compared with the traced total.

Memory is measured rather than timed because it is not noisy on a shared machine.
"""

from __future__ import annotations

import sys
from pathlib import Path

# ``python bench/memory.py`` puts bench/ first on the path, where simcluster.py would
# shadow the simulator's package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import dataclasses
import gc
import tracemalloc
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from gateway.status.fields import Obj
from gateway.watch.mirror import ClusterMirror
from gateway.watch.objects import PodEntry
from simcluster.cluster import SimulatedCluster
from simcluster.resources import (
    DEPLOYMENTS,
    NAMESPACES,
    NODES,
    PODS,
    REPLICASETS,
    STATEFULSETS,
    ResourceType,
)
from simcluster.scale import install_scale

KINDS = (
    ("Namespace", NAMESPACES),
    ("Node", NODES),
    ("ReplicaSet", REPLICASETS),
    ("Deployment", DEPLOYMENTS),
    ("StatefulSet", STATEFULSETS),
    ("Pod", PODS),
)


class Walk:
    """Deep sizes with every object counted once, for the first structure that reaches it."""

    def __init__(self) -> None:
        self.seen: set[int] = set()

    def size(self, obj: object) -> int:
        if obj is None or isinstance(obj, (bool, Enum)) or id(obj) in self.seen:
            return 0
        if isinstance(obj, int) and -5 <= obj <= 256:
            return 0  # the interpreter's own small ints
        self.seen.add(id(obj))
        total = sys.getsizeof(obj)
        if isinstance(obj, dict):
            total += sum(self.size(k) + self.size(v) for k, v in obj.items())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            total += sum(self.size(item) for item in obj)
        elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            total += sum(self.size(getattr(obj, f.name)) for f in dataclasses.fields(obj))
        elif hasattr(obj, "__dict__") and not isinstance(obj, type):
            total += self.size(vars(obj))
        return total

    def shell(self, obj: object) -> int:
        """The object itself, not what it refers to."""
        if id(obj) in self.seen:
            return 0
        self.seen.add(id(obj))
        return sys.getsizeof(obj)


@dataclasses.dataclass(slots=True)
class Row:
    name: str
    total: int
    per: str
    """What the row is divided by: pod, workload or event."""


def objects_of(cluster: SimulatedCluster, kind: str, resource: ResourceType) -> Iterator[Obj]:
    for stored in cluster.store.items(resource):
        obj = stored.load()
        obj.setdefault("kind", kind)
        yield obj


def warnings_for(cluster: SimulatedCluster, every: int) -> Iterator[Obj]:
    """Two Warning events for every ``every``-th pod, as a kubelet writes them."""
    for index, stored in enumerate(cluster.store.items(PODS)):
        if every <= 0 or index % every:
            continue
        for reason, message in (
            ("BackOff", "Back-off restarting failed container app in pod"),
            ("Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503"),
        ):
            yield {
                "kind": "Event",
                "type": "Warning",
                "reason": reason,
                "message": message,
                "count": 3,
                "firstTimestamp": "2026-11-25T12:00:00Z",
                "lastTimestamp": "2026-11-25T12:02:00Z",
                "involvedObject": {
                    "kind": "Pod",
                    "namespace": stored.namespace,
                    "name": stored.name,
                    "uid": stored.uid,
                },
                "metadata": {
                    "name": f"{stored.name}.{reason.lower()}",
                    "namespace": stored.namespace,
                    "uid": f"{stored.uid[:-6]}{reason[:6].lower():0>6}",
                },
            }


def fill(cluster: SimulatedCluster, events_every: int) -> ClusterMirror:
    mirror = ClusterMirror("bench", lambda: datetime(2026, 11, 25, 12, 5, tzinfo=UTC))
    for kind, resource in KINDS:
        mirror.replace(kind, objects_of(cluster, kind, resource))
    mirror.replace("Event", warnings_for(cluster, events_every))
    for _ in mirror.flush():
        pass
    return mirror


def _field_rows(walk: Walk, pods: Iterable[PodEntry]) -> list[Row]:
    names = [f.name for f in dataclasses.fields(PodEntry)]
    totals = dict.fromkeys(names, 0)
    shells = 0
    entries = list(pods)
    for entry in entries:
        shells += walk.shell(entry)
    for name in names:
        for entry in entries:
            totals[name] += walk.size(getattr(entry, name))
    rows = [Row("PodEntry objects (slots)", shells, "pod")]
    rows += [Row(f"  PodEntry.{name}", totals[name], "pod") for name in names]
    return rows


def breakdown(mirror: ClusterMirror) -> list[Row]:
    objects = mirror.objects
    walk = Walk()

    def structure(name: str, obj: object, per: str) -> Row:
        return Row(name, walk.size(obj), per)

    keys = walk.shell(objects.pods) + sum(walk.size(key) for key in objects.pods)
    rows = [Row("pods dict and pod keys", keys, "pod")]
    rows += _field_rows(walk, objects.pods.values())
    rows += [
        structure("pods_by_owner", objects.pods_by_owner, "pod"),
        structure("pods_by_node", objects.pods_by_node, "pod"),
        structure("orphans", objects.orphans, "pod"),
        structure("workloads (entries, slimmed objects)", objects.workloads, "workload"),
        structure("uid_workload", objects.uid_workload, "workload"),
        structure("replica_sets", objects.replica_sets, "workload"),
        structure("uid_replica_set", objects.uid_replica_set, "workload"),
        structure("replica_sets_by_owner", objects.replica_sets_by_owner, "workload"),
        structure("jobs_by_owner, custom_by_owner", (objects.jobs_by_owner,), "workload"),
        structure("nodes", objects.nodes, "pod"),
        structure("namespaces", objects.namespaces, "pod"),
        structure("event log", vars(mirror._events), "event"),
        structure("rechecks, stale, removed", (vars(mirror._rechecks), vars(mirror._stale)), "pod"),
    ]
    return rows


def report(mirror: ClusterMirror, traced: int, events: int) -> None:
    objects = mirror.objects
    counts: dict[str, int] = {
        "pod": len(objects.pods),
        "workload": len(objects.workloads),
        "event": max(events, 1),
    }
    rows = breakdown(mirror)
    walked = sum(row.total for row in rows)
    print(
        f"mirror of {counts['pod']} pods, {counts['workload']} workloads, "
        f"{len(objects.replica_sets)} ReplicaSets, {len(objects.nodes)} nodes, {events} events"
    )
    print(f"{'structure':44} {'MiB':>8} {'bytes per':>14}")
    for row in rows:
        each = row.total / counts[row.per]
        print(f"{row.name:44} {row.total / 2**20:8.1f} {each:8.0f} {row.per:>5}")
    pods = counts["pod"]
    print(f"{'walked, all structures':44} {walked / 2**20:8.1f} {walked / pods:8.0f}   pod")
    print(f"{'tracemalloc, the whole mirror':44} {traced / 2**20:8.1f} {traced / pods:8.0f}   pod")


def main(workloads: int, events_every: int) -> None:
    cluster = SimulatedCluster("bench")
    install_scale(cluster, workloads)
    events = sum(1 for _ in warnings_for(cluster, events_every))
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    mirror = fill(cluster, events_every)
    gc.collect()
    traced = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    report(mirror, traced, events)


def parse(argv: list[str] | None = None) -> Any:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workloads", type=int, default=10_000)
    parser.add_argument("--events-every", type=int, default=10)
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse()
    main(arguments.workloads, arguments.events_every)
