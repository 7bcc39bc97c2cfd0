"""The workload controllers move objects as the real ones would: rollouts within their
surge and unavailability budgets, ordered StatefulSets, one daemon per node, Jobs to
completion, CronJobs on schedule."""

from __future__ import annotations

from functools import partial
from typing import Any

from simcluster.cluster import SimulatedCluster
from simcluster.resources import PODS
from simcluster.store import Change

from .objects import behaviour, cronjob, job, workload


def _pods(cluster: SimulatedCluster, prefix: str = "") -> list[dict[str, Any]]:
    return [p for p in cluster.list_objects("Pod") if p["metadata"]["name"].startswith(prefix)]


def _active(pods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        p
        for p in pods
        if "deletionTimestamp" not in p["metadata"]
        and p["status"].get("phase") not in ("Succeeded", "Failed")
    ]


def _ready(pod: dict[str, Any]) -> bool:
    return any(
        c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", ())
    )


def _status(cluster: SimulatedCluster, kind: str, name: str) -> dict[str, Any]:
    found = cluster.get(kind, name)
    assert found is not None
    status: dict[str, Any] = found.get("status") or {}
    return status


def _ran_after(cluster: SimulatedCluster, before: str | None) -> bool:
    """The CronJob "tick" was scheduled again since ``before`` and that run succeeded."""
    status = _status(cluster, "CronJob", "tick")
    scheduled = status.get("lastScheduleTime")
    return scheduled != before and status.get("lastSuccessfulTime", "") >= scheduled


def _jobs(cluster: SimulatedCluster, prefix: str) -> list[dict[str, Any]]:
    return [j for j in cluster.list_objects("Job") if j["metadata"]["name"].startswith(prefix)]


def _image(cluster: SimulatedCluster, prefix: str, image: str) -> bool:
    active = _active(_pods(cluster, prefix))
    return bool(active) and all(p["spec"]["containers"][0]["image"] == image for p in active)


