"""/metrics in Prometheus format: watch, cluster, Redis, GraphQL and subscription series."""

from __future__ import annotations

from pathlib import Path

import httpx
import redis.asyncio as redis
from prometheus_client.parser import text_string_to_metric_families

from gateway import metrics
from gateway.clusters import ClusterSource, from_kubeconfig
from gateway.redis_server import EmbeddedRedis
from gateway.service import Gateway, Settings
from simcluster.fleet import SimulatedFleet
from tests.api.harness import running_gateway
from tests.simcluster.objects import workload
from tests.watch.conftest import until


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_metrics_describe_watchers_cache_and_api(
    fleet: SimulatedFleet, redis_server: EmbeddedRedis, redis_client: redis.Redis
) -> None:
    fleet["sim-1"].create(workload("Deployment", "web", replicas=2))
    sources = from_kubeconfig(fleet.kubeconfig)
    async with (
        running_gateway(redis_server.url, sources) as gw,
        httpx.AsyncClient(timeout=10) as http,
    ):

        async def synced() -> bool:
            ready = await http.get(f"{gw.url}/readyz")
            return ready.status_code == 200

        await until(synced, within=30)
        query = "query Dashboard { statusSummary { total } }"
        await http.post(gw.graphql, json={"query": query})
        await http.post(gw.graphql, json={"query": "{ nope }"})
        answer = await http.get(f"{gw.url}/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    found = samples(answer.text)
    assert found[("ksg_cluster_reachable", (("cluster", "sim-1"),))] == 1.0
    assert found[("ksg_cluster_synced", (("cluster", "sim-1"),))] == 1.0
    assert found[("ksg_cluster_sync_lag_seconds", (("cluster", "sim-1"),))] >= 0
    assert found[("ksg_redis_healthy", ())] == 1.0
    lists = [
        v
        for (name, labels), v in found.items()
        if name == "ksg_watch_lists_total" and ("resource", "pods") in labels
    ]
    assert lists and lists[0] >= 1
    ok = (
        "ksg_graphql_operation_seconds_count",
        (("operation", "Dashboard"), ("outcome", "ok"), ("type", "query")),
    )
    assert found[ok] >= 1
    failed = [
        k
        for k in found
        if k[0] == "ksg_graphql_operation_seconds_count" and ("outcome", "error") in k[1]
    ]
    assert failed
    assert ("ksg_subscriptions_active", ()) in found
    assert any(name == "process_resident_memory_bytes" for name, _ in found)


def test_a_gateway_not_started_watches_nothing_and_reports_no_redis() -> None:
    gateway = Gateway(Settings(sources=[ClusterSource("sim-1", Path("kubeconfig"), "sim-1")]))
    found = samples(metrics.render(gateway).decode())
    assert found[("ksg_cluster_watched", (("cluster", "sim-1"),))] == 0.0
    reported = {name for name, _ in found}
    assert not reported & {
        "ksg_cluster_reachable",
        "ksg_cluster_objects",
        "ksg_redis_healthy",
        "ksg_subscriptions_active",
    }


async def test_a_started_gateway_reports_what_it_watches_and_holds(gateway: Gateway) -> None:
    found = samples(metrics.render(gateway).decode())
    for source in gateway.settings.sources:
        cluster = (("cluster", source.name),)
        assert found[("ksg_cluster_watched", cluster)] == 1.0
        assert found[("ksg_cluster_objects", cluster)] > 0
    assert found[("ksg_redis_rewrites_total", ())] == 0.0
    assert found[("ksg_subscriptions_active", ())] == 0.0
    assert found[("ksg_subscription_events_total", ())] == 0.0
