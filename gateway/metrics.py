"""Prometheus metrics: counters where things happen, gauges read from live state at scrape.

Counters and histograms are process-wide (module level), incremented on the paths
they count through pre-bound label children so the watch loop pays a method call,
not a label lookup. Gauges that describe state (reachability, sync lag, open
subscriptions) are computed by ``GatewayCollector`` only when Prometheus scrapes,
from plain ``Gauges`` the service fills in at that moment: the store and the
watchers import this module to count, so it must not import them (or the service
that holds them) back.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from prometheus_client import REGISTRY, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

WATCH_EVENTS = Counter(
    "ksg_watch_events_total", "Watch events received.", ["cluster", "resource", "type"]
)
WATCH_LISTS = Counter(
    "ksg_watch_lists_total", "Complete lists (first syncs and relists).", ["cluster", "resource"]
)
WATCH_EXPIRED = Counter(
    "ksg_watch_expired_total",
    "Watches answered 410 Expired (each followed by a relist).",
    ["cluster", "resource"],
)
WATCH_ERRORS = Counter(
    "ksg_watch_errors_total", "Failed list or watch requests.", ["cluster", "resource"]
)
REDIS_SECONDS = Histogram(
    "ksg_redis_seconds",
    "Redis round trips by operation (writes are whole batches).",
    ["operation"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
REDIS_ERRORS = Counter("ksg_redis_errors_total", "Redis operations that failed.", ["operation"])
GRAPHQL_SECONDS = Histogram(
    "ksg_graphql_operation_seconds",
    "GraphQL operations by name, type and outcome (subscriptions: time to set up).",
    ["operation", "type", "outcome"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
DROPPED_SUBSCRIBERS = Counter(
    "ksg_subscriptions_dropped_total", "Subscriptions ended because the client fell behind."
)

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_MAX_OPERATION_NAMES = 200
_seen_names: set[str] = set()


def operation_label(name: str | None) -> str:
    """Operation names come from clients: bounded so a client cannot explode the series."""
    if not name:
        return "anonymous"
    if not _NAME.match(name):
        return "invalid"
    if name not in _seen_names:
        if len(_seen_names) >= _MAX_OPERATION_NAMES:
            return "other"
        _seen_names.add(name)
    return name


@dataclass(frozen=True, slots=True)
class ClusterGauges:
    """One configured cluster; the readings after ``watched`` mean something only if it is."""

    name: str
    watched: bool
    reachable: bool = False
    synced: bool = False
    last_contact: float = 0.0
    """``time.monotonic()`` of the last answer from the API server; 0 if none yet."""
    objects: int = 0


@dataclass(frozen=True, slots=True)
class RedisGauges:
    healthy: bool
    rewrites: int


@dataclass(frozen=True, slots=True)
class SubscriptionGauges:
    active: int
    delivered: int


@dataclass(frozen=True, slots=True)
class Gauges:
    """One scrape's readings; ``redis`` and ``subscriptions`` are None before the start."""

    clusters: Sequence[ClusterGauges]
    redis: RedisGauges | None
    subscriptions: SubscriptionGauges | None


class GaugeSource(Protocol):
    def gauges(self) -> Gauges: ...


class GatewayCollector(Collector):
    """Gauges of one gateway's clusters, Redis link and subscribers, read at scrape time."""

    def __init__(self, source: GaugeSource) -> None:
        self.source = source

    def collect(self) -> Iterable[Metric]:
        reachable = GaugeMetricFamily(
            "ksg_cluster_reachable", "1 if the API server answers.", labels=["cluster"]
        )
        synced = GaugeMetricFamily(
            "ksg_cluster_synced", "1 once the first sync is written.", labels=["cluster"]
        )
        lag = GaugeMetricFamily(
            "ksg_cluster_sync_lag_seconds",
            "Seconds since the last answer from the API server (watch events, bookmarks, lists).",
            labels=["cluster"],
        )
        objects = GaugeMetricFamily(
            "ksg_cluster_objects", "Objects listed at the last sync.", labels=["cluster"]
        )
        watching = GaugeMetricFamily(
            "ksg_cluster_watched",
            "1 if this replica holds the cluster's lease and watches it.",
            labels=["cluster"],
        )
        gauges = self.source.gauges()
        now = time.monotonic()
        for cluster in gauges.clusters:
            watching.add_metric([cluster.name], 1.0 if cluster.watched else 0.0)
            if not cluster.watched:
                continue
            reachable.add_metric([cluster.name], 1.0 if cluster.reachable else 0.0)
            synced.add_metric([cluster.name], 1.0 if cluster.synced else 0.0)
            last = cluster.last_contact
            lag.add_metric([cluster.name], now - last if last else float("nan"))
            objects.add_metric([cluster.name], float(cluster.objects))
        yield from (reachable, synced, lag, objects, watching)
        if gauges.redis is not None:
            yield GaugeMetricFamily(
                "ksg_redis_healthy",
                "1 while Redis accepts writes.",
                value=1.0 if gauges.redis.healthy else 0.0,
            )
            yield CounterMetricFamily(
                "ksg_redis_rewrites",
                "Full rewrites after Redis came back.",
                value=float(gauges.redis.rewrites),
            )
        if gauges.subscriptions is not None:
            yield GaugeMetricFamily(
                "ksg_subscriptions_active",
                "Open subscriptions on this replica.",
                value=float(gauges.subscriptions.active),
            )
            yield CounterMetricFamily(
                "ksg_subscription_events",
                "Changes delivered to subscribers.",
                value=float(gauges.subscriptions.delivered),
            )


class _Chain:
    def __init__(self, collectors: Iterable[Collector]) -> None:
        self.collectors = list(collectors)

    def collect(self) -> Iterator[Metric]:
        for collector in self.collectors:
            yield from collector.collect()


def render(source: GaugeSource) -> bytes:
    """The process's metrics (including process_* from the default registry) and the source's."""
    return generate_latest(_Chain([REGISTRY, GatewayCollector(source)]))
