"""The custom workload controllers: who owns what, with which labels, and the status
fields each project documents, read back over HTTP as a gateway would read them."""

from __future__ import annotations

from functools import partial
from typing import Any

import aiohttp

from simcluster.cluster import SimulatedCluster
from simcluster.crds import install_workload_crds

from .crdobjects import cloneset, pytorch_job, rollout, virtual_machine
from .helpers import get_json
from .objects import behaviour

ROLLOUTS = "/apis/argoproj.io/v1alpha1/namespaces/default/rollouts"
VMS = "/apis/kubevirt.io/v1/namespaces/default/virtualmachines"


def _status(cluster: SimulatedCluster, kind: str, name: str) -> dict[str, Any]:
    found = cluster.get(kind, name) or {}
    status: dict[str, Any] = found.get("status") or {}
    return status


def _has(cluster: SimulatedCluster, kind: str, name: str, field: str, value: object) -> bool:
    return _status(cluster, kind, name).get(field) == value


def _controller(obj: dict[str, Any]) -> dict[str, Any]:
    refs = [r for r in obj["metadata"].get("ownerReferences") or () if r.get("controller")]
    assert len(refs) == 1, obj["metadata"]
    return dict(refs[0])


def _pods(cluster: SimulatedCluster, prefix: str) -> list[dict[str, Any]]:
    return [p for p in cluster.list_objects("Pod") if p["metadata"]["name"].startswith(prefix)]