async def test_rolling_update_stays_within_surge_and_unavailability(
    cluster: SimulatedCluster,
) -> None:
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    cluster.create(
        workload(
            "Deployment", "web", behaviour(ready_after_seconds="3"), replicas=4, strategy=strategy
        )
    )
    await cluster.wait_for(
        lambda: _status(cluster, "Deployment", "web").get("availableReplicas") == 4
    )
    worst = {"most": 0, "fewest_ready": 4}

    def measure(change: Change) -> None:
        if change.obj.resource is PODS:
            pods = _active(_pods(cluster, "web-"))
            worst["most"] = max(worst["most"], len(pods))
            worst["fewest_ready"] = min(worst["fewest_ready"], sum(1 for p in pods if _ready(p)))

    cluster.store.add_listener(measure)
    deployment = cluster.get("Deployment", "web")
    assert deployment is not None
    deployment["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
    cluster.apply(deployment)
    await cluster.wait_for(
        lambda: (
            _image(cluster, "web-", "nginx:1.28")
            and _status(cluster, "Deployment", "web").get("availableReplicas") == 4
            and _status(cluster, "Deployment", "web").get("updatedReplicas") == 4
            and _status(cluster, "Deployment", "web").get("replicas") == 4
        )
    )
    assert worst == {"most": 5, "fewest_ready": 4}
    final = cluster.get("Deployment", "web")
    assert final is not None
    assert final["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    assert final["status"]["observedGeneration"] == final["metadata"]["generation"] == 2
    conditions = {c["type"]: c for c in final["status"]["conditions"]}
    assert conditions["Available"]["status"] == "True"
    assert conditions["Progressing"]["reason"] == "NewReplicaSetAvailable"
    replica_sets = {
        rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: rs["spec"]["replicas"]
        for rs in cluster.list_objects("ReplicaSet")
    }
    assert replica_sets == {"1": 0, "2": 4}


async def test_recreate_empties_the_old_replica_set_first(cluster: SimulatedCluster) -> None:
    cluster.create(workload("Deployment", "db", replicas=2, strategy={"type": "Recreate"}))
    await cluster.wait_for(lambda: _status(cluster, "Deployment", "db").get("readyReplicas") == 2)
    overlap = []

    def measure(change: Change) -> None:
        if change.obj.resource is PODS:
            images = {p["spec"]["containers"][0]["image"] for p in _pods(cluster, "db-")}
            if len(images) > 1:
                overlap.append(images)

    cluster.store.add_listener(measure)
    deployment = cluster.get("Deployment", "db")
    assert deployment is not None
    deployment["spec"]["template"]["spec"]["containers"][0]["image"] = "postgres:17"
    cluster.apply(deployment)
    await cluster.wait_for(lambda: _image(cluster, "db-", "postgres:17"))
    assert overlap == []


async def test_paused_deployments_do_not_roll_out(cluster: SimulatedCluster) -> None:
    cluster.create(workload("Deployment", "web", replicas=1))
    await cluster.wait_for(lambda: _status(cluster, "Deployment", "web").get("readyReplicas") == 1)
    deployment = cluster.get("Deployment", "web")
    assert deployment is not None
    deployment["spec"]["paused"] = True
    deployment["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
    cluster.apply(deployment)
    await cluster.wait_for(
        lambda: any(
            c["reason"] == "DeploymentPaused"
            for c in _status(cluster, "Deployment", "web").get("conditions", ())
        )
    )
    assert len(cluster.list_objects("ReplicaSet")) == 1
    deployment = cluster.get("Deployment", "web")
    assert deployment is not None
    deployment["spec"]["paused"] = False
    cluster.apply(deployment)
    await cluster.wait_for(lambda: _image(cluster, "web-", "nginx:1.28"))


async def test_statefulset_starts_pods_in_order(cluster: SimulatedCluster) -> None:
    early: list[str] = []

    def measure(change: Change) -> None:
        if change.obj.resource is PODS and change.old is None:
            ordinal = int(change.obj.name.rsplit("-", 1)[1])
            for lower in range(ordinal):
                found = cluster.get("Pod", f"db-{lower}")
                if found is None or not _ready(found):
                    early.append(change.obj.name)

    cluster.store.add_listener(measure)
    cluster.create(workload("StatefulSet", "db", behaviour(ready_after_seconds="2"), replicas=3))
    await cluster.wait_for(lambda: _status(cluster, "StatefulSet", "db").get("readyReplicas") == 3)
    assert early == []
    pod = cluster.get("Pod", "db-2")
    assert pod is not None
    assert pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] == "db-2"
    assert pod["spec"]["hostname"] == "db-2"
    status = _status(cluster, "StatefulSet", "db")
    assert status["currentRevision"] == status["updateRevision"]


async def test_statefulset_partition_and_on_delete(cluster: SimulatedCluster) -> None:
    partition = {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}
    cluster.create(workload("StatefulSet", "db", replicas=3, updateStrategy=partition))
    await cluster.wait_for(lambda: _status(cluster, "StatefulSet", "db").get("readyReplicas") == 3)
    sts = cluster.get("StatefulSet", "db")
    assert sts is not None
    sts["spec"]["template"]["spec"]["containers"][0]["image"] = "postgres:17"
    cluster.apply(sts)
    await cluster.wait_for(
        lambda: (
            _status(cluster, "StatefulSet", "db").get("updatedReplicas") == 1
            and _status(cluster, "StatefulSet", "db").get("readyReplicas") == 3
        )
    )
    images = {p["metadata"]["name"]: p["spec"]["containers"][0]["image"] for p in _pods(cluster)}
    assert images == {"db-0": "nginx:1.27", "db-1": "nginx:1.27", "db-2": "postgres:17"}
    sts = cluster.get("StatefulSet", "db")
    assert sts is not None
    sts["spec"]["updateStrategy"] = {"type": "OnDelete"}
    sts["spec"]["template"]["spec"]["containers"][0]["image"] = "postgres:18"
    cluster.apply(sts)
    cluster.delete("Pod", "db-0")
    await cluster.wait_for(
        lambda: (
            (cluster.get("Pod", "db-0") or {})
            .get("spec", {})
            .get("containers", [{}])[0]
            .get("image")
            == "postgres:18"
        )
    )
    assert cluster.get("Pod", "db-1")["spec"]["containers"][0]["image"] == "nginx:1.27"  # type: ignore[index]


async def test_daemonset_runs_one_pod_per_matching_node(cluster: SimulatedCluster) -> None:
    cluster.create(workload("DaemonSet", "agent"))
    await cluster.wait_for(lambda: _status(cluster, "DaemonSet", "agent").get("numberReady") == 3)
    nodes = sorted(
        p["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
            "nodeSelectorTerms"
        ][0]["matchFields"][0]["values"][0]
        for p in _pods(cluster, "agent-")
    )
    assert nodes == ["sim-1-node-1", "sim-1-node-2", "sim-1-node-3"]
    cluster.add_node("sim-1-node-4")
    await cluster.wait_for(lambda: _status(cluster, "DaemonSet", "agent").get("numberReady") == 4)
    cluster.add_node("gpu-1", labels={"gpu": "yes"})
    cluster.create(workload("DaemonSet", "gpu-driver", pod={"nodeSelector": {"gpu": "yes"}}))
    await cluster.wait_for(
        lambda: _status(cluster, "DaemonSet", "gpu-driver").get("numberReady") == 1
    )
    assert [p["spec"]["nodeName"] for p in _pods(cluster, "gpu-driver-")] == ["gpu-1"]
    ds = cluster.get("DaemonSet", "agent")
    assert ds is not None
    ds["spec"]["template"]["spec"]["containers"][0]["image"] = "agent:2"
    cluster.apply(ds)
    await cluster.wait_for(
        lambda: (
            _image(cluster, "agent-", "agent:2")
            and _status(cluster, "DaemonSet", "agent").get("updatedNumberScheduled") == 5
            and _status(cluster, "DaemonSet", "agent").get("numberReady") == 5
        )
    )


async def test_job_parallelism_and_completions(cluster: SimulatedCluster) -> None:
    most = [0]

    def measure(change: Change) -> None:
        if change.obj.resource is PODS:
            most[0] = max(most[0], len(_active(_pods(cluster, "batch-"))))

    cluster.store.add_listener(measure)
    cluster.create(job("batch", behaviour(run_seconds="2"), parallelism=2, completions=5))
    await cluster.wait_for(lambda: _status(cluster, "Job", "batch").get("succeeded") == 5)
    status = _status(cluster, "Job", "batch")
    assert most[0] == 2
    assert {c["type"] for c in status["conditions"]} == {"SuccessCriteriaMet", "Complete"}
    assert status["completionTime"] >= status["startTime"]
    assert all("finalizers" not in p["metadata"] for p in _pods(cluster, "batch-"))


async def test_indexed_job_completes_every_index(cluster: SimulatedCluster) -> None:
    cluster.create(
        job(
            "shard",
            behaviour(run_seconds="1"),
            parallelism=3,
            completions=4,
            completionMode="Indexed",
        )
    )
    await cluster.wait_for(
        lambda: _status(cluster, "Job", "shard").get("completedIndexes") == "0-3"
    )
    indexes = sorted(
        p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]
        for p in _pods(cluster, "shard-")
    )
    assert indexes == ["0", "1", "2", "3"]


async def test_job_backoff_limit_with_restarts(cluster: SimulatedCluster) -> None:
    cluster.create(
        job(
            "flaky",
            behaviour(behavior="exit", run_seconds="1"),
            backoffLimit=2,
            restartPolicy="OnFailure",
        )
    )
    await cluster.wait_for(
        lambda: any(
            c["type"] == "Failed" for c in _status(cluster, "Job", "flaky").get("conditions", ())
        ),
        within=30,
    )
    failed = next(
        c for c in _status(cluster, "Job", "flaky")["conditions"] if c["type"] == "Failed"
    )
    assert failed["reason"] == "BackoffLimitExceeded"
    await cluster.wait_for(lambda: not _active(_pods(cluster, "flaky-")))


async def test_job_suspend_deadline_and_ttl(cluster: SimulatedCluster) -> None:
    cluster.create(job("later", suspend=True))
    await cluster.wait_for(
        lambda: any(
            c["type"] == "Suspended" for c in _status(cluster, "Job", "later").get("conditions", ())
        )
    )
    assert _pods(cluster, "later-") == []
    later = cluster.get("Job", "later")
    assert later is not None
    later["spec"]["suspend"] = False
    cluster.apply(later)
    await cluster.wait_for(lambda: _status(cluster, "Job", "later").get("succeeded") == 1)
    cluster.create(
        job(
            "slow",
            behaviour(run_seconds="100000"),
            activeDeadlineSeconds=5,
            ttlSecondsAfterFinished=10,
        )
    )
    await cluster.wait_for(
        lambda: any(
            c.get("reason") == "DeadlineExceeded"
            for c in _status(cluster, "Job", "slow").get("conditions", ())
        )
    )
    await cluster.wait_for(lambda: cluster.get("Job", "slow") is None)


async def test_cronjob_schedule_concurrency_and_history(cluster: SimulatedCluster) -> None:
    cluster.create(
        cronjob(
            "tick",
            "* * * * *",
            behaviour(run_seconds="1"),
            successfulJobsHistoryLimit=1,
        )
    )
    cluster.create(
        cronjob(
            "exclusive", "* * * * *", behaviour(run_seconds="100000"), concurrencyPolicy="Forbid"
        )
    )
    runs = set()
    for _ in range(3):
        before = _status(cluster, "CronJob", "tick").get("lastScheduleTime")
        cluster.clock.advance(60)
        await cluster.wait_for(partial(_ran_after, cluster, before))
        runs.add(_status(cluster, "CronJob", "tick")["lastScheduleTime"])
    assert len(runs) == 3
    await cluster.wait_for(lambda: len(_jobs(cluster, "tick-")) == 1)
    assert len(_jobs(cluster, "exclusive-")) == 1
    reasons = {e["reason"] for e in cluster.list_objects("Event")}
    assert {
        "SuccessfulCreate",
        "SawCompletedJob",
        "SuccessfulDelete",
        "JobAlreadyActive",
    } <= reasons
    status = _status(cluster, "CronJob", "tick")
    assert status["lastSuccessfulTime"] >= status["lastScheduleTime"]
    job_ = cluster.list_objects("Job")[0]
    assert job_["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    assert "batch.kubernetes.io/cronjob-scheduled-timestamp" in job_["metadata"]["annotations"]
