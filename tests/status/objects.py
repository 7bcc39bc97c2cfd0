"""Realistic Kubernetes objects for the status tests, shaped as ``kubectl get -o yaml`` prints them.

Each builder returns a complete object (metadata with uid and ownerReferences, full
spec, status with conditions and container statuses) so tests exercise the same
shapes a cluster produces; ``merge`` applies overrides, with ``None`` deleting a key.
Times are minutes before ``NOW`` so every test reads as "this happened N minutes ago".
"""

from __future__ import annotations

import copy
import hashlib
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

Obj = dict[str, Any]

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
IMAGE = "registry.example.com/shop/web:2.4.1"


def ts(minutes_ago: float) -> str:
    """An RFC 3339 timestamp, as the API server writes it, ``minutes_ago`` before NOW."""
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def uid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


def image_id(image: str) -> str:
    """The resolved ``repo@sha256:...`` the kubelet reports, stable per image."""
    repository = image.partition(":")[0]
    return f"{repository}@sha256:{hashlib.sha256(image.encode()).hexdigest()}"


def container_id(*parts: str) -> str:
    return "containerd://" + hashlib.sha256("/".join(parts).encode()).hexdigest()


def merge(base: Obj, overrides: Mapping[str, Any] | None) -> Obj:
    """Deep-merge ``overrides`` into a copy of ``base``; a ``None`` value removes the key."""
    result = copy.deepcopy(base)
    for key, value in (overrides or {}).items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def condition(
    kind: str, status: str = "True", minutes_ago: float = 60, reason: str = "", message: str = ""
) -> Obj:
    found: Obj = {"type": kind, "status": status, "lastTransitionTime": ts(minutes_ago)}
    if reason:
        found["reason"] = reason
    if message:
        found["message"] = message
    return found


def workload_condition(
    kind: str, status: str = "True", minutes_ago: float = 60, reason: str = "", message: str = ""
) -> Obj:
    """Deployment and Job conditions also carry lastUpdateTime / lastProbeTime."""
    found = condition(kind, status, minutes_ago, reason, message)
    found["lastUpdateTime"] = ts(minutes_ago)
    return found