async def test_a_rollout_owns_replicasets_whose_pods_make_it_healthy(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    install_workload_crds(cluster)
    cluster.create(rollout("web", replicas=2))
    await cluster.wait_for(partial(_has, cluster, "Rollout", "web", "phase", "Healthy"))
    found = await get_json(http, f"{ROLLOUTS}/web")
    status = found["status"]
    digest = status["currentPodHash"]
    assert status["stableRS"] == digest
    assert status["observedGeneration"] == "1"
    for field in ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas"):
        assert status[field] == 2, field
    assert status["selector"] == "app=web"
    assert status["canary"] == {}
    conditions = {c["type"]: (c["status"], c["reason"]) for c in status["conditions"]}
    assert conditions["Progressing"] == ("True", "NewReplicaSetAvailable")
    assert conditions["Available"] == ("True", "AvailableReason")
    assert conditions["Healthy"] == ("True", "RolloutHealthy")
    [replica_set] = cluster.list_objects("ReplicaSet")
    assert replica_set["metadata"]["name"] == f"web-{digest}"
    assert replica_set["metadata"]["labels"]["rollouts-pod-template-hash"] == digest
    owner = _controller(replica_set)
    assert (owner["kind"], owner["apiVersion"], owner["name"]) == (
        "Rollout",
        "argoproj.io/v1alpha1",
        "web",
    )
    assert owner["uid"] == found["metadata"]["uid"]
    pods = _pods(cluster, f"web-{digest}-")
    assert len(pods) == 2
    assert all(_controller(p)["kind"] == "ReplicaSet" for p in pods)
    assert all(p["metadata"]["labels"]["rollouts-pod-template-hash"] == digest for p in pods)


async def test_a_rollout_update_replaces_the_stable_replicaset(cluster: SimulatedCluster) -> None:
    install_workload_crds(cluster)
    created = cluster.create(rollout("web", replicas=2))
    await cluster.wait_for(partial(_has, cluster, "Rollout", "web", "phase", "Healthy"))
    first = _status(cluster, "Rollout", "web")["stableRS"]
    created["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
    cluster.apply(created)
    await cluster.wait_for(
        lambda: (
            _status(cluster, "Rollout", "web").get("stableRS") not in (None, first)
            and _status(cluster, "Rollout", "web").get("phase") == "Healthy"
        )
    )
    status = _status(cluster, "Rollout", "web")
    assert status["observedGeneration"] == "2"
    assert status["currentPodHash"] == status["stableRS"]
    sizes = {
        r["metadata"]["name"]: r["spec"]["replicas"] for r in cluster.list_objects("ReplicaSet")
    }
    assert sizes == {f"web-{first}": 0, f"web-{status['stableRS']}": 2}


async def test_paused_aborted_and_degraded_rollouts(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    install_workload_crds(cluster)
    cluster.create(rollout("held", paused=True))
    cluster.create(
        rollout("crashing", behaviour(behavior="crash-loop"), progressDeadlineSeconds=60)
    )
    await cluster.wait_for(partial(_has, cluster, "Rollout", "held", "phase", "Paused"))
    assert _status(cluster, "Rollout", "held")["message"] == "manually paused"
    await cluster.wait_for(lambda: _pods(cluster, "crashing-"))
    assert _status(cluster, "Rollout", "crashing")["phase"] == "Progressing"
    cluster.clock.advance(120)
    await cluster.wait_for(partial(_has, cluster, "Rollout", "crashing", "phase", "Degraded"))
    status = _status(cluster, "Rollout", "crashing")
    assert status["message"].startswith("ProgressDeadlineExceeded: ")
    progressing = next(c for c in status["conditions"] if c["type"] == "Progressing")
    assert (progressing["status"], progressing["reason"]) == ("False", "ProgressDeadlineExceeded")
    async with http.patch(
        f"{ROLLOUTS}/crashing/status",
        json={"status": {"abort": True}},
        headers={"Content-Type": "application/merge-patch+json"},
    ) as response:
        assert response.status == 200, await response.text()
    await cluster.wait_for(
        lambda: (
            _status(cluster, "Rollout", "crashing").get("message", "").startswith("RolloutAborted")
        )
    )
    assert _status(cluster, "Rollout", "crashing")["phase"] == "Degraded"
    assert "abortedAt" in _status(cluster, "Rollout", "crashing")


async def test_a_cloneset_owns_its_pods_and_recreates_them_on_update(
    cluster: SimulatedCluster,
) -> None:
    install_workload_crds(cluster)
    created = cluster.create(cloneset("cs", replicas=3))
    await cluster.wait_for(partial(_has, cluster, "CloneSet", "cs", "updatedReadyReplicas", 3))
    status = _status(cluster, "CloneSet", "cs")
    revision = status["updateRevision"]
    assert status["currentRevision"] == revision
    assert status["labelSelector"] == "app=cs"
    assert status["observedGeneration"] == 1
    for field in ("replicas", "readyReplicas", "availableReplicas", "updatedReplicas"):
        assert status[field] == 3, field
    pods = _pods(cluster, "cs-")
    assert len(pods) == 3
    assert not cluster.list_objects("ReplicaSet")
    for pod in pods:
        owner = _controller(pod)
        assert (owner["kind"], owner["apiVersion"]) == ("CloneSet", "apps.kruise.io/v1alpha1")
        labels = pod["metadata"]["labels"]
        assert labels["controller-revision-hash"] == revision
        assert pod["metadata"]["name"] == f"cs-{labels['apps.kruise.io/cloneset-instance-id']}"
    created["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
    cluster.apply(created)
    await cluster.wait_for(
        lambda: (
            _status(cluster, "CloneSet", "cs").get("updateRevision") != revision
            and _status(cluster, "CloneSet", "cs").get("updatedReadyReplicas") == 3
            and len([p for p in _pods(cluster, "cs-") if "deletionTimestamp" not in p["metadata"]])
            == 3
        )
    )
    status = _status(cluster, "CloneSet", "cs")
    assert status["currentRevision"] == status["updateRevision"]
    assert status["observedGeneration"] == 2
    cluster.delete("CloneSet", "cs")
    await cluster.wait_for(lambda: not _pods(cluster, "cs-"))


async def test_a_running_vm_owns_a_vmi_that_owns_its_launcher_pod(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    install_workload_crds(cluster)
    cluster.create(virtual_machine("db"))
    cluster.create(virtual_machine("off", run_strategy="Halted"))
    await cluster.wait_for(
        partial(_has, cluster, "VirtualMachine", "db", "printableStatus", "Running")
    )
    vm = await get_json(http, f"{VMS}/db")
    assert vm["status"]["ready"] is True
    assert {c["type"]: c["status"] for c in vm["status"]["conditions"]}["Ready"] == "True"
    vmi = cluster.get("VirtualMachineInstance", "db")
    assert vmi is not None
    owner = _controller(vmi)
    assert (owner["kind"], owner["apiVersion"], owner["uid"]) == (
        "VirtualMachine",
        "kubevirt.io/v1",
        vm["metadata"]["uid"],
    )
    assert vmi["status"]["phase"] == "Running"
    [pod] = _pods(cluster, "virt-launcher-db-")
    assert len(pod["metadata"]["name"]) == len("virt-launcher-db-") + 5
    assert pod["metadata"]["labels"]["kubevirt.io"] == "virt-launcher"
    launcher_owner = _controller(pod)
    assert (launcher_owner["kind"], launcher_owner["uid"]) == (
        "VirtualMachineInstance",
        vmi["metadata"]["uid"],
    )
    assert vmi["status"]["nodeName"] == pod["spec"]["nodeName"]
    assert vmi["status"]["interfaces"][0]["ipAddress"] == pod["status"]["podIP"]
    assert _status(cluster, "VirtualMachine", "off")["printableStatus"] == "Stopped"
    listed = await get_json(http, VMS)
    assert [v["metadata"]["name"] for v in listed["items"]] == ["db", "off"]
    stopped = cluster.get("VirtualMachine", "db")
    assert stopped is not None
    stopped["spec"]["runStrategy"] = "Halted"
    cluster.apply(stopped)
    await cluster.wait_for(
        partial(_has, cluster, "VirtualMachine", "db", "printableStatus", "Stopped")
    )
    await cluster.wait_for(lambda: not _pods(cluster, "virt-launcher-db-"))


async def test_vms_unschedulable_crash_looping_and_failing_to_pull(
    cluster: SimulatedCluster,
) -> None:
    install_workload_crds(cluster)
    cluster.create(virtual_machine("stuck", behaviour(behavior="unschedulable")))
    cluster.create(virtual_machine("crash", behaviour(behavior="crash-loop", run_seconds="2")))
    cluster.create(virtual_machine("pull", behaviour(behavior="image-pull-error")))
    await cluster.wait_for(
        partial(_has, cluster, "VirtualMachine", "stuck", "printableStatus", "ErrorUnschedulable")
    )
    vmi = cluster.get("VirtualMachineInstance", "stuck")
    assert vmi is not None
    assert vmi["status"]["phase"] == "Scheduling"
    scheduled = next(c for c in vmi["status"]["conditions"] if c["type"] == "PodScheduled")
    assert (scheduled["status"], scheduled["reason"]) == ("False", "Unschedulable")
    await cluster.wait_for(
        partial(_has, cluster, "VirtualMachine", "crash", "printableStatus", "CrashLoopBackOff")
    )
    await cluster.wait_for(
        lambda: (
            _status(cluster, "VirtualMachine", "pull").get("printableStatus")
            in ("ErrImagePull", "ImagePullBackOff")
        )
    )
    failure = _status(cluster, "VirtualMachine", "crash")["startFailure"]
    assert failure["consecutiveFailCount"] == 1
    cluster.clock.advance(15)
    await cluster.wait_for(
        lambda: (
            (_status(cluster, "VirtualMachine", "crash").get("startFailure") or {}).get(
                "consecutiveFailCount"
            )
            == 2
        )
    )


async def test_pytorchjob_pods_and_its_failed_condition(cluster: SimulatedCluster) -> None:
    install_workload_crds(cluster)
    cluster.create(
        pytorch_job(
            "train",
            workers=2,
            master=behaviour(behavior="exit", exit_code="3", run_seconds="5"),
            master_policy="Never",
        )
    )
    cluster.create(pytorch_job("quick", workers=0, master=behaviour(run_seconds="3")))
    await cluster.wait_for(lambda: len(_pods(cluster, "train-")) == 3)
    names = sorted(p["metadata"]["name"] for p in _pods(cluster, "train-"))
    assert names == ["train-master-0", "train-worker-0", "train-worker-1"]
    for pod in _pods(cluster, "train-"):
        labels = pod["metadata"]["labels"]
        assert labels["training.kubeflow.org/job-name"] == "train"
        kind = pod["metadata"]["name"].split("-")[1]
        assert labels["training.kubeflow.org/replica-type"] == kind
        owner = _controller(pod)
        assert (owner["kind"], owner["apiVersion"]) == ("PyTorchJob", "kubeflow.org/v1")
    await cluster.wait_for(partial(_condition_is, cluster, "train", "Running", "True"))
    await cluster.wait_for(partial(_condition_is, cluster, "train", "Failed", "True"))
    status = _status(cluster, "PyTorchJob", "train")
    failed = next(c for c in status["conditions"] if c["type"] == "Failed")
    assert failed["reason"] == "PyTorchJobFailed"
    assert failed["message"] == (
        "PyTorchJob default/train has failed because 1 Master replica(s) failed."
    )
    assert status["replicaStatuses"]["Master"] == {"failed": 1}
    assert "completionTime" in status
    assert status["startTime"] <= status["completionTime"]
    await cluster.wait_for(partial(_condition_is, cluster, "quick", "Succeeded", "True"))
    assert _status(cluster, "PyTorchJob", "quick")["replicaStatuses"] == {
        "Master": {"succeeded": 1}
    }
    created = next(
        c for c in _status(cluster, "PyTorchJob", "quick")["conditions"] if c["type"] == "Created"
    )
    assert created["reason"] == "PyTorchJobCreated"


def _condition_is(cluster: SimulatedCluster, name: str, kind: str, value: str) -> bool:
    conditions = _status(cluster, "PyTorchJob", name).get("conditions") or ()
    return any(c["type"] == kind and c["status"] == value for c in conditions)


async def test_deleting_a_namespace_or_an_owner_takes_the_custom_objects_along(
    cluster: SimulatedCluster,
) -> None:
    install_workload_crds(cluster)
    cluster.create(cloneset("cs", namespace="doomed"))
    cluster.create(rollout("web", namespace="default"))
    await cluster.wait_for(lambda: len(cluster.list_objects("Pod")) == 2)
    cluster.delete("Namespace", "doomed")
    cluster.delete("Rollout", "web", propagation="Foreground")
    await cluster.wait_for(lambda: cluster.get("Namespace", "doomed") is None)
    await cluster.wait_for(lambda: cluster.get("Rollout", "web") is None)
    assert cluster.list_objects("CloneSet", "doomed") == []
    await cluster.wait_for(lambda: not cluster.list_objects("Pod"))
    assert cluster.list_objects("ReplicaSet") == []
