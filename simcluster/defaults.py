"""The defaults the API server fills in, so stored objects read like a real cluster's.

``kubectl get -o yaml`` of a real Deployment shows ``revisionHistoryLimit: 10``,
``terminationMessagePath`` and friends even if the manifest had none of them; the
status engine and the gateway's watchers see exactly those objects here too.
"""

from __future__ import annotations

from typing import Any

from simcluster import rbacobjects
from simcluster.resources import (
    CRONJOBS,
    DAEMONSETS,
    DEPLOYMENTS,
    JOBS,
    NAMESPACES,
    PODS,
    RBAC_RESOURCES,
    REPLICASETS,
    STATEFULSETS,
    ResourceType,
)

DEFAULT_TOLERATIONS = (
    {
        "key": "node.kubernetes.io/not-ready",
        "operator": "Exists",
        "effect": "NoExecute",
        "tolerationSeconds": 300,
    },
    {
        "key": "node.kubernetes.io/unreachable",
        "operator": "Exists",
        "effect": "NoExecute",
        "tolerationSeconds": 300,
    },
)


def _dict(parent: dict[str, Any], key: str) -> dict[str, Any]:
    """``parent[key]`` as a dict, created if missing; a wrong type is left for validation."""
    value = parent.get(key)
    if value is None:
        value = parent[key] = {}
    return value if isinstance(value, dict) else {}


def _pull_policy(image: object) -> str:
    if not isinstance(image, str):
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    if "@" in last:
        return "IfNotPresent"
    if ":" not in last or last.endswith(":latest"):
        return "Always"
    return "IfNotPresent"


def _container(container: object) -> None:
    if not isinstance(container, dict):
        return
    container.setdefault("imagePullPolicy", _pull_policy(container.get("image")))
    container.setdefault("resources", {})
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    for port in container.get("ports") or ():
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")


def pod_spec(spec: dict[str, Any]) -> None:
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("securityContext", {})
    for key in ("containers", "initContainers"):
        containers = spec.get(key)
        if isinstance(containers, list):
            for container in containers:
                _container(container)


def _template(spec: dict[str, Any]) -> None:
    template = _dict(spec, "template")
    _dict(template, "metadata")
    pod_spec(_dict(template, "spec"))


def _qos(spec: dict[str, Any]) -> str:
    containers = [c for c in spec.get("containers") or () if isinstance(c, dict)]
    guaranteed = bool(containers)
    any_set = False
    for container in containers:
        resources = container.get("resources") or {}
        requests = resources.get("requests") or {}
        limits = resources.get("limits") or {}
        any_set = any_set or bool(requests) or bool(limits)
        for name in ("cpu", "memory"):
            if name not in limits or requests.get(name, limits[name]) != limits[name]:
                guaranteed = False
    if guaranteed:
        return "Guaranteed"
    return "Burstable" if any_set else "BestEffort"


def pod(obj: dict[str, Any]) -> None:
    spec = _dict(obj, "spec")
    pod_spec(spec)
    spec.setdefault("serviceAccountName", "default")
    spec.setdefault("serviceAccount", spec["serviceAccountName"])
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    spec.setdefault("priority", 0)
    tolerations = spec.setdefault("tolerations", [])
    if isinstance(tolerations, list):
        present = {t.get("key") for t in tolerations if isinstance(t, dict)}
        tolerations.extend(dict(t) for t in DEFAULT_TOLERATIONS if t["key"] not in present)


def pod_status(obj: dict[str, Any]) -> dict[str, Any]:
    """A new pod's status: Pending with its QoS class, whatever the client sent."""
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    return {"phase": "Pending", "qosClass": _qos(spec or {})}


INITIAL_STATUS: dict[str, dict[str, int]] = {
    "replicasets": {"replicas": 0},
    "statefulsets": {"replicas": 0, "availableReplicas": 0},
    "daemonsets": {
        "currentNumberScheduled": 0,
        "numberMisscheduled": 0,
        "desiredNumberScheduled": 0,
        "numberReady": 0,
    },
}
"""What a new object's status holds before its controller writes one: the fields
clients require (kubernetes_asyncio refuses a DaemonSetStatus without its counters)."""


