"""What writes mean: generation, status and scale subresources, dry runs, deletion with
finalizers and propagation policies, namespaces, discovery and Table output."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from simcluster.cluster import SimulatedCluster
from simcluster.resources import RESOURCES

from .helpers import get_json
from .objects import behaviour, job, pod, workload

DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
TABLE = {"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"}


async def _create(http: aiohttp.ClientSession, path: str, body: dict[str, Any]) -> dict[str, Any]:
    async with http.post(path, json=body) as response:
        assert response.status == 201, await response.text()
        created: dict[str, Any] = await response.json()
        return created


async def test_discovery(http: aiohttp.ClientSession) -> None:
    versions = await get_json(http, "/api")
    assert versions["versions"] == ["v1"]
    groups = await get_json(http, "/apis")
    assert [g["name"] for g in groups["groups"]] == [
        "apiextensions.k8s.io",
        "apps",
        "authentication.k8s.io",
        "authorization.k8s.io",
        "batch",
        "rbac.authorization.k8s.io",
    ]
    served = set()
    for path in (
        "/api/v1",
        *(f"/apis/{g['preferredVersion']['groupVersion']}" for g in groups["groups"]),
    ):
        listed = await get_json(http, path)
        served |= {r["name"] for r in listed["resources"]}
    assert {r.plural for r in RESOURCES} <= served
    assert {"deployments/scale", "pods/status"} <= served
    version = await get_json(http, "/version")
    assert version["major"] == "1"


async def test_generation_and_status_subresource(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    created = await _create(http, DEPLOYMENTS, workload("Deployment", "web", replicas=1))
    assert created["metadata"]["generation"] == 1
    assert created["spec"]["revisionHistoryLimit"] == 10
    assert created["spec"]["template"]["spec"]["containers"][0]["terminationMessagePath"]
    await cluster.wait_for(
        lambda: (cluster.get("Deployment", "web") or {}).get("status", {}).get("readyReplicas") == 1
    )
    current = await get_json(http, f"{DEPLOYMENTS}/web")
    current["metadata"]["labels"] = {"team": "a"}
    current["status"] = {"replicas": 99}
    async with http.put(f"{DEPLOYMENTS}/web", json=current) as response:
        updated = await response.json()
    assert updated["metadata"]["generation"] == 1, "a metadata change keeps the generation"
    assert updated["status"]["replicas"] == 1, "the main resource never writes status"
    updated["spec"]["replicas"] = 2
    async with http.put(f"{DEPLOYMENTS}/web", json=updated) as response:
        assert (await response.json())["metadata"]["generation"] == 2
    patch = {"status": {"conditions": [{"type": "Custom", "status": "True"}]}}
    async with http.patch(
        f"{DEPLOYMENTS}/web/status",
        json=patch,
        headers={"Content-Type": "application/merge-patch+json"},
    ) as response:
        assert response.status == 200
        assert (await response.json())["status"]["conditions"] == patch["status"]["conditions"]


async def test_scale_subresource(cluster: SimulatedCluster, http: aiohttp.ClientSession) -> None:
    await _create(http, DEPLOYMENTS, workload("Deployment", "web", replicas=1))
    scale = await get_json(http, f"{DEPLOYMENTS}/web/scale")
    assert scale["kind"] == "Scale"
    assert scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"] == {"replicas": 1}
    assert scale["status"]["selector"] == "app=web"
    scale["spec"]["replicas"] = 3
    async with http.put(f"{DEPLOYMENTS}/web/scale", json=scale) as response:
        assert (await response.json())["spec"]["replicas"] == 3
    async with http.patch(
        f"{DEPLOYMENTS}/web/scale",
        json={"spec": {"replicas": 2}},
        headers={"Content-Type": "application/merge-patch+json"},
    ) as response:
        assert (await response.json())["spec"]["replicas"] == 2
    await cluster.wait_for(lambda: len(cluster.list_objects("Pod")) == 2)
    async with http.get("/apis/apps/v1/namespaces/default/daemonsets/x/scale") as response:
        assert response.status == 404


async def test_dry_run_stores_nothing(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    async with http.post(
        f"{DEPLOYMENTS}?dryRun=All", json=workload("Deployment", "web")
    ) as response:
        assert response.status == 201
        assert (await response.json())["metadata"]["uid"]
    assert cluster.get("Deployment", "web") is None


async def test_finalizers_hold_deletion(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    cluster.create(workload("Deployment", "web", finalizers=["example.com/hold"], replicas=0))
    async with http.delete(f"{DEPLOYMENTS}/web") as response:
        held = await response.json()
    assert held["metadata"]["deletionTimestamp"]
    async with http.patch(
        f"{DEPLOYMENTS}/web",
        json={"metadata": {"finalizers": None}},
        headers={"Content-Type": "application/merge-patch+json"},
    ) as response:
        assert response.status == 200
    assert cluster.get("Deployment", "web") is None


@pytest.mark.parametrize("policy", ["Background", "Foreground", "Orphan"])
async def test_propagation_policies(
    cluster: SimulatedCluster, http: aiohttp.ClientSession, policy: str
) -> None:
    cluster.create(workload("Deployment", "web", behaviour(terminate_seconds="5"), replicas=2))
    await cluster.wait_for(lambda: len(cluster.list_objects("Pod")) == 2)
    async with http.delete(f"{DEPLOYMENTS}/web", json={"propagationPolicy": policy}) as response:
        body = await response.json()
    if policy == "Background":
        assert body["kind"] == "Status"
        assert body["status"] == "Success"
        await cluster.wait_for(lambda: not cluster.list_objects("Pod"))
        assert cluster.list_objects("ReplicaSet") == []
    elif policy == "Foreground":
        assert "foregroundDeletion" in body["metadata"]["finalizers"]
        assert cluster.get("Deployment", "web") is not None
        await cluster.wait_for(lambda: cluster.get("Deployment", "web") is None)
        assert cluster.list_objects("Pod") == []
    else:
        await cluster.wait_for(lambda: cluster.get("Deployment", "web") is None)
        replica_sets = cluster.list_objects("ReplicaSet")
        assert len(replica_sets) == 1
        assert "ownerReferences" not in replica_sets[0]["metadata"]
        assert len(cluster.list_objects("Pod")) == 2


async def test_namespace_deletion_empties_it(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    cluster.create(workload("Deployment", "web", namespace="team", replicas=2))
    cluster.create(job("once", namespace="team"))
    await cluster.wait_for(lambda: len(cluster.list_objects("Pod", "team")) == 3)
    async with http.delete("/api/v1/namespaces/team") as response:
        assert (await response.json())["status"]["phase"] == "Terminating"
    await cluster.wait_for(lambda: cluster.get("Namespace", "team", "") is None)
    assert cluster.list_objects("Pod", "team") == []
    assert cluster.list_objects("Event", "team") == []


async def test_graceful_pod_deletion(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    cluster.create(pod("web", behaviour(terminate_seconds="10"), terminationGracePeriodSeconds=20))
    await cluster.wait_for(
        lambda: (cluster.get("Pod", "web") or {}).get("status", {}).get("phase") == "Running"
    )
    async with http.delete("/api/v1/namespaces/default/pods/web") as response:
        deleting = await response.json()
    assert deleting["metadata"]["deletionGracePeriodSeconds"] == 20
    assert cluster.get("Pod", "web") is not None
    await cluster.wait_for(lambda: cluster.get("Pod", "web") is None)


@pytest.mark.parametrize("resource", RESOURCES)
async def test_table_rows_match_their_columns(
    cluster: SimulatedCluster, http: aiohttp.ClientSession, resource: Any
) -> None:
    cluster.create(workload("Deployment", "web", replicas=1))
    cluster.create(workload("StatefulSet", "db", replicas=1))
    cluster.create(workload("DaemonSet", "agent"))
    cluster.create(job("once"))
    cluster.create(
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {"name": "tick"},
            "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": job("t")["spec"]}},
        }
    )
    await cluster.wait_for(lambda: cluster.list_objects("Event"))
    prefix = f"/apis/{resource.group}/{resource.version}" if resource.group else "/api/v1"
    async with http.get(f"{prefix}/{resource.plural}", headers=TABLE) as response:
        table = await response.json()
    assert table["kind"] == "Table"
    assert table["rows"], f"no {resource.plural} to print"
    width = len(table["columnDefinitions"])
    for row in table["rows"]:
        assert len(row["cells"]) == width
        assert row["object"]["kind"] == "PartialObjectMetadata"
        assert row["object"]["metadata"]["name"]
