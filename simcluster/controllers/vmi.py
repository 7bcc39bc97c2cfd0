"""KubeVirt's VirtualMachineInstance side (virt-controller with virt-handler's reports):
a VMI runs in a launcher pod, and its phase follows that pod.

The pod is ``virt-launcher-<vmi>-<5 chars>`` with ``restartPolicy: Never`` (a VMI
whose launcher dies has failed; restarting is the VirtualMachine's business),
labelled ``kubevirt.io=virt-launcher`` and controlled by the VMI. Simulator
behaviour annotations on the VMI (``simcluster.kube-status-gateway.io/...``) are
passed to the pod, so a VM template can ask for a launcher that crashes or is
never scheduled; without one the launcher runs until stopped (a plain pod with
``restartPolicy: Never`` would exit after a while). Phases: Pending (no pod),
Scheduling, Scheduled, Running, Succeeded, Failed; the Ready condition is the
launcher's.
"""

from __future__ import annotations

from typing import Any

from simcluster.behaviours import BEHAVIOR, PREFIX, RUN_SECONDS
from simcluster.controllers.common import owned
from simcluster.controllers.custom import (
    VIRTUALMACHINEINSTANCES,
    CustomController,
    condition,
)
from simcluster.events import NORMAL, WARNING
from simcluster.podtemplates import owner_reference
from simcluster.resources import PODS, ResourceType
from simcluster.store import StoredObject

LAUNCHER_LABEL = "kubevirt.io"
LAUNCHER_IMAGE = "quay.io/kubevirt/virt-launcher:v1.4.0"
FINAL = ("Succeeded", "Failed")


def _pod_phase(pod: dict[str, Any]) -> str:
    status = pod.get("status") or {}
    phase = status.get("phase")
    if phase in FINAL:
        return str(phase)
    if not (pod.get("spec") or {}).get("nodeName"):
        return "Scheduling"
    ready = condition(pod, "Ready")
    if phase == "Running" and ready is not None and ready.get("status") == "True":
        return "Running"
    return "Scheduled"


def _launcher(vmi: StoredObject) -> dict[str, Any]:
    obj = vmi.load()
    meta = obj["metadata"]
    spec = obj.get("spec") or {}
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k.startswith(PREFIX)}
    if BEHAVIOR not in annotations:
        annotations.setdefault(RUN_SECONDS, "never")
    annotations["kubevirt.io/domain"] = vmi.name
    requests = dict(((spec.get("domain") or {}).get("resources") or {}).get("requests") or {})
    memory = ((spec.get("domain") or {}).get("memory") or {}).get("guest")
    if memory and "memory" not in requests:
        requests["memory"] = memory
    requests.setdefault("cpu", "100m")
    pod_spec: dict[str, Any] = {
        "containers": [
            {"name": "compute", "image": LAUNCHER_IMAGE, "resources": {"requests": requests}}
        ],
        "restartPolicy": "Never",
        "terminationGracePeriodSeconds": int(spec.get("terminationGracePeriodSeconds", 30)) + 15,
    }
    for field in ("nodeSelector", "tolerations", "affinity", "priorityClassName"):
        if spec.get(field):
            pod_spec[field] = spec[field]
    labels = {
        **(meta.get("labels") or {}),
        LAUNCHER_LABEL: "virt-launcher",
        "kubevirt.io/created-by": vmi.uid,
        "vm.kubevirt.io/name": vmi.name,
    }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "generateName": f"virt-launcher-{vmi.name}-",
            "namespace": vmi.namespace,
            "labels": labels,
            "annotations": annotations,
            "ownerReferences": [owner_reference(vmi)],
        },
        "spec": pod_spec,
    }


def _set_condition(
    conditions: list[dict[str, Any]], kind: str, state: str, reason: str, message: str, *, now: str
) -> None:
    for found in conditions:
        if found.get("type") == kind:
            if found.get("status") != state:
                found["lastTransitionTime"] = now
            found.update(status=state, reason=reason, message=message)
            return
    conditions.append(
        {
            "type": kind,
            "status": state,
            "lastProbeTime": None,
            "lastTransitionTime": now,
            "reason": reason,
            "message": message,
        }
    )


class VirtualMachineInstanceController(CustomController):
    name = "virt-controller-vmi"
    watches = (VIRTUALMACHINEINSTANCES, PODS)

    def reconcile(self, key: str) -> None:
        loaded = self.load(key)
        if loaded is None:
            return
        resource, stored = loaded
        vmi = stored.load()
        status = dict(vmi.get("status") or {})
        phase = str(status.get("phase") or "Pending")
        if phase in FINAL:
            return
        pods = owned(self.store, stored)
        if not pods and phase == "Pending":
            created = self.registry.create(PODS, stored.namespace, _launcher(stored))
            self.event(
                stored, NORMAL, "SuccessfulCreate", f"Created virtual machine pod {created.name}"
            )
            pods = [created]
        self._write_status(resource, vmi, phase, pods[0].load() if pods else None)

    def _write_status(
        self, resource: ResourceType, vmi: dict[str, Any], phase: str, pod: dict[str, Any] | None
    ) -> None:
        now = self.context.now()
        status = dict(vmi.get("status") or {})
        conditions = [dict(c) for c in status.get("conditions") or ()]
        new_phase = "Failed" if pod is None and phase != "Pending" else phase
        if pod is not None:
            new_phase = _pod_phase(pod)
            pod_status = pod.get("status") or {}
            node = (pod.get("spec") or {}).get("nodeName")
            if node:
                status["nodeName"] = node
            if pod_status.get("podIP"):
                status["interfaces"] = [
                    {
                        "name": "default",
                        "ipAddress": pod_status["podIP"],
                        "ipAddresses": [pod_status["podIP"]],
                        "infoSource": "domain, guest-agent",
                    }
                ]
            if pod_status.get("qosClass"):
                status["qosClass"] = pod_status["qosClass"]
            status["activePods"] = {pod["metadata"]["uid"]: node or ""}
            scheduled = condition(pod, "PodScheduled")
            if scheduled is not None and scheduled.get("status") == "False":
                _set_condition(
                    conditions,
                    "PodScheduled",
                    "False",
                    str(scheduled.get("reason") or "Unschedulable"),
                    str(scheduled.get("message") or ""),
                    now=now,
                )
            else:
                conditions = [c for c in conditions if c.get("type") != "PodScheduled"]
        if new_phase == "Running":
            _set_condition(conditions, "Ready", "True", "", "", now=now)
        else:
            reason = "PodNotExists" if pod is None else "GuestNotRunning"
            message = "virt-launcher pod has not yet been scheduled" if pod is None else ""
            _set_condition(conditions, "Ready", "False", reason, message, now=now)
        if new_phase != phase:
            transitions = list(status.get("phaseTransitionTimestamps") or [])
            transitions.append({"phase": new_phase, "phaseTransitionTimestamp": now})
            status["phaseTransitionTimestamps"] = transitions
            if new_phase == "Failed":
                stored = self.store.get(
                    resource, vmi["metadata"]["namespace"], vmi["metadata"]["name"]
                )
                if stored is not None:
                    self.event(stored, WARNING, "Stopped", "The VirtualMachineInstance crashed.")
        status["phase"] = new_phase
        status["conditions"] = conditions
        status.setdefault("guestOSInfo", {})
        status["launcherContainerImageVersion"] = LAUNCHER_IMAGE
        vmi["status"] = status
        self.registry.write(resource, vmi)
