"""Pod logs through real clients: kubectl (1.20 and 1.32), kubernetes_asyncio, the
official client, and the gateway's own PodLogs (what the GraphQL Pod.logs field calls)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import kubernetes
import pytest
from kubernetes.client.exceptions import ApiException as OfficialApiException
from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from gateway.clusters import from_kubeconfig
from gateway.podlogs import LogError, PodLogs
from simcluster.cluster import SimulatedCluster
from simcluster.fleet import SimulatedFleet

from .helpers import Kubectl
from .logs import container_status, duo, freeze, state_of
from .objects import behaviour, pod, workload

CRASH = 'level=fatal msg="exiting" code=1'


async def _crashed_duo(cluster: SimulatedCluster) -> None:
    cluster.create(duo("duo", behaviour(behavior="crash-loop")))
    await cluster.wait_for(lambda: container_status(cluster, "duo").get("restartCount", 0) >= 1)


async def test_kubectl_logs_tail_container_previous_and_the_multi_container_error(
    cluster: SimulatedCluster, kubectl: Kubectl
) -> None:
    await _crashed_duo(cluster)
    previous = await kubectl.ok("logs", "duo", "-c", "main", "--previous")
    assert previous.splitlines()[-1] == CRASH
    tail = (await kubectl.ok("logs", "duo", "-c", "sidecar", "--tail=2")).splitlines()
    assert len(tail) == 2
    assert all('msg="request"' in line or 'msg="heartbeat"' in line for line in tail)
    assert (await kubectl.ok("logs", "duo", "-c", "setup")).endswith(
        'level=info msg="init: done" code=0\n'
    )
    never = await kubectl.run("logs", "duo", "-c", "sidecar", "--previous")
    assert never.code == 1
    assert (
        'Error from server (BadRequest): previous terminated container "sidecar" in pod "duo" '
        "not found"
    ) in never.err
    unknown = await kubectl.run("logs", "duo", "-c", "nope")
    assert unknown.code == 1
    assert "container nope is not valid for pod duo" in unknown.err
    raw = await kubectl.run("get", "--raw", "/api/v1/namespaces/default/pods/duo/log")
    assert raw.code == 1
    assert (
        "Error from server (BadRequest): a container name must be specified for pod duo, "
        "choose one of: [setup main sidecar]"
    ) in raw.err
    unnamed = await kubectl.run("logs", "duo")
    if await kubectl.client_minor() >= 21:
        assert unnamed.code == 0
        assert 'Defaulted container "main" out of: main, sidecar, setup (init)' in unnamed.err
        assert unnamed.out.startswith('level=info msg="starting" app=duo')
    else:
        assert unnamed.code == 1
        assert "a container name must be specified for pod duo" in unnamed.err


async def test_kubectl_logs_of_a_deployment_with_timestamps_since_and_limit(
    cluster: SimulatedCluster, kubectl: Kubectl
) -> None:
    cluster.create(workload("Deployment", "web", replicas=2))
    await cluster.wait_for(
        lambda: (
            sum(
                1
                for p in cluster.list_objects("Pod")
                if state_of(cluster, p["metadata"]["name"]) == "running"
            )
            == 2
        )
    )
    stamped = await kubectl.run("logs", "deploy/web", "--tail=2", "--timestamps")
    assert stamped.code == 0, stamped.err
    assert "Found 2 pods, using pod/web-" in stamped.err
    lines = stamped.out.splitlines()
    assert len(lines) == 2
    assert all(line[:4].isdigit() and line.split(" ", 1)[0].endswith("Z") for line in lines)
    name = cluster.list_objects("Pod")[0]["metadata"]["name"]
    everything = await kubectl.ok("logs", name, "--since=1h")
    assert everything.startswith('level=info msg="starting" app=web')
    assert await kubectl.ok("logs", name, "--limit-bytes=20") == everything[:20]


async def test_kubectl_logs_of_containers_that_never_started(
    cluster: SimulatedCluster, kubectl: Kubectl
) -> None:
    cluster.create(pod("config", behaviour(behavior="config-error")))
    cluster.create(pod("nowhere", behaviour(behavior="unschedulable")))
    await cluster.wait_for(lambda: state_of(cluster, "config") == "CreateContainerConfigError")
    refused = await kubectl.run("logs", "config")
    assert refused.code == 1
    assert refused.err.strip() == (
        'Error from server (BadRequest): container "main" in pod "config" is waiting to start: '
        "CreateContainerConfigError"
    )
    assert await kubectl.ok("logs", "nowhere") == ""


async def test_kubectl_logs_follow_until_killed(
    cluster: SimulatedCluster, kubectl: Kubectl
) -> None:
    cluster.create(pod("web"))
    await cluster.wait_for(lambda: state_of(cluster, "web") == "running")
    process = await kubectl.start("logs", "-f", "web", "--tail=1")
    try:
        assert process.stdout is not None
        lines = [await asyncio.wait_for(process.stdout.readline(), 20) for _ in range(4)]
        assert all(line.startswith(b"level=") for line in lines)
        assert len(cluster.log_streams.open) == 1
    finally:
        process.kill()
        await process.wait()
    await cluster.wait_for(lambda: not cluster.log_streams.open)


async def test_kubernetes_asyncio_reads_logs_and_raises_status_errors(
    cluster: SimulatedCluster, api: client.ApiClient
) -> None:
    await _crashed_duo(cluster)
    core = client.CoreV1Api(api)
    crashed = await core.read_namespaced_pod_log("duo", "default", container="main", previous=True)
    assert crashed.splitlines()[-1] == CRASH
    tail = await core.read_namespaced_pod_log(
        "duo", "default", container="sidecar", tail_lines=3, timestamps=True
    )
    assert len(tail.splitlines()) == 3
    assert await core.read_namespaced_pod_log(
        "duo", "default", container="setup", limit_bytes=9
    ) == ("level=inf")
    with pytest.raises(ApiException) as unnamed:
        await core.read_namespaced_pod_log("duo", "default")
    assert unnamed.value.status == 400
    status = json.loads(unnamed.value.body or b"")
    assert status["message"] == (
        "a container name must be specified for pod duo, choose one of: [setup main sidecar]"
    )
    with pytest.raises(ApiException) as missing:
        await core.read_namespaced_pod_log("ghost", "default")
    assert missing.value.status == 404


async def test_the_official_client_reads_and_streams_logs(
    cluster: SimulatedCluster, official: kubernetes.client.ApiClient
) -> None:
    cluster.create(pod("web"))
    cluster.create(pod("creating", behaviour(start_seconds="100000")))
    await cluster.wait_for(lambda: state_of(cluster, "web") == "running")
    await cluster.wait_for(lambda: state_of(cluster, "creating") == "ContainerCreating")
    core: Any = kubernetes.client.CoreV1Api(official)
    recent = await asyncio.to_thread(
        core.read_namespaced_pod_log, "web", "default", since_seconds=3600, timestamps=True
    )
    assert recent.splitlines()[0].split(" ", 1)[1].startswith('level=info msg="starting"')

    def follow_three() -> list[bytes]:
        stream = core.read_namespaced_pod_log(
            "web", "default", follow=True, tail_lines=0, _preload_content=False
        )
        try:
            return [stream.readline() for _ in range(3)]
        finally:
            stream.release_conn()
            stream.close()

    followed = await asyncio.to_thread(follow_three)
    assert all(line.startswith(b"level=") for line in followed)
    with pytest.raises(OfficialApiException) as waiting:
        await asyncio.to_thread(core.read_namespaced_pod_log, "creating", "default")
    assert waiting.value.status == 400
    assert json.loads(waiting.value.body or "")["message"] == (
        'container "main" in pod "creating" is waiting to start: ContainerCreating'
    )
    await cluster.wait_for(lambda: not cluster.log_streams.open)


async def test_the_gateways_pod_logs_read_the_simulator(
    fleet: SimulatedFleet, cluster: SimulatedCluster
) -> None:
    cluster.create(
        pod("hungry", behaviour(behavior="oom-kill"), resources={"limits": {"memory": "64Mi"}})
    )
    cluster.create(pod("pull", behaviour(behavior="image-pull-error"), image="nginx:nope"))
    await cluster.wait_for(
        lambda: (container_status(cluster, "hungry").get("lastState") or {}).get("terminated")
    )
    await cluster.wait_for(lambda: state_of(cluster, "pull") == "ImagePullBackOff")
    freeze(cluster, "pull")
    logs = PodLogs(from_kubeconfig(fleet.kubeconfig))
    try:
        text = await logs.read(
            "sim-1",
            "default",
            "hungry",
            container=None,
            tail_lines=2,
            since_seconds=None,
            previous=True,
        )
        assert len(text.splitlines()) == 2
        assert all("limit=64Mi" in line for line in text.splitlines())
        with pytest.raises(LogError) as waiting:
            await logs.read(
                "sim-1",
                "default",
                "pull",
                container="main",
                tail_lines=10,
                since_seconds=None,
                previous=False,
            )
        assert waiting.value.code == "BAD_USER_INPUT"
        assert "trying and failing to pull image" in str(waiting.value)
        with pytest.raises(LogError) as missing:
            await logs.read(
                "sim-1",
                "default",
                "ghost",
                container=None,
                tail_lines=10,
                since_seconds=60,
                previous=False,
            )
        assert missing.value.code == "NOT_FOUND"
    finally:
        await logs.close()