def owner(kind: str, name: str, namespace: str = "shop") -> Obj:
    api = {"ReplicaSet": "apps/v1", "Job": "batch/v1", "CronJob": "batch/v1"}.get(kind, "apps/v1")
    return {
        "apiVersion": api,
        "kind": kind,
        "name": name,
        "uid": uid(namespace, kind, name),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def metadata(
    kind: str,
    name: str,
    namespace: str = "shop",
    *,
    minutes_ago: float = 600,
    generation: int | None = 1,
    labels: Mapping[str, str] | None = None,
    owned_by: Obj | None = None,
) -> Obj:
    meta: Obj = {
        "name": name,
        "namespace": namespace,
        "uid": uid(namespace, kind, name),
        "resourceVersion": str(100000 + len(name) * 37),
        "creationTimestamp": ts(minutes_ago),
        "labels": dict(labels or {"app.kubernetes.io/name": name}),
    }
    if generation is not None:
        meta["generation"] = generation
    if owned_by is not None:
        meta["ownerReferences"] = [owned_by]
    return meta


# --- containers -------------------------------------------------------------------------


def container_spec(
    name: str = "web",
    image: str = IMAGE,
    *,
    memory: str = "256Mi",
    cpu: str = "100m",
    restart_policy: str | None = None,
) -> Obj:
    spec: Obj = {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "resources": {
            "requests": {"cpu": cpu, "memory": memory},
            "limits": {"memory": memory},
        },
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }
    if restart_policy is not None:
        spec["restartPolicy"] = restart_policy
    return spec


def running(
    name: str = "web",
    *,
    ready: bool = True,
    started_minutes_ago: float = 120,
    restarts: int = 0,
    last: Obj | None = None,
    image: str = IMAGE,
) -> Obj:
    return {
        "name": name,
        "image": image,
        "imageID": image_id(image),
        "containerID": container_id(name, image, str(started_minutes_ago)),
        "ready": ready,
        "started": True,
        "restartCount": restarts,
        "state": {"running": {"startedAt": ts(started_minutes_ago)}},
        "lastState": {"terminated": last} if last is not None else {},
    }


def terminated_state(
    exit_code: int = 1,
    reason: str | None = "Error",
    *,
    minutes_ago: float = 3,
    message: str | None = None,
    signal: int | None = None,
) -> Obj:
    state: Obj = {
        "exitCode": exit_code,
        "startedAt": ts(minutes_ago + 1),
        "finishedAt": ts(minutes_ago),
        "containerID": container_id(str(exit_code), str(minutes_ago)),
    }
    if reason is not None:
        state["reason"] = reason
    if message is not None:
        state["message"] = message
    if signal is not None:
        state["signal"] = signal
    return state


def waiting(
    name: str = "web",
    reason: str = "CrashLoopBackOff",
    message: str | None = None,
    *,
    restarts: int = 0,
    last: Obj | None = None,
    image: str = IMAGE,
) -> Obj:
    state: Obj = {"reason": reason}
    if message is not None:
        state["message"] = message
    found: Obj = {
        "name": name,
        "image": image,
        "imageID": image_id(image) if last is not None else "",
        "ready": False,
        "started": False,
        "restartCount": restarts,
        "state": {"waiting": state},
        "lastState": {"terminated": last} if last is not None else {},
    }
    return found


def terminated(
    name: str = "web",
    exit_code: int = 0,
    reason: str | None = "Completed",
    *,
    minutes_ago: float = 3,
    message: str | None = None,
    signal: int | None = None,
    restarts: int = 0,
    image: str = IMAGE,
) -> Obj:
    return {
        "name": name,
        "image": image,
        "imageID": image_id(image),
        "ready": False,
        "started": False,
        "restartCount": restarts,
        "state": {
            "terminated": terminated_state(
                exit_code, reason, minutes_ago=minutes_ago, message=message, signal=signal
            )
        },
        "lastState": {},
    }


def crash_loop(
    name: str = "web",
    *,
    exit_code: int = 1,
    reason: str = "Error",
    restarts: int = 6,
    message: str | None = None,
) -> Obj:
    return waiting(
        name,
        "CrashLoopBackOff",
        f"back-off 5m0s restarting failed container={name} pod=web-7d9f8b6c5d-x2x9z_shop",
        restarts=restarts,
        last=terminated_state(exit_code, reason, minutes_ago=2, message=message),
    )


# --- pods -------------------------------------------------------------------------------


def pod_conditions(
    *,
    ready: bool = True,
    minutes_ago: float = 110,
    initialized: bool = True,
    scheduled: bool = True,
    ready_reason: str = "ContainersNotReady",
    ready_message: str = "containers with unready status: [web]",
) -> list[Obj]:
    found = [
        condition("PodReadyToStartContainers", "True", minutes_ago + 0.2),
        condition("Initialized", "True" if initialized else "False", minutes_ago + 0.2),
    ]
    if ready:
        found.append(condition("Ready", "True", minutes_ago))
        found.append(condition("ContainersReady", "True", minutes_ago))
    else:
        found.append(condition("Ready", "False", minutes_ago, ready_reason, ready_message))
        found.append(
            condition("ContainersReady", "False", minutes_ago, ready_reason, ready_message)
        )
    found.append(condition("PodScheduled", "True" if scheduled else "False", minutes_ago + 0.3))
    return found


def pod(
    name: str = "web-7d9f8b6c5d-x2x9z",
    *,
    namespace: str = "shop",
    node: str | None = "worker-1",
    owned_by: Obj | None = None,
    labels: Mapping[str, str] | None = None,
    containers: Sequence[Obj] | None = None,
    statuses: Sequence[Obj] | None = None,
    init_containers: Sequence[Obj] | None = None,
    init_statuses: Sequence[Obj] | None = None,
    phase: str = "Running",
    conditions: Sequence[Obj] | None = None,
    minutes_ago: float = 120,
    overrides: Mapping[str, Any] | None = None,
) -> Obj:
    """A running, ready pod of a ReplicaSet unless told otherwise."""
    if owned_by is None:
        owned_by = owner("ReplicaSet", "web-7d9f8b6c5d", namespace)
    spec_containers = list(containers) if containers is not None else [container_spec()]
    if statuses is None:
        statuses = [
            running(c["name"], image=c["image"], started_minutes_ago=minutes_ago - 0.15)
            for c in spec_containers
        ]
    meta = metadata(
        "Pod",
        name,
        namespace,
        minutes_ago=minutes_ago,
        generation=None,
        labels=labels or {"app": "web", "pod-template-hash": "7d9f8b6c5d"},
        owned_by=owned_by,
    )
    meta["generateName"] = name.rsplit("-", 1)[0] + "-"
    spec: Obj = {
        "containers": spec_containers,
        "dnsPolicy": "ClusterFirst",
        "enableServiceLinks": True,
        "preemptionPolicy": "PreemptLowerPriority",
        "priority": 0,
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {},
        "serviceAccount": "default",
        "serviceAccountName": "default",
        "terminationGracePeriodSeconds": 30,
        "tolerations": [
            {
                "effect": "NoExecute",
                "key": "node.kubernetes.io/not-ready",
                "operator": "Exists",
                "tolerationSeconds": 300,
            },
            {
                "effect": "NoExecute",
                "key": "node.kubernetes.io/unreachable",
                "operator": "Exists",
                "tolerationSeconds": 300,
            },
        ],
    }
    if node is not None:
        spec["nodeName"] = node
    if init_containers is not None:
        spec["initContainers"] = list(init_containers)
    status: Obj = {
        "phase": phase,
        "conditions": list(conditions)
        if conditions is not None
        else pod_conditions(minutes_ago=max(minutes_ago - 0.3, 0)),
        "qosClass": "Burstable",
    }
    if node is not None:
        status.update(
            {
                "hostIP": "10.0.1.11",
                "hostIPs": [{"ip": "10.0.1.11"}],
                "podIP": "10.244.1.23",
                "podIPs": [{"ip": "10.244.1.23"}],
                "startTime": ts(minutes_ago - 0.1),
                "containerStatuses": list(statuses),
            }
        )
    if init_statuses is not None:
        status["initContainerStatuses"] = list(init_statuses)
    found: Obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": spec,
        "status": status,
    }
    return merge(found, overrides)


