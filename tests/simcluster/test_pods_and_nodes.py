"""Pod behaviours chosen by annotations, the scheduler's verdicts, and nodes that go away."""

from __future__ import annotations

import ipaddress
from functools import partial
from typing import Any

from simcluster.cluster import SimulatedCluster
from simcluster.nodes import NodeState

from .objects import behaviour, pod, workload


def _pod(cluster: SimulatedCluster, name: str) -> dict[str, Any]:
    return cluster.get("Pod", name) or {"metadata": {}, "spec": {}, "status": {}}


def _container(cluster: SimulatedCluster, name: str) -> dict[str, Any]:
    statuses = _pod(cluster, name)["status"].get("containerStatuses") or [{}]
    found: dict[str, Any] = statuses[0]
    return found


def _waiting(cluster: SimulatedCluster, name: str) -> str:
    return str((_container(cluster, name).get("state") or {}).get("waiting", {}).get("reason"))


def _events(cluster: SimulatedCluster, name: str) -> list[dict[str, Any]]:
    return [e for e in cluster.list_objects("Event") if e["involvedObject"]["name"] == name]


def _ready(cluster: SimulatedCluster, name: str) -> bool:
    conditions = _pod(cluster, name)["status"].get("conditions") or ()
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


async def test_a_running_pod_looks_like_a_kubelets(cluster: SimulatedCluster) -> None:
    cluster.create(pod("web", resources={"requests": {"cpu": "100m", "memory": "64Mi"}}))
    await cluster.wait_for(lambda: _ready(cluster, "web"))
    found = _pod(cluster, "web")
    status = found["status"]
    assert status["phase"] == "Running"
    assert status["qosClass"] == "Burstable"
    assert [c["type"] for c in status["conditions"]] == [
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
        "PodScheduled",
    ]
    assert all(c["lastTransitionTime"] for c in status["conditions"])
    container = status["containerStatuses"][0]
    assert container["image"] == "docker.io/library/nginx:1.27"
    assert container["imageID"].startswith("docker.io/library/nginx@sha256:")
    assert container["containerID"].startswith("containerd://")
    assert container["started"] is True
    assert container["state"]["running"]["startedAt"]
    node = cluster.get("Node", found["spec"]["nodeName"])
    assert node is not None
    assert status["hostIP"] == node["status"]["addresses"][0]["address"]
    network = ipaddress.ip_network(node["spec"]["podCIDR"])
    assert ipaddress.ip_address(status["podIP"]) in network
    reasons = [e["reason"] for e in _events(cluster, "web")]
    assert reasons == ["Scheduled", "Pulling", "Pulled", "Created", "Started"]


async def test_crash_loop_backs_off(cluster: SimulatedCluster) -> None:
    cluster.create(pod("crashy", behaviour(behavior="crash-loop", run_seconds="1")))
    await cluster.wait_for(lambda: _waiting(cluster, "crashy") == "CrashLoopBackOff")
    for _ in range(3):
        cluster.clock.advance(300)
        await cluster.wait_for(lambda: _container(cluster, "crashy").get("restartCount", 0) >= 3)
    container = _container(cluster, "crashy")
    last = container["lastState"]["terminated"]
    assert last["exitCode"] == 1
    assert last["reason"] == "Error"
    await cluster.wait_for(lambda: _waiting(cluster, "crashy") == "CrashLoopBackOff")
    message = _container(cluster, "crashy")["state"]["waiting"]["message"]
    assert (
        message.startswith("back-off ")
        and "restarting failed container=main pod=crashy_default(" in message
    )
    assert "BackOff" in {e["reason"] for e in _events(cluster, "crashy")}


async def test_oom_kill(cluster: SimulatedCluster) -> None:
    cluster.create(
        pod(
            "hungry",
            behaviour(behavior="oom-kill", run_seconds="1"),
            resources={"limits": {"memory": "128Mi"}},
        )
    )
    await cluster.wait_for(
        lambda: (
            (_container(cluster, "hungry").get("lastState") or {})
            .get("terminated", {})
            .get("reason")
            == "OOMKilled"
        )
    )
    assert _container(cluster, "hungry")["lastState"]["terminated"]["exitCode"] == 137


async def test_image_pull_failure(cluster: SimulatedCluster) -> None:
    cluster.create(pod("broken", behaviour(behavior="image-pull-error"), image="nginx:nope"))
    await cluster.wait_for(lambda: _waiting(cluster, "broken") == "ErrImagePull")
    await cluster.wait_for(lambda: _waiting(cluster, "broken") == "ImagePullBackOff")
    container = _container(cluster, "broken")
    assert container["imageID"] == ""
    assert container["state"]["waiting"]["message"] == 'Back-off pulling image "nginx:nope"'
    failures = [e["message"] for e in _events(cluster, "broken") if e["reason"] == "Failed"]
    assert any(
        m.startswith('Failed to pull image "nginx:nope": rpc error: code = NotFound')
        for m in failures
    )
    assert _pod(cluster, "broken")["status"]["phase"] == "Pending"


