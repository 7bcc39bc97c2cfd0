"""The scenarios: the demo shows every status within a simulated minute and keeps changing;
``scale:N`` builds N running workloads that the controllers leave alone."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from kubernetes_asyncio import client

from gateway.ownership import group
from gateway.status import STATUSES_BY_KIND, PodPhase, evaluate, evaluate_pod, index_nodes
from simcluster.fleet import SimulatedFleet
from simcluster.scenarios import parse_scenario

from .helpers import api_from, get_json, read_back


async def test_demo_shows_every_status_within_a_minute(tmp_path: Path) -> None:
    seen: dict[str, set[str]] = {}
    phases: set[PodPhase] = set()
    # 66 simulated seconds at 20x: 3.3 s of sampling, so that a loaded machine, whose
    # reads may take a few hundred milliseconds each, still sees the short states (a
    # Deployment Deleting for a few simulated seconds); at 60x it sampled 1.1 s.
    async with (
        SimulatedFleet(time_scale=20, scenario="demo", kubeconfig=tmp_path / "k") as fleet,
        aiohttp.ClientSession(fleet[0].url) as http,
    ):
        cluster = fleet[0]
        start = cluster.clock.time()
        while cluster.clock.time() - start < 66:
            objects = await read_back(http)
            now = cluster.clock.now()
            found = group(objects)
            for workload in found.workloads:
                state = evaluate(
                    workload.obj,
                    now,
                    pods=workload.pods,
                    replica_sets=workload.replica_sets,
                    jobs=workload.jobs,
                    nodes=found.nodes,
                    events=found.events,
                )
                seen.setdefault(state.kind, set()).add(state.status.value)
            nodes = index_nodes(found.nodes)
            pods = [o for o in objects if o["kind"] == "Pod"]
            phases |= {evaluate_pod(p, nodes, now).phase for p in pods}
            await asyncio.sleep(0.05)
        generation = (await get_json(http, "/apis/apps/v1/namespaces/shop/deployments/web"))[
            "metadata"
        ]["generation"]
    for kind, statuses in STATUSES_BY_KIND.items():
        assert seen[kind.value] == {s.value for s in statuses}, kind
    assert phases == set(PodPhase)
    assert generation >= 2, "the demo rolled a Deployment out again"


async def test_demo_objects_deserialise_strictly(tmp_path: Path) -> None:
    """kubernetes_asyncio refuses objects missing required fields; none is, at any time."""
    async with (
        SimulatedFleet(time_scale=120, scenario="demo", kubeconfig=tmp_path / "k") as fleet,
        api_from(fleet.kubeconfig) as api,
    ):
        core, apps, batch = client.CoreV1Api(api), client.AppsV1Api(api), client.BatchV1Api(api)
        lists = (
            core.list_pod_for_all_namespaces,
            core.list_node,
            core.list_namespace,
            core.list_event_for_all_namespaces,
            apps.list_deployment_for_all_namespaces,
            apps.list_replica_set_for_all_namespaces,
            apps.list_stateful_set_for_all_namespaces,
            apps.list_daemon_set_for_all_namespaces,
            batch.list_job_for_all_namespaces,
            batch.list_cron_job_for_all_namespaces,
        )
        cluster = fleet[0]
        start = cluster.clock.time()
        kinds = set()
        while cluster.clock.time() - start < 130:
            for listing in lists:
                kinds |= {type(item).__name__ for item in (await listing()).items}
    assert len(kinds) == len(lists)


async def test_scale_scenario_is_running_and_settled(tmp_path: Path) -> None:
    async with (
        SimulatedFleet(time_scale=60, scenario="scale:120", kubeconfig=tmp_path / "k") as fleet,
        aiohttp.ClientSession(fleet[0].url) as http,
    ):
        cluster = fleet[0]
        settled = cluster.store.resource_version
        deployments = await get_json(http, "/apis/apps/v1/deployments")
        statefulsets = await get_json(http, "/apis/apps/v1/statefulsets")
        assert len(deployments["items"]) + len(statefulsets["items"]) == 120
        pods = await get_json(http, "/api/v1/pods?limit=500")
        assert pods["metadata"]["remainingItemCount"] == 120 * 10 - 500
        objects = await read_back(http)
        now = cluster.clock.now()
        found = group(objects)
        statuses = {
            evaluate(
                w.obj, now, pods=w.pods, replica_sets=w.replica_sets, nodes=found.nodes
            ).status.value
            for w in found.workloads
        }
        assert statuses == {"Running"}
        await asyncio.sleep(0.3)
        await cluster.wait_for(lambda: cluster.controllers.idle)
        assert cluster.store.resource_version == settled, "the controllers found nothing to change"
        deployment = deployments["items"][0]
        deployment["spec"]["replicas"] = 12
        cluster.apply(deployment)
        name = deployment["metadata"]["name"]
        namespace = deployment["metadata"]["namespace"]
        await cluster.wait_for(
            lambda: (
                (cluster.get("Deployment", name, namespace) or {})["status"].get("readyReplicas")
                == 12
            )
        )


@pytest.mark.parametrize("text", ["scale", "scale:0", "scale:x", "demo:3", "chaos"])
def test_unknown_scenarios_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="unknown scenario"):
        parse_scenario(text)