def standalone_pod(name: str = "gpu-trainer", **kwargs: Any) -> Obj:
    """A pod of no workload, as ``kubectl run`` makes it: no owner, labelled ``run=<name>``."""
    kwargs.setdefault("labels", {"run": name})
    found = pod(name, **kwargs)
    del found["metadata"]["ownerReferences"]
    del found["metadata"]["generateName"]
    return found


def pending_pod(
    name: str = "web-7d9f8b6c5d-q8wbn",
    *,
    message: str = "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are "
    "available: 3 No preemption victims found for incoming pod.",
    minutes_ago: float = 30,
    reason: str = "Unschedulable",
    **kwargs: Any,
) -> Obj:
    """A pod the scheduler cannot place, with the scheduler's own words."""
    found = pod(
        name,
        node=None,
        minutes_ago=minutes_ago,
        phase="Pending",
        conditions=[condition("PodScheduled", "False", minutes_ago - 0.1, reason, message)],
        **kwargs,
    )
    found["status"].pop("containerStatuses", None)
    return found


# --- owners -----------------------------------------------------------------------------


def _template(name: str, containers: Sequence[Obj] | None = None) -> Obj:
    return {
        "metadata": {"labels": {"app": name}},
        "spec": {
            "containers": list(containers) if containers is not None else [container_spec()],
            "dnsPolicy": "ClusterFirst",
            "restartPolicy": "Always",
            "schedulerName": "default-scheduler",
            "securityContext": {},
            "terminationGracePeriodSeconds": 30,
        },
    }


