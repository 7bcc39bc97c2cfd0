"""KubeVirt's VirtualMachine controller: a VM wanted running has a VMI of its name.

``spec.running`` or ``spec.runStrategy`` (Always, RerunOnFailure, Halted, Manual)
says whether it should run. A failed VMI of a VM that should keep running is
deleted and started again after a backoff doubling from 10 s to 5 min, recorded in
``status.startFailure`` until a VMI stays Running that long; while it waits the VM
shows CrashLoopBackOff.
``status.printableStatus`` follows KubeVirt's precedence: Terminating, Stopping,
ErrorUnschedulable (the launcher pod cannot be scheduled), ErrImagePull /
ImagePullBackOff (its container image cannot be pulled), CrashLoopBackOff,
Starting, Running, Stopped.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from simcluster.clock import format_time, parse_time
from simcluster.controllers.common import owned
from simcluster.controllers.custom import (
    VIRTUALMACHINEINSTANCES,
    VIRTUALMACHINES,
    CustomController,
    condition,
    controller_of,
)
from simcluster.controllers.vmi import LAUNCHER_LABEL
from simcluster.events import NORMAL
from simcluster.podtemplates import owner_reference
from simcluster.registry import DeleteOptions
from simcluster.resources import PODS, ResourceType
from simcluster.store import Change, StoredObject

_BACKOFF_START = 10.0
_BACKOFF_LIMIT = 300.0


def wants_running(spec: dict[str, Any], vmi: StoredObject | None) -> bool:
    running = spec.get("running")
    if isinstance(running, bool):
        return running
    strategy = spec.get("runStrategy", "Halted")
    if strategy in ("Always", "RerunOnFailure"):
        return True
    if strategy == "Manual":
        return vmi is not None and not vmi.deleting
    return False


def _restarts_after(spec: dict[str, Any], phase: str) -> bool:
    """Whether a VMI that ended in ``phase`` is started again."""
    if spec.get("running") is True or spec.get("runStrategy") == "Always":
        return True
    return spec.get("runStrategy") == "RerunOnFailure" and phase == "Failed"


class VirtualMachineController(CustomController):
    name = "virt-controller-vm"
    watches = (VIRTUALMACHINES, VIRTUALMACHINEINSTANCES, PODS)

    def keys_for(self, change: Change) -> Iterable[str]:
        obj = change.obj
        if obj.resource.qualified == VIRTUALMACHINES.qualified:
            return (obj.key,)
        if obj.resource is PODS:
            if obj.labels.get(LAUNCHER_LABEL) != "virt-launcher":
                return ()
            vmi = controller_of(self.store, obj, VIRTUALMACHINEINSTANCES)
            if vmi is None:
                return ()
            obj = vmi
        owner = controller_of(self.store, obj, VIRTUALMACHINES)
        return (owner.key,) if owner is not None else ()

    def reconcile(self, key: str) -> None:
        loaded = self.load(key)
        if loaded is None:
            return
        resource, stored = loaded
        instances = self.registry.catalog.by_path(
            VIRTUALMACHINEINSTANCES.group,
            VIRTUALMACHINEINSTANCES.version,
            VIRTUALMACHINEINSTANCES.plural,
        )
        if instances is None:
            return
        vm = stored.load()
        spec = vm.get("spec") or {}
        status = dict(vm.get("status") or {})
        vmi = self.store.get(instances, stored.namespace, stored.name)
        if vmi is not None and controller_of(self.store, vmi, VIRTUALMACHINES) is None:
            vmi = None
        now = self.context.clock.time()
        phase = str((vmi.load().get("status") or {}).get("phase") or "") if vmi else ""
        if vmi is not None and not vmi.deleting:
            if phase in ("Failed", "Succeeded") and _restarts_after(spec, phase):
                if phase == "Failed":
                    self._record_failure(status, vmi, now)
                self.registry.delete(instances, vmi.namespace, vmi.name, DeleteOptions())
            elif not wants_running(spec, vmi):
                self.registry.delete(instances, vmi.namespace, vmi.name, DeleteOptions())
                self.event(
                    stored,
                    NORMAL,
                    "SuccessfulDelete",
                    "Stopped the virtual machine by deleting the virtual machine instance "
                    f"{vmi.uid}",
                )
        elif vmi is None and wants_running(spec, None):
            retry = parse_time((status.get("startFailure") or {}).get("retryAfterTimestamp"))
            if retry is not None and retry > now:
                self.enqueue_at(key, retry + 0.001)
            else:
                vmi = self._start(instances, stored, vm)
        vmi = self.store.get(instances, stored.namespace, stored.name)
        self._write_status(resource, vm, status, vmi, now)

    def _start(
        self, instances: ResourceType, stored: StoredObject, vm: dict[str, Any]
    ) -> StoredObject:
        template = (vm.get("spec") or {}).get("template") or {}
        template_meta = template.get("metadata") or {}
        meta: dict[str, Any] = {
            "name": stored.name,
            "namespace": stored.namespace,
            "labels": {**(template_meta.get("labels") or {}), "kubevirt.io/vm": stored.name},
            "ownerReferences": [owner_reference(stored)],
        }
        if template_meta.get("annotations"):
            meta["annotations"] = dict(template_meta["annotations"])
        body = {
            "apiVersion": instances.api_version,
            "kind": instances.kind,
            "metadata": meta,
            "spec": dict(template.get("spec") or {}),
        }
        created = self.registry.create(instances, stored.namespace, body)
        self.event(
            stored,
            NORMAL,
            "SuccessfulCreate",
            "Started the virtual machine by creating the new virtual machine instance "
            f"{created.name}",
        )
        return created

    def _record_failure(self, status: dict[str, Any], vmi: StoredObject, now: float) -> None:
        failure = dict(status.get("startFailure") or {})
        if failure.get("lastFailedVMIUID") == vmi.uid:
            return
        count = int(failure.get("consecutiveFailCount") or 0) + 1
        delay = min(_BACKOFF_START * 2 ** (count - 1), _BACKOFF_LIMIT)
        status["startFailure"] = {
            "consecutiveFailCount": count,
            "lastFailedVMIUID": vmi.uid,
            "retryAfterTimestamp": format_time(now + delay),
        }

    def _forget_failures(
        self, vm: dict[str, Any], status: dict[str, Any], vmi: dict[str, Any], now: float
    ) -> None:
        """Clear startFailure once the VMI has stayed Running for the longest backoff:
        one that crashes soon after becoming ready is still crash-looping."""
        running = [
            parse_time(t.get("phaseTransitionTimestamp"))
            for t in (vmi.get("status") or {}).get("phaseTransitionTimestamps") or ()
            if t.get("phase") == "Running"
        ]
        since = running[-1] if running else None
        if since is None or now >= since + _BACKOFF_LIMIT:
            status.pop("startFailure", None)
        elif "startFailure" in status:
            meta = vm["metadata"]
            self.enqueue_at(f"{meta['namespace']}/{meta['name']}", since + _BACKOFF_LIMIT + 0.001)

    def _image_problem(self, vmi: StoredObject) -> str:
        """ErrImagePull or ImagePullBackOff when the launcher pod is stuck on its image."""
        for pod in owned(self.store, vmi):
            for container in (pod.load().get("status") or {}).get("containerStatuses") or ():
                reason = ((container.get("state") or {}).get("waiting") or {}).get("reason")
                if reason in ("ErrImagePull", "ImagePullBackOff"):
                    return str(reason)
        return ""

    def _write_status(
        self,
        resource: ResourceType,
        vm: dict[str, Any],
        status: dict[str, Any],
        vmi: StoredObject | None,
        now: float,
    ) -> None:
        timestamp = format_time(now)
        instance = vmi.load() if vmi is not None else None
        ready_condition = condition(instance, "Ready") if instance is not None else None
        ready = ready_condition is not None and ready_condition.get("status") == "True"
        scheduled = condition(instance, "PodScheduled") if instance is not None else None
        phase = str((instance or {}).get("status", {}).get("phase") or "")
        if ready and instance is not None:
            self._forget_failures(vm, status, instance, now)
        retry = parse_time((status.get("startFailure") or {}).get("retryAfterTimestamp"))
        spec = vm.get("spec") or {}
        if vm["metadata"].get("deletionTimestamp"):
            printable = "Terminating"
        elif vmi is not None and (vmi.deleting or not wants_running(spec, vmi)):
            printable = "Stopping"
        elif scheduled is not None and scheduled.get("reason") == "Unschedulable":
            printable = "ErrorUnschedulable"
        elif vmi is not None and (pulling := self._image_problem(vmi)):
            printable = pulling
        elif retry is not None and retry > now and not ready:
            printable = "CrashLoopBackOff"
        elif phase == "Running":
            printable = "Running"
        elif vmi is not None or wants_running(spec, None):
            printable = "Starting"
        else:
            printable = "Stopped"
        conditions = [
            dict(c)
            for c in (instance or {}).get("status", {}).get("conditions") or ()
            if c.get("type") in ("Ready", "PodScheduled")
        ]
        if vmi is None:
            before = condition(vm, "Ready") or {}
            since = before.get("lastTransitionTime") if before.get("status") == "False" else None
            conditions = [
                {
                    "type": "Ready",
                    "status": "False",
                    "lastProbeTime": None,
                    "lastTransitionTime": since or timestamp,
                    "reason": "VMINotExists",
                    "message": "VMI does not exist",
                }
            ]
        status.update(
            printableStatus=printable,
            ready=ready,
            created=vmi is not None,
            conditions=conditions,
            observedGeneration=vm["metadata"].get("generation", 1),
            desiredGeneration=vm["metadata"].get("generation", 1),
        )
        if not ready:
            status.pop("ready")
        if vmi is None:
            status.pop("created")
        vm["status"] = status
        self.registry.write(resource, vm)
