"""Which container and which run of it a log request reads, or the error saying why none.

Two parties decide on a real cluster, and both are followed word for word: the API
server picks the container (the only one, or the one named; else a 400 listing the
choices) and the kubelet picks the run from the container's status (the running
one; the last terminated one, which is what a crash-looping container in back-off
shows; with ``previous`` the one before; else a 400 such as ``container "c" in pod
"p" is waiting to start: ContainerCreating``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simcluster import errors
from simcluster.behaviours import for_container, json_logs, pod_behavior
from simcluster.containerlogs import Run, nanos
from simcluster.logscripts import Writer
from simcluster.names import owner_name
from simcluster.podstatus import normalized_image
from simcluster.quantities import memory_bytes

_KINDS = ("initContainers", "containers", "ephemeralContainers")
_STATUSES = ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses")


def _names(spec: Mapping[str, Any]) -> list[str]:
    """Every container of the pod in the API server's order: init, regular, ephemeral."""
    return [str(c.get("name")) for kind in _KINDS for c in spec.get(kind) or ()]


def choose_container(pod: Mapping[str, Any], requested: str) -> str:
    spec = pod.get("spec") or {}
    name = str((pod.get("metadata") or {}).get("name"))
    containers = spec.get("containers") or []
    if not requested:
        if len(containers) == 1:
            return str(containers[0].get("name"))
        if not containers:
            raise errors.bad_request(f"a container name must be specified for pod {name}")
        choices = " ".join(_names(spec))
        raise errors.bad_request(
            f"a container name must be specified for pod {name}, choose one of: [{choices}]"
        )
    if requested not in _names(spec):
        raise errors.bad_request(f"container {requested} is not valid for pod {name}")
    return requested


def writer_for(pod: Mapping[str, Any], container: str) -> Writer:
    """Who writes the log: the container, its image and what its behaviour makes it do."""
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    labels = meta.get("labels") or {}
    app = str(labels.get("app.kubernetes.io/name") or labels.get("app") or owner_name(meta["name"]))
    policy = str(spec.get("restartPolicy") or "Always")
    behavior = pod_behavior(meta.get("annotations"), policy)
    containers = spec.get("containers") or []
    first = str(containers[0].get("name")) if containers else None
    found: Mapping[str, Any] = {}
    init = False
    for kind in _KINDS:
        for candidate in spec.get(kind) or ():
            if candidate.get("name") == container:
                found, init = candidate, kind == "initContainers"
    limits = (found.get("resources") or {}).get("limits") or {}
    return Writer(
        app=app,
        name=container,
        image=normalized_image(str(found.get("image") or "")),
        behavior=for_container(behavior, container, first, policy),
        init=init,
        memory_limit=memory_bytes(limits.get("memory")),
        json_lines=json_logs(meta.get("annotations")),
    )


def _terminated_run(terminated: Mapping[str, Any]) -> Run:
    started = nanos(terminated.get("startedAt"))
    ended = nanos(terminated.get("finishedAt"))
    if ended is None:
        ended = started or 0
    return Run(
        container_id=str(terminated.get("containerID")),
        started=ended if started is None else min(started, ended),
        ended=ended,
        exit_code=int(terminated.get("exitCode") or 0),
        reason=terminated.get("reason"),
    )


def _running_run(status: Mapping[str, Any]) -> Run:
    running = (status.get("state") or {}).get("running") or {}
    return Run(
        container_id=str(status.get("containerID")), started=nanos(running.get("startedAt")) or 0
    )


def container_status(pod: Mapping[str, Any], container: str) -> Mapping[str, Any] | None:
    status = pod.get("status") or {}
    for key in _STATUSES:
        for found in status.get(key) or ():
            if found.get("name") == container:
                return dict(found)
    return None


def select_run(pod: Mapping[str, Any], container: str, *, previous: bool) -> Run:
    """The run the kubelet reads (its validateContainerLogStatus), or its 400."""
    pod_name = str((pod.get("metadata") or {}).get("name"))
    found = container_status(pod, container)
    where = f'container "{container}" in pod "{pod_name}"'
    if found is None:
        if not (pod.get("status") or {}).get("containerStatuses"):
            raise errors.bad_request(f"{where} is waiting to start: ContainerCreating")
        raise errors.bad_request(f"{where} is not available")
    state = found.get("state") or {}
    last = (found.get("lastState") or {}).get("terminated")
    if previous:
        if not last or not last.get("containerID"):
            raise errors.bad_request(
                f'previous terminated container "{container}" in pod "{pod_name}" not found'
            )
        return _terminated_run(last)
    if "running" in state:
        return _running_run(found)
    terminated = state.get("terminated")
    if terminated:
        if terminated.get("containerID"):
            return _terminated_run(terminated)
        if last and last.get("containerID"):
            return _terminated_run(last)
        raise errors.bad_request(f"{where} is terminated")
    if last:
        if not last.get("containerID"):
            raise errors.bad_request(f"{where} is terminated")
        return _terminated_run(last)
    waiting = state.get("waiting")
    if waiting is not None:
        reason = (waiting or {}).get("reason") or ""
        if reason == "ErrImagePull":
            raise errors.bad_request(f"{where} is waiting to start: image can't be pulled")
        if reason == "ImagePullBackOff":
            raise errors.bad_request(
                f"{where} is waiting to start: trying and failing to pull image"
            )
        raise errors.bad_request(f"{where} is waiting to start: {reason}")
    raise errors.bad_request(f"{where} is waiting to start - no logs yet")


def same_run(pod: Mapping[str, Any], container: str, container_id: str) -> Run | None:
    """The run with this container ID as the pod's status now tells it, if still there."""
    found = container_status(pod, container)
    if found is None:
        return None
    state = found.get("state") or {}
    if "running" in state and found.get("containerID") == container_id:
        return _running_run(found)
    for terminated in (state.get("terminated"), (found.get("lastState") or {}).get("terminated")):
        if terminated and terminated.get("containerID") == container_id:
            return _terminated_run(terminated)
    return None