def deployment(
    name: str = "web",
    *,
    namespace: str = "shop",
    replicas: int | None = 3,
    ready: int | None = None,
    updated: int | None = None,
    available: int | None = None,
    current: int | None = None,
    generation: int = 4,
    observed: int | None = None,
    conditions: Sequence[Obj] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Obj:
    """A Deployment whose counters default to "every replica up to date and ready"."""
    want = 1 if replicas is None else replicas
    current = want if current is None else current
    ready = want if ready is None else ready
    updated = current if updated is None else updated
    available = ready if available is None else available
    meta = metadata(
        "Deployment", name, namespace, generation=generation, labels={"app": name}, minutes_ago=900
    )
    meta["annotations"] = {"deployment.kubernetes.io/revision": str(generation)}
    spec: Obj = {
        "progressDeadlineSeconds": 600,
        "revisionHistoryLimit": 10,
        "selector": {"matchLabels": {"app": name}},
        "strategy": {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
        },
        "template": _template(name),
    }
    if replicas is not None:
        spec["replicas"] = replicas
    status: Obj = {
        "observedGeneration": generation if observed is None else observed,
        "replicas": current,
        "updatedReplicas": updated,
        "readyReplicas": ready,
        "availableReplicas": available,
        "conditions": list(conditions)
        if conditions is not None
        else [
            workload_condition(
                "Available",
                "True",
                800,
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
            ),
            workload_condition(
                "Progressing",
                "True",
                700,
                "NewReplicaSetAvailable",
                f'ReplicaSet "{name}-7d9f8b6c5d" has successfully progressed.',
            ),
        ],
    }
    if current - available > 0:
        status["unavailableReplicas"] = current - available
    for key in ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas"):
        if status[key] == 0:
            del status[key]
    found: Obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta,
        "spec": spec,
        "status": status,
    }
    return merge(found, overrides)


def replica_set(
    name: str = "web-7d9f8b6c5d",
    *,
    namespace: str = "shop",
    deployment_name: str = "web",
    replicas: int = 3,
    conditions: Sequence[Obj] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Obj:
    meta = metadata(
        "ReplicaSet",
        name,
        namespace,
        generation=1,
        labels={"app": deployment_name, "pod-template-hash": name.rsplit("-", 1)[-1]},
        owned_by=owner("Deployment", deployment_name, namespace),
    )
    found: Obj = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": meta,
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": meta["labels"]},
            "template": _template(deployment_name),
        },
        "status": {
            "observedGeneration": 1,
            "replicas": replicas,
            "fullyLabeledReplicas": replicas,
            "readyReplicas": replicas,
            "availableReplicas": replicas,
        },
    }
    if conditions is not None:
        found["status"]["conditions"] = list(conditions)
    return merge(found, overrides)


def statefulset(
    name: str = "db",
    *,
    namespace: str = "shop",
    replicas: int = 3,
    ready: int | None = None,
    current: int | None = None,
    updated: int | None = None,
    available: int | None = None,
    current_revision: str = "db-5c6d7f8b9",
    update_revision: str | None = None,
    strategy: Obj | None = None,
    generation: int = 2,
    observed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Obj:
    current = replicas if current is None else current
    ready = current if ready is None else ready
    updated = current if updated is None else updated
    available = ready if available is None else available
    found: Obj = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": metadata(
            "StatefulSet", name, namespace, generation=generation, labels={"app": name}
        ),
        "spec": {
            "replicas": replicas,
            "serviceName": name,
            "podManagementPolicy": "OrderedReady",
            "persistentVolumeClaimRetentionPolicy": {
                "whenDeleted": "Retain",
                "whenScaled": "Retain",
            },
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": {"app": name}},
            "template": _template(name, [container_spec("postgres", "postgres:16.4")]),
            "updateStrategy": strategy
            or {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "volumeClaimTemplates": [
                {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "10Gi"}},
                        "volumeMode": "Filesystem",
                    },
                    "status": {"phase": "Pending"},
                }
            ],
        },
        "status": {
            "observedGeneration": generation if observed is None else observed,
            "replicas": current,
            "readyReplicas": ready,
            "currentReplicas": current if update_revision is None else current - updated,
            "updatedReplicas": updated,
            "availableReplicas": available,
            "currentRevision": current_revision,
            "updateRevision": update_revision or current_revision,
            "collisionCount": 0,
        },
    }
    return merge(found, overrides)