def initial_status(resource: ResourceType) -> dict[str, int]:
    return dict(INITIAL_STATUS.get(resource.plural, {}))


def _deployment(spec: dict[str, Any]) -> None:
    spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    strategy = _dict(spec, "strategy")
    strategy.setdefault("type", "RollingUpdate")
    if strategy.get("type") == "RollingUpdate":
        rolling = _dict(strategy, "rollingUpdate")
        rolling.setdefault("maxSurge", "25%")
        rolling.setdefault("maxUnavailable", "25%")
    _template(spec)


def _statefulset(spec: dict[str, Any]) -> None:
    spec.setdefault("replicas", 1)
    spec.setdefault("podManagementPolicy", "OrderedReady")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("serviceName", "")
    strategy = _dict(spec, "updateStrategy")
    strategy.setdefault("type", "RollingUpdate")
    if strategy.get("type") == "RollingUpdate":
        _dict(strategy, "rollingUpdate").setdefault("partition", 0)
    retention = _dict(spec, "persistentVolumeClaimRetentionPolicy")
    retention.setdefault("whenDeleted", "Retain")
    retention.setdefault("whenScaled", "Retain")
    _template(spec)


def _daemonset(spec: dict[str, Any]) -> None:
    spec.setdefault("revisionHistoryLimit", 10)
    strategy = _dict(spec, "updateStrategy")
    strategy.setdefault("type", "RollingUpdate")
    if strategy.get("type") == "RollingUpdate":
        rolling = _dict(strategy, "rollingUpdate")
        rolling.setdefault("maxUnavailable", 1)
        rolling.setdefault("maxSurge", 0)
    _template(spec)


def job_spec(spec: dict[str, Any], uid: str, name: str) -> None:
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    spec.setdefault("podReplacementPolicy", "TerminatingOrFailed")
    _template(spec)
    if spec.get("manualSelector") is not True and uid:
        labels = _dict(_dict(spec, "template"), "metadata").setdefault("labels", {})
        if isinstance(labels, dict):
            labels.update(
                {
                    "batch.kubernetes.io/controller-uid": uid,
                    "batch.kubernetes.io/job-name": name,
                    "controller-uid": uid,
                    "job-name": name,
                }
            )
        spec["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}


def _cronjob(spec: dict[str, Any]) -> None:
    spec.setdefault("concurrencyPolicy", "Allow")
    spec.setdefault("suspend", False)
    spec.setdefault("successfulJobsHistoryLimit", 3)
    spec.setdefault("failedJobsHistoryLimit", 1)
    job_template = _dict(spec, "jobTemplate")
    _dict(job_template, "metadata")
    job = _dict(job_template, "spec")
    if job.get("completions") is None and job.get("parallelism") is None:
        job["completions"] = 1
    job.setdefault("parallelism", 1)
    job.setdefault("backoffLimit", 6)
    job.setdefault("completionMode", "NonIndexed")
    job.setdefault("suspend", False)
    job.setdefault("podReplacementPolicy", "TerminatingOrFailed")
    _template(job)


def apply_defaults(resource: ResourceType, obj: dict[str, Any]) -> None:
    """Fill in what the API server defaults; never overwrites what the client set."""
    meta = obj["metadata"]
    if resource is NAMESPACES:
        labels = meta.setdefault("labels", {})
        if isinstance(labels, dict):
            labels["kubernetes.io/metadata.name"] = meta.get("name")
        _dict(obj, "spec").setdefault("finalizers", ["kubernetes"])
        _dict(obj, "status").setdefault("phase", "Active")
        return
    if resource in RBAC_RESOURCES:
        rbacobjects.apply_defaults(resource, obj)
        return
    spec = obj.get("spec")
    if resource is PODS:
        pod(obj)
    elif not isinstance(spec, dict):
        return
    elif resource is DEPLOYMENTS:
        _deployment(spec)
    elif resource is REPLICASETS:
        spec.setdefault("replicas", 1)
        _template(spec)
    elif resource is STATEFULSETS:
        _statefulset(spec)
    elif resource is DAEMONSETS:
        _daemonset(spec)
    elif resource is JOBS:
        job_spec(spec, str(meta.get("uid") or ""), str(meta.get("name") or ""))
    elif resource is CRONJOBS:
        _cronjob(spec)