async def test_config_error(cluster: SimulatedCluster) -> None:
    cluster.create(workload("Deployment", "api", behaviour(behavior="config-error"), replicas=1))
    await cluster.wait_for(
        lambda: any(
            (p["status"].get("containerStatuses") or [{}])[0]
            .get("state", {})
            .get("waiting", {})
            .get("reason")
            == "CreateContainerConfigError"
            for p in cluster.list_objects("Pod")
        )
    )
    waiting = cluster.list_objects("Pod")[0]["status"]["containerStatuses"][0]["state"]["waiting"]
    assert waiting["message"] == 'configmap "api-config" not found'


async def test_unschedulable_pods_get_the_schedulers_message(cluster: SimulatedCluster) -> None:
    cluster.create(pod("forced", behaviour(behavior="unschedulable")))
    cluster.create(pod("huge", resources={"requests": {"memory": "512Gi"}}))
    expected = (
        "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: "
        "3 No preemption victims found for incoming pod."
    )
    for name in ("forced", "huge"):
        await cluster.wait_for(partial(_has_message, cluster, name, expected))
        assert [e["message"] for e in _events(cluster, name)] == [expected]
        assert _events(cluster, name)[0]["type"] == "Warning"
    cluster.add_node("big-1", memory="1Ti")
    await cluster.wait_for(lambda: _pod(cluster, "huge")["spec"].get("nodeName") == "big-1")
    assert _pod(cluster, "forced")["spec"].get("nodeName") is None


def _has_message(cluster: SimulatedCluster, name: str, expected: str) -> bool:
    return _scheduled_message(cluster, name) == expected


def _scheduled_message(cluster: SimulatedCluster, name: str) -> str:
    for condition in _pod(cluster, name)["status"].get("conditions") or ():
        if condition["type"] == "PodScheduled" and condition["status"] == "False":
            assert condition["reason"] == "Unschedulable"
            return str(condition["message"])
    return ""


async def test_slow_readiness_and_exit_codes(cluster: SimulatedCluster) -> None:
    cluster.create(pod("slow", behaviour(ready_after_seconds="60")))
    cluster.create(
        pod(
            "quitter",
            behaviour(behavior="exit", exit_code="3", run_seconds="5"),
            restartPolicy="Never",
        )
    )
    await cluster.wait_for(lambda: _pod(cluster, "slow")["status"].get("phase") == "Running")
    assert not _ready(cluster, "slow")
    cluster.clock.advance(60)
    await cluster.wait_for(lambda: _ready(cluster, "slow"))
    await cluster.wait_for(lambda: _pod(cluster, "quitter")["status"].get("phase") == "Failed")
    terminated = _container(cluster, "quitter")["state"]["terminated"]
    assert terminated["exitCode"] == 3
    assert terminated["reason"] == "Error"


async def test_not_ready_node_and_recovery(cluster: SimulatedCluster) -> None:
    cluster.create(
        workload(
            "Deployment",
            "web",
            replicas=1,
            pod={"nodeSelector": {"kubernetes.io/hostname": "sim-1-node-1"}},
        )
    )
    await cluster.wait_for(
        lambda: any(_ready(cluster, p["metadata"]["name"]) for p in cluster.list_objects("Pod"))
    )
    name = cluster.list_objects("Pod")[0]["metadata"]["name"]
    cluster.set_node_state("sim-1-node-1", NodeState.NOT_READY)
    await cluster.wait_for(lambda: not _ready(cluster, name))
    cluster.set_node_state("sim-1-node-1", NodeState.READY)
    await cluster.wait_for(lambda: _ready(cluster, name))


async def test_unreachable_node_loses_its_pods(cluster: SimulatedCluster) -> None:
    cluster.create(
        workload(
            "Deployment",
            "web",
            replicas=1,
            pod={"nodeSelector": {"kubernetes.io/hostname": "sim-1-node-2"}},
        )
    )
    await cluster.wait_for(
        lambda: any(_ready(cluster, p["metadata"]["name"]) for p in cluster.list_objects("Pod"))
    )
    name = cluster.list_objects("Pod")[0]["metadata"]["name"]
    node = cluster.set_node_state("sim-1-node-2", NodeState.UNREACHABLE)
    assert {c["status"] for c in node["status"]["conditions"]} == {"Unknown"}
    cluster.clock.advance(301)
    await cluster.wait_for(lambda: _pod(cluster, name)["status"].get("reason") == "NodeLost")
    lost = _pod(cluster, name)
    assert lost["status"]["phase"] == "Unknown"
    assert lost["metadata"]["deletionTimestamp"]
    assert "TaintManagerEviction" in {e["reason"] for e in _events(cluster, name)}
    cluster.set_node_state("sim-1-node-2", NodeState.READY)
    await cluster.wait_for(lambda: cluster.get("Pod", name) is None)
    await cluster.wait_for(
        lambda: any(_ready(cluster, p["metadata"]["name"]) for p in cluster.list_objects("Pod"))
    )