def daemonset(
    name: str = "node-exporter",
    *,
    namespace: str = "monitoring",
    desired: int = 3,
    current: int | None = None,
    ready: int | None = None,
    updated: int | None = None,
    available: int | None = None,
    strategy: Obj | None = None,
    generation: int = 3,
    observed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Obj:
    current = desired if current is None else current
    ready = current if ready is None else ready
    updated = current if updated is None else updated
    available = ready if available is None else available
    status: Obj = {
        "currentNumberScheduled": current,
        "desiredNumberScheduled": desired,
        "numberAvailable": available,
        "numberMisscheduled": 0,
        "numberReady": ready,
        "observedGeneration": generation if observed is None else observed,
        "updatedNumberScheduled": updated,
    }
    if desired - available > 0:
        status["numberUnavailable"] = desired - available
    found: Obj = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": metadata(
            "DaemonSet", name, namespace, generation=generation, labels={"app": name}
        ),
        "spec": {
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": {"app": name}},
            "template": _template(name, [container_spec("exporter", "prom/node-exporter:v1.8.2")]),
            "updateStrategy": strategy
            or {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}},
        },
        "status": status,
    }
    return merge(found, overrides)


def job(
    name: str = "report-29403840",
    *,
    namespace: str = "batch",
    completions: int | None = 1,
    parallelism: int | None = 1,
    active: int | None = None,
    ready: int | None = None,
    succeeded: int | None = None,
    failed: int | None = None,
    started_minutes_ago: float | None = 10,
    completed_minutes_ago: float | None = None,
    conditions: Sequence[Obj] | None = None,
    suspend: bool = False,
    owned_by: Obj | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Obj:
    meta = metadata(
        "Job",
        name,
        namespace,
        minutes_ago=started_minutes_ago or 10,
        labels={
            "batch.kubernetes.io/controller-uid": uid(namespace, "Job", name),
            "batch.kubernetes.io/job-name": name,
        },
        owned_by=owned_by,
    )
    spec: Obj = {
        "backoffLimit": 6,
        "completionMode": "NonIndexed",
        "manualSelector": False,
        "podReplacementPolicy": "TerminatingOrFailed",
        "selector": {
            "matchLabels": {"batch.kubernetes.io/controller-uid": uid(namespace, "Job", name)}
        },
        "suspend": suspend,
        "template": {
            "metadata": {"labels": dict(meta["labels"])},
            "spec": {
                "containers": [container_spec("report", "registry.example.com/batch/report:1.2")],
                "restartPolicy": "Never",
                "terminationGracePeriodSeconds": 30,
            },
        },
    }
    if completions is not None:
        spec["completions"] = completions
    if parallelism is not None:
        spec["parallelism"] = parallelism
    status: Obj = {}
    if started_minutes_ago is not None:
        status["startTime"] = ts(started_minutes_ago)
    if completed_minutes_ago is not None:
        status["completionTime"] = ts(completed_minutes_ago)
    for key, value in (("active", active), ("ready", ready), ("succeeded", succeeded)):
        if value is not None:
            status[key] = value
    if failed is not None:
        status["failed"] = failed
    status["terminating"] = 0
    status["uncountedTerminatedPods"] = {}
    if conditions is not None:
        status["conditions"] = list(conditions)
    found: Obj = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": meta,
        "spec": spec,
        "status": status,
    }
    return merge(found, overrides)


def job_condition(kind: str, reason: str, message: str, minutes_ago: float = 5) -> Obj:
    found = condition(kind, "True", minutes_ago, reason, message)
    found["lastProbeTime"] = ts(minutes_ago)
    return found


