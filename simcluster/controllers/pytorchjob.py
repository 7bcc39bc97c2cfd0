"""The Kubeflow training operator's PyTorchJob controller: one pod per replica.

``spec.pytorchReplicaSpecs`` {Master, Worker} give replicas, restartPolicy and a
pod template; pods are ``<job>-master-0`` and ``<job>-worker-<i>``, labelled with
``training.kubeflow.org/job-name``, ``replica-type``, ``replica-index`` (and
``job-role: master``) and controlled by the job; replicaStatuses omit zero counts, as the operator's
omitempty does. A failed pod (restartPolicy
Never or ExitCode; OnFailure restarts in place, as the kubelet does) fails the
job; the Master succeeding, or every Worker when there is no Master, completes
it. Conditions Created / Running / Succeeded / Failed carry the operator's
reasons and messages; pods are kept afterwards (cleanPodPolicy None).
"""

from __future__ import annotations

import copy
from typing import Any

from simcluster.controllers.common import TERMINAL, compact, owned, set_workload_condition
from simcluster.controllers.custom import PYTORCHJOBS, CustomController
from simcluster.events import NORMAL, WARNING
from simcluster.podtemplates import pod_from_template
from simcluster.resources import PODS, ResourceType
from simcluster.store import StoredObject

JOB_NAME = "training.kubeflow.org/job-name"
REPLICA_TYPE = "training.kubeflow.org/replica-type"
REPLICA_INDEX = "training.kubeflow.org/replica-index"
JOB_ROLE = "training.kubeflow.org/job-role"
OPERATOR = "training.kubeflow.org/operator-name"
MASTER_PORT = 23456
_ORDER = ("Master", "Worker")


def _specs(job: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = (job.get("spec") or {}).get("pytorchReplicaSpecs") or {}
    return {kind: found[kind] for kind in _ORDER if kind in found and isinstance(found[kind], dict)}


def _pod(
    job: StoredObject, kind: str, index: int, spec: dict[str, Any], world: int
) -> dict[str, Any]:
    template = copy.deepcopy(spec.get("template") or {})
    pod_spec = template.setdefault("spec", {})
    policy = str(spec.get("restartPolicy") or "OnFailure")
    pod_spec["restartPolicy"] = "Never" if policy == "ExitCode" else policy
    rank = index if kind == "Master" else index + (1 if "Master" in _specs(job.load()) else 0)
    env = [
        {"name": "MASTER_PORT", "value": str(MASTER_PORT)},
        {"name": "MASTER_ADDR", "value": f"{job.name}-master-0"},
        {"name": "WORLD_SIZE", "value": str(world)},
        {"name": "RANK", "value": str(rank)},
        {"name": "PYTHONUNBUFFERED", "value": "1"},
    ]
    for container in pod_spec.get("containers") or ():
        if isinstance(container, dict) and container.get("name") == "pytorch":
            container["env"] = [*(container.get("env") or []), *env]
    labels = {
        JOB_NAME: job.name,
        OPERATOR: "pytorchjob-controller",
        REPLICA_TYPE: kind.lower(),
        REPLICA_INDEX: str(index),
    }
    if kind == "Master":
        labels[JOB_ROLE] = "master"
    return pod_from_template(
        template, job, name=f"{job.name}-{kind.lower()}-{index}", labels=labels
    )


def _set(
    conditions: list[dict[str, Any]], kind: str, state: str, reason: str, message: str, *, now: str
) -> None:
    """The training operator's conditions carry lastUpdateTime, as Deployment's do."""
    set_workload_condition(conditions, kind, state, reason, message, now=now, with_update_time=True)


class PyTorchJobController(CustomController):
    name = "pytorchjob-controller"
    watches = (PYTORCHJOBS, PODS)

    def reconcile(self, key: str) -> None:
        loaded = self.load(key)
        if loaded is None:
            return
        resource, stored = loaded
        job = stored.load()
        status = dict(job.get("status") or {})
        conditions = [dict(c) for c in status.get("conditions") or ()]
        finished = any(
            c.get("type") in ("Succeeded", "Failed") and c.get("status") == "True"
            for c in conditions
        )
        specs = _specs(job)
        pods = {p.name: p for p in owned(self.store, stored)}
        if not finished:
            world = sum(int(s.get("replicas", 1)) for s in specs.values())
            for kind, spec in specs.items():
                for index in range(int(spec.get("replicas", 1))):
                    name = f"{stored.name}-{kind.lower()}-{index}"
                    if name not in pods:
                        body = _pod(stored, kind, index, spec, world)
                        pods[name] = self.registry.create(PODS, stored.namespace, body)
                        self.event(stored, NORMAL, "SuccessfulCreatePod", f"Created pod: {name}")
        self._write_status(resource, stored, job, list(pods.values()), conditions)

    def _write_status(
        self,
        resource: ResourceType,
        stored: StoredObject,
        job: dict[str, Any],
        pods: list[StoredObject],
        conditions: list[dict[str, Any]],
    ) -> None:
        now = self.context.now()
        status = dict(job.get("status") or {})
        where = f"{stored.namespace}/{stored.name}"
        counts: dict[str, dict[str, int]] = {}
        for kind in _specs(job):
            of_kind = [p for p in pods if p.labels.get(REPLICA_TYPE) == kind.lower()]
            counts[kind] = {
                "active": sum(1 for p in of_kind if p.fields["status.phase"] not in TERMINAL),
                "succeeded": sum(1 for p in of_kind if p.fields["status.phase"] == "Succeeded"),
                "failed": sum(1 for p in of_kind if p.fields["status.phase"] == "Failed"),
            }
        status.setdefault("startTime", now)
        _set(
            conditions,
            "Created",
            "True",
            "PyTorchJobCreated",
            f"PyTorchJob {stored.name} is created.",
            now=now,
        )
        finished = any(
            c.get("type") in ("Succeeded", "Failed") and c.get("status") == "True"
            for c in conditions
        )
        failed = next((k for k, c in counts.items() if c["failed"]), None)
        main = "Master" if "Master" in counts else "Worker"
        wanted = int(_specs(job).get(main, {}).get("replicas", 1))
        running = [p for p in pods if p.fields["status.phase"] == "Running"]
        if not finished and failed is not None:
            message = (
                f"PyTorchJob {where} has failed because {counts[failed]['failed']} "
                f"{failed} replica(s) failed."
            )
            _set(conditions, "Running", "False", "PyTorchJobFailed", message, now=now)
            _set(conditions, "Failed", "True", "PyTorchJobFailed", message, now=now)
            status.setdefault("completionTime", now)
            self.event(stored, WARNING, "PyTorchJobFailed", message)
        elif not finished and counts.get(main, {}).get("succeeded", 0) >= wanted:
            message = f"PyTorchJob {where} successfully completed."
            _set(conditions, "Running", "False", "PyTorchJobSucceeded", message, now=now)
            _set(conditions, "Succeeded", "True", "PyTorchJobSucceeded", message, now=now)
            status.setdefault("completionTime", now)
            self.event(stored, NORMAL, "PyTorchJobSucceeded", message)
        elif not finished and running:
            _set(
                conditions,
                "Running",
                "True",
                "PyTorchJobRunning",
                f"PyTorchJob {where} is running.",
                now=now,
            )
        status["conditions"] = conditions
        status["replicaStatuses"] = {kind: compact(found) for kind, found in counts.items()}
        job["status"] = status
        self.registry.write(resource, job)
