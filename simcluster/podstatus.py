"""Pieces of a pod's status as a kubelet writes them: conditions and container statuses.

Shared by the simulated kubelet, which moves pods through their lifecycle, and
the scale scenario, which writes 100,000 pods directly in their final state, so
both produce the same shapes: normalised image names, image and container IDs,
``started``, ``lastState`` and conditions whose lastTransitionTime only moves when
their status does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

CONDITION_ORDER = (
    "PodReadyToStartContainers",
    "Initialized",
    "Ready",
    "ContainersReady",
    "PodScheduled",
)


def normalized_image(image: str) -> str:
    """``nginx:1.25`` as the container runtime reports it: ``docker.io/library/nginx:1.25``."""
    name = image
    first = name.split("/", 1)[0]
    if "/" not in name:
        name = f"docker.io/library/{name}"
    elif "." not in first and ":" not in first and first != "localhost":
        name = f"docker.io/{name}"
    last = name.rsplit("/", 1)[-1]
    if "@" not in last and ":" not in last:
        name += ":latest"
    return name


def image_id(image: str) -> str:
    normalized = normalized_image(image)
    repository = normalized.split("@", 1)[0].rsplit(":", 1)[0]
    digest = hashlib.sha256(normalized.encode()).hexdigest()
    return f"{repository}@sha256:{digest}"


def container_id(pod_uid: str, name: str, restarts: int) -> str:
    digest = hashlib.sha256(f"{pod_uid}/{name}/{restarts}".encode()).hexdigest()
    return f"containerd://{digest}"


def set_condition(
    conditions: list[dict[str, Any]],
    kind: str,
    status: str,
    now: str,
    *,
    reason: str | None = None,
    message: str | None = None,
) -> None:
    """Set a pod condition in place, keeping lastTransitionTime unless the status flips."""
    for condition in conditions:
        if condition.get("type") == kind:
            if condition.get("status") != status:
                condition["lastTransitionTime"] = now
            condition["status"] = status
            _reason(condition, reason, message)
            break
    else:
        condition = {"type": kind, "status": status, "lastProbeTime": None}
        condition["lastTransitionTime"] = now
        _reason(condition, reason, message)
        conditions.append(condition)
    order = {name: index for index, name in enumerate(CONDITION_ORDER)}
    conditions.sort(key=lambda c: order.get(str(c.get("type")), len(order)))


def _reason(condition: dict[str, Any], reason: str | None, message: str | None) -> None:
    for key, value in (("reason", reason), ("message", message)):
        if value:
            condition[key] = value
        else:
            condition.pop(key, None)


def waiting(
    container: Mapping[str, Any],
    reason: str,
    message: str | None = None,
    *,
    restarts: int = 0,
    last_state: dict[str, Any] | None = None,
    pod_uid: str = "",
) -> dict[str, Any]:
    state: dict[str, Any] = {"reason": reason}
    if message:
        state["message"] = message
    found: dict[str, Any] = {}
    if restarts:
        found["containerID"] = container_id(pod_uid, str(container.get("name")), restarts)
    image = str(container.get("image") or "")
    found.update(
        {
            "image": normalized_image(image) if restarts else image,
            "imageID": image_id(image) if restarts else "",
            "lastState": last_state or {},
            "name": container.get("name"),
            "ready": False,
            "restartCount": restarts,
            "started": False,
            "state": {"waiting": state},
        }
    )
    return found


def running(
    container: Mapping[str, Any],
    pod_uid: str,
    started_at: str,
    *,
    ready: bool,
    restarts: int = 0,
    last_state: dict[str, Any] | None = None,
) -> dict[str, Any]:
    image = str(container.get("image") or "")
    name = str(container.get("name"))
    return {
        "containerID": container_id(pod_uid, name, restarts),
        "image": normalized_image(image),
        "imageID": image_id(image),
        "lastState": last_state or {},
        "name": name,
        "ready": ready,
        "restartCount": restarts,
        "started": True,
        "state": {"running": {"startedAt": started_at}},
    }


def terminated_state(
    pod_uid: str,
    name: str,
    restarts: int,
    *,
    exit_code: int,
    started_at: str,
    finished_at: str,
    reason: str | None = None,
) -> dict[str, Any]:
    return {
        "terminated": {
            "containerID": container_id(pod_uid, name, restarts),
            "exitCode": exit_code,
            "finishedAt": finished_at,
            "reason": reason or ("Completed" if exit_code == 0 else "Error"),
            "startedAt": started_at,
        }
    }


def terminated(
    container: Mapping[str, Any],
    pod_uid: str,
    state: dict[str, Any],
    *,
    restarts: int = 0,
    last_state: dict[str, Any] | None = None,
) -> dict[str, Any]:
    image = str(container.get("image") or "")
    return {
        "containerID": state["terminated"]["containerID"],
        "image": normalized_image(image),
        "imageID": image_id(image),
        "lastState": last_state or {},
        "name": container.get("name"),
        "ready": False,
        "restartCount": restarts,
        "started": False,
        "state": state,
    }


def addresses(status: dict[str, Any], host_ip: str, pod_ip: str | None) -> None:
    status["hostIP"] = host_ip
    status["hostIPs"] = [{"ip": host_ip}]
    if pod_ip:
        status["podIP"] = pod_ip
        status["podIPs"] = [{"ip": pod_ip}]


def running_pod_status(
    pod: Mapping[str, Any], host_ip: str, pod_ip: str, started_at: str, qos: str
) -> dict[str, Any]:
    """A pod that started at ``started_at`` and has been Running and Ready since."""
    spec = pod.get("spec") or {}
    uid = str((pod.get("metadata") or {}).get("uid") or "")
    conditions = [
        {"type": kind, "status": "True", "lastProbeTime": None, "lastTransitionTime": started_at}
        for kind in CONDITION_ORDER
    ]
    status: dict[str, Any] = {"conditions": conditions}
    status["containerStatuses"] = [
        running(c, uid, started_at, ready=True) for c in spec.get("containers") or ()
    ]
    addresses(status, host_ip, pod_ip)
    status["phase"] = "Running"
    status["qosClass"] = qos
    status["startTime"] = started_at
    return status