def cronjob(
    name: str = "nightly-report",
    *,
    namespace: str = "batch",
    schedule: str = "30 2 * * *",
    time_zone: str | None = None,
    suspend: bool = False,
    last_schedule_minutes_ago: float | None = None,
    last_success_minutes_ago: float | None = None,
    active: Sequence[str] = (),
    minutes_ago: float = 60 * 24 * 10,
    overrides: Mapping[str, Any] | None = None,
) -> Obj:
    spec: Obj = {
        "concurrencyPolicy": "Forbid",
        "failedJobsHistoryLimit": 1,
        "schedule": schedule,
        "successfulJobsHistoryLimit": 3,
        "suspend": suspend,
        "jobTemplate": {
            "metadata": {"creationTimestamp": None},
            "spec": {
                "backoffLimit": 2,
                "template": {
                    "spec": {
                        "containers": [
                            container_spec("report", "registry.example.com/batch/report:1.2")
                        ],
                        "restartPolicy": "OnFailure",
                    }
                },
            },
        },
    }
    if time_zone is not None:
        spec["timeZone"] = time_zone
    status: Obj = {}
    if last_schedule_minutes_ago is not None:
        status["lastScheduleTime"] = ts(last_schedule_minutes_ago)
    if last_success_minutes_ago is not None:
        status["lastSuccessfulTime"] = ts(last_success_minutes_ago)
    if active:
        status["active"] = [
            {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "name": job_name,
                "namespace": namespace,
                "resourceVersion": "918273",
                "uid": uid(namespace, "Job", job_name),
            }
            for job_name in active
        ]
    found: Obj = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": metadata("CronJob", name, namespace, minutes_ago=minutes_ago),
        "spec": spec,
        "status": status,
    }
    return merge(found, overrides)


# --- the rest of the cluster ------------------------------------------------------------


def node(
    name: str = "worker-1",
    *,
    ready: str = "True",
    minutes_ago: float = 60 * 24,
    reason: str | None = None,
    message: str | None = None,
) -> Obj:
    default_reason, default_message = {
        "True": ("KubeletReady", "kubelet is posting ready status"),
        "False": ("KubeletNotReady", "container runtime network not ready: NetworkReady=false"),
        "Unknown": ("NodeStatusUnknown", "Kubelet stopped posting node status."),
    }[ready]
    ready_condition = condition(
        "Ready", ready, minutes_ago, reason or default_reason, message or default_message
    )
    ready_condition["lastHeartbeatTime"] = ts(minutes_ago if ready == "Unknown" else 0.5)
    found: Obj = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "uid": uid("Node", name),
            "creationTimestamp": ts(60 * 24 * 30),
            "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"},
        },
        "spec": {"podCIDR": "10.244.1.0/24", "providerID": f"kind://docker/kind/{name}"},
        "status": {
            "conditions": [
                condition("MemoryPressure", "False", 60 * 24, "KubeletHasSufficientMemory"),
                condition("DiskPressure", "False", 60 * 24, "KubeletHasNoDiskPressure"),
                condition("PIDPressure", "False", 60 * 24, "KubeletHasSufficientPID"),
                ready_condition,
            ],
            "nodeInfo": {
                "kubeletVersion": "v1.31.2",
                "containerRuntimeVersion": "containerd://1.7",
            },
        },
    }
    if ready != "True":
        found["spec"]["taints"] = [
            {
                "effect": "NoSchedule",
                "key": "node.kubernetes.io/unreachable"
                if ready == "Unknown"
                else "node.kubernetes.io/not-ready",
                "timeAdded": ts(minutes_ago),
            }
        ]
    return found


def event(
    pod_name: str,
    reason: str,
    message: str,
    *,
    namespace: str = "shop",
    container: str | None = None,
    kind: str = "Warning",
    minutes_ago: float = 1,
    count: int = 1,
) -> Obj:
    involved: Obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "name": pod_name,
        "namespace": namespace,
        "uid": uid(namespace, "Pod", pod_name),
    }
    if container is not None:
        involved["fieldPath"] = f"spec.containers{{{container}}}"
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": f"{pod_name}.{uid(pod_name, reason)[:16]}",
            "namespace": namespace,
        },
        "involvedObject": involved,
        "reason": reason,
        "message": message,
        "type": kind,
        "count": count,
        "firstTimestamp": ts(minutes_ago + 10),
        "lastTimestamp": ts(minutes_ago),
        "source": {"component": "kubelet", "host": "worker-1"},
        "reportingComponent": "kubelet",
    }
