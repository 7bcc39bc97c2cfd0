"""kubectl as a subprocess: discovery, Table output, watches and every write it makes.

Runs whichever kubectl is on PATH (or $KUBECTL): the suite passes with 1.32 and 1.20.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import yaml

from simcluster.cluster import SimulatedCluster

from .helpers import Kubectl, lines
from .objects import behaviour, workload


async def _running(cluster: SimulatedCluster, count: int) -> None:
    await cluster.wait_for(
        lambda: (
            sum(1 for p in cluster.list_objects("Pod") if p["status"].get("phase") == "Running")
            == count
        )
    )


def _available(cluster: SimulatedCluster, name: str, namespace: str) -> int:
    found = cluster.get("Deployment", name, namespace)
    return int((found or {}).get("status", {}).get("availableReplicas") or 0)


async def test_get_deployments_prints_the_printer_columns(
    cluster: SimulatedCluster, kubectl: Kubectl
) -> None:
    cluster.create(workload("Deployment", "web", replicas=2, namespace="shop"))
    await _running(cluster, 2)
    await cluster.wait_for(lambda: _available(cluster, "web", "shop") == 2)
    table = await kubectl.ok("get", "deploy", "-A")
    header, row = table.splitlines()[:2]
    assert header.split() == ["NAMESPACE", "NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert row.split()[:5] == ["shop", "web", "2/2", "2", "2"]
    wide = await kubectl.ok("get", "pods", "-n", "shop", "-o", "wide")
    assert wide.splitlines()[0].split()[:7] == [
        "NAME",
        "READY",
        "STATUS",
        "RESTARTS",
        "AGE",
        "IP",
        "NODE",
    ]
    assert all(" Running " in line for line in wide.splitlines()[1:])
    nodes = await kubectl.ok("get", "nodes")
    assert nodes.count(" Ready ") == 3


async def test_get_pods_watch_json_streams_events(
    cluster: SimulatedCluster, kubectl: Kubectl
) -> None:
    cluster.create(workload("Deployment", "web", replicas=2))
    await _running(cluster, 2)
    process = await kubectl.start("get", "pods", "-w", "-o", "json")
    try:
        assert process.stdout is not None
        buffer = ""

        async def until(count: int) -> list[dict[str, Any]]:
            nonlocal buffer
            while len({o["metadata"]["name"] for o in lines(buffer)}) < count:
                chunk = await asyncio.wait_for(process.stdout.read(4096), 20)  # type: ignore[union-attr]
                assert chunk, "kubectl ended its watch"
                buffer += chunk.decode()
            return lines(buffer)

        listed = await until(2)
        deployment = cluster.get("Deployment", "web")
        assert deployment is not None
        deployment["spec"]["replicas"] = 3
        cluster.apply(deployment)
        watched = (await until(3))[len(listed) :]
        assert all(p["kind"] == "Pod" for p in watched)
        versions = [int(p["metadata"]["resourceVersion"]) for p in watched]
        assert versions == sorted(versions)
        assert versions[0] > max(int(p["metadata"]["resourceVersion"]) for p in listed)
    finally:
        process.kill()
        await process.wait()


async def test_get_pods_watch_prints_table_rows(
    cluster: SimulatedCluster, kubectl: Kubectl
) -> None:
    process = await kubectl.start("get", "pods", "-w")
    try:
        cluster.create(workload("Deployment", "web", replicas=1))
        assert process.stdout is not None
        header = await asyncio.wait_for(process.stdout.readline(), 20)
        assert header.decode().split()[:3] == ["NAME", "READY", "STATUS"]
        row = await asyncio.wait_for(process.stdout.readline(), 20)
        assert row.decode().startswith("web-")
    finally:
        process.kill()
        await process.wait()


async def test_create_scale_patch_annotate_delete(
    cluster: SimulatedCluster, kubectl: Kubectl
) -> None:
    manifest = yaml.safe_dump(workload("Deployment", "web", replicas=1))
    assert "created" in await kubectl.ok("create", "-f", "-", stdin=manifest)
    await _running(cluster, 1)
    assert "scaled" in await kubectl.ok("scale", "deployment/web", "--replicas=3")
    await _running(cluster, 3)
    await kubectl.ok(
        "patch",
        "deployment",
        "web",
        "-p",
        json.dumps(
            {
                "spec": {
                    "template": {"spec": {"containers": [{"name": "main", "image": "nginx:1.28"}]}}
                }
            }
        ),
    )
    await cluster.wait_for(
        lambda: (
            {
                p["spec"]["containers"][0]["image"]
                for p in cluster.list_objects("Pod")
                if "deletionTimestamp" not in p["metadata"]
            }
            == {"nginx:1.28"}
            and len(cluster.list_objects("ReplicaSet")) == 2
        )
    )
    await kubectl.ok("patch", "deployment", "web", "--type=merge", "-p", '{"spec":{"paused":true}}')
    await kubectl.ok(
        "patch",
        "deployment",
        "web",
        "--type=json",
        "-p",
        '[{"op":"replace","path":"/spec/paused","value":false}]',
    )
    await kubectl.ok("annotate", "deployment", "web", "team=payments")
    deployment = cluster.get("Deployment", "web")
    assert deployment is not None
    assert deployment["metadata"]["annotations"]["team"] == "payments"
    assert deployment["spec"]["paused"] is False
    assert deployment["metadata"]["generation"] >= 3
    await kubectl.ok("label", "deployment", "web", "tier=front")
    shown = json.loads(await kubectl.ok("get", "deployment", "web", "-o", "json"))
    assert shown["metadata"]["labels"]["tier"] == "front"
    assert "deleted" in await kubectl.ok("delete", "deployment", "web", "--wait=false")
    await cluster.wait_for(lambda: not cluster.list_objects("Pod"))
    assert cluster.list_objects("ReplicaSet") == []
    missing = await kubectl.run("get", "deployment", "web")
    assert missing.code == 1
    assert 'deployments.apps "web" not found' in missing.err


async def test_statefulset_scale_and_events(cluster: SimulatedCluster, kubectl: Kubectl) -> None:
    cluster.create(workload("StatefulSet", "db", behaviour(ready_after_seconds="1"), replicas=1))
    await _running(cluster, 1)
    await kubectl.ok("scale", "statefulset", "db", "--replicas=2")
    await cluster.wait_for(lambda: cluster.get("Pod", "db-1") is not None)
    events = await kubectl.ok("get", "events")
    assert "create Pod db-1 in StatefulSet db successful" in events
    assert "Scheduled" in events


async def test_delete_pod_is_graceful(cluster: SimulatedCluster, kubectl: Kubectl) -> None:
    cluster.create(workload("Deployment", "web", behaviour(terminate_seconds="100000"), replicas=1))
    await _running(cluster, 1)
    name = cluster.list_objects("Pod")[0]["metadata"]["name"]
    await kubectl.ok("delete", "pod", name, "--wait=false")
    terminating = await kubectl.ok("get", "pods")
    assert f"{name}   1/1     Terminating" in terminating
    await kubectl.ok("delete", "pod", name, "--grace-period=0", "--force")
    await cluster.wait_for(lambda: cluster.get("Pod", name) is None)
