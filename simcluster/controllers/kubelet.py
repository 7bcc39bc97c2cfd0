"""Every node's kubelet at once: pod lifecycles without containers.

A bound pod goes ContainerCreating -> Running -> Ready on the simulated clock, or
does what its behaviour annotations ask: crash-loop with the kubelet's back-off
(10s doubling to 5m, the first restart immediate), fail to pull its image
(ErrImagePull and ImagePullBackOff in turn), miss its config, be OOM-killed, or
exit with a code, after which its restartPolicy decides between a restart and a
terminal phase. Deleted pods stop within their grace period and are then removed.
Pods on a node that is not Ready are frozen, as their kubelet would be silent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from simcluster.behaviours import Behavior, PodBehavior, for_container, pod_behavior
from simcluster.clock import format_time, parse_time
from simcluster.controllers.base import Controller
from simcluster.events import NORMAL, WARNING
from simcluster.names import owner_name
from simcluster.nodes import NodeState, node_state, pod_ip
from simcluster.podstatus import (
    addresses,
    normalized_image,
    running,
    set_condition,
    terminated,
    terminated_state,
    waiting,
)
from simcluster.resources import NODES, PODS
from simcluster.store import Change, StoredObject

PULL_FAILED_FOR = 2.0
MAX_BACKOFF = 300.0
_STARTING = ("ContainerCreating", "PodInitializing")


def backoff(attempt: int) -> float:
    """The kubelet's back-off before restart (or pull) number ``attempt`` (1-based)."""
    if attempt <= 0:
        return 0.0
    return float(min(10 * 2 ** (attempt - 1), MAX_BACKOFF))


@dataclass(slots=True)
class _Step:
    """What one container does next: its new status, when to look again, what to report."""

    status: dict[str, Any]
    due: float | None
    events: list[tuple[str, str, str]]


class Kubelet(Controller):
    name = "kubelet"
    watches = (PODS, NODES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pull_due: dict[tuple[str, str, str], tuple[int, float]] = {}
        """Image pull attempts and when the next is due, by pod key, pod uid and container."""
        self._ips: dict[str, int] = {}

    def keys_for(self, change: Change) -> Iterable[str]:
        obj = change.obj
        if obj.resource is NODES:
            old = change.old
            if old is None or old.data != obj.data:
                return [p.key for p in self.store.pods_on(obj.name)]
            return ()
        if obj.fields["spec.nodeName"]:
            return (obj.key,)
        return ()

    def reconcile(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        stored = self.store.get(PODS, namespace, name)
        if stored is None:
            self._forget(key)
            return
        node_name = stored.fields["spec.nodeName"]
        node = self.store.get(NODES, "", node_name) if node_name else None
        if node is None:
            return
        node_obj = node.load()
        if node_state(node_obj) is not NodeState.READY:
            return
        pod = stored.load()
        meta = pod["metadata"]
        spec = pod.get("spec") or {}
        behavior = pod_behavior(meta.get("annotations"), str(spec.get("restartPolicy") or "Always"))
        now = self.context.clock.time()
        if meta.get("deletionTimestamp") is not None:
            self._terminate(stored, pod, behavior, now)
            return
        status = pod.setdefault("status", {})
        if status.get("phase") in ("Succeeded", "Failed"):
            return
        if not status.get("containerStatuses"):
            self._create_sandbox(stored, pod, node_obj, now)
            self.enqueue_at(key, now + behavior.start_seconds)
            return
        self._advance(stored, pod, node_obj, behavior, now)

    def _forget(self, key: str) -> None:
        for entry in [e for e in self._pull_due if e[0] == key]:
            del self._pull_due[entry]

    def _create_sandbox(
        self, stored: StoredObject, pod: dict[str, Any], node: dict[str, Any], now: float
    ) -> None:
        spec = pod.get("spec") or {}
        status = pod["status"]
        stamp = format_time(now)
        containers = spec.get("containers") or []
        inits = spec.get("initContainers") or []
        conditions = status.setdefault("conditions", [])
        set_condition(conditions, "PodReadyToStartContainers", "False", stamp)
        if inits:
            names = " ".join(str(c.get("name")) for c in inits)
            set_condition(
                conditions,
                "Initialized",
                "False",
                stamp,
                reason="ContainersNotInitialized",
                message=f"containers with incomplete status: [{names}]",
            )
            status["initContainerStatuses"] = [waiting(c, "PodInitializing") for c in inits]
        else:
            set_condition(conditions, "Initialized", "True", stamp)
        _not_ready(conditions, containers, stamp)
        status["containerStatuses"] = [
            waiting(c, "PodInitializing" if inits else "ContainerCreating") for c in containers
        ]
        addresses(status, _host_ip(node), None)
        status["phase"] = "Pending"
        status["startTime"] = stamp
        written = self.registry.write(PODS, pod)
        node_name = stored.fields["spec.nodeName"]
        for container in inits or containers:
            self.event(
                written,
                NORMAL,
                "Pulling",
                f'Pulling image "{container.get("image")}"',
                host=node_name,
                field_path=f"spec.{'initContainers' if inits else 'containers'}"
                f"{{{container.get('name')}}}",
            )

    def _advance(
        self,
        stored: StoredObject,
        pod: dict[str, Any],
        node: dict[str, Any],
        behavior: PodBehavior,
        now: float,
    ) -> None:
        spec = pod.get("spec") or {}
        status = pod["status"]
        containers = spec.get("containers") or []
        first = str(containers[0].get("name")) if containers else None
        started = parse_time(status.get("startTime")) or now
        policy = str(spec.get("restartPolicy") or "Always")
        by_name = {cs.get("name"): cs for cs in status.get("containerStatuses") or ()}
        new_statuses: list[dict[str, Any]] = []
        dues: list[float] = []
        events: list[tuple[str, str, str, str]] = []
        for container in containers:
            name = str(container.get("name"))
            own = for_container(behavior, name, first, policy)
            current = by_name.get(name) or waiting(container, "ContainerCreating")
            step = self._container_step(
                stored, container, current, own, policy=policy, pod_started=started, now=now
            )
            new_statuses.append(step.status)
            if step.due is not None:
                dues.append(step.due)
            events.extend((kind, reason, message, name) for kind, reason, message in step.events)
        stamp = format_time(now)
        status["containerStatuses"] = new_statuses
        conditions = status.setdefault("conditions", [])
        launched = any(not _is_starting(cs) for cs in new_statuses)
        if launched:
            set_condition(conditions, "PodReadyToStartContainers", "True", stamp)
            if spec.get("initContainers") and not _condition(conditions, "Initialized"):
                status["initContainerStatuses"] = [
                    terminated(
                        c,
                        stored.uid,
                        terminated_state(
                            stored.uid,
                            str(c.get("name")),
                            0,
                            exit_code=0,
                            started_at=status["startTime"],
                            finished_at=stamp,
                        ),
                    )
                    for c in spec.get("initContainers") or ()
                ]
                set_condition(conditions, "Initialized", "True", stamp)
            if not status.get("podIP"):
                addresses(status, _host_ip(node), self._allocate_ip(node))
        if all(cs.get("ready") for cs in new_statuses) and new_statuses:
            set_condition(conditions, "ContainersReady", "True", stamp)
            set_condition(conditions, "Ready", "True", stamp)
        else:
            _not_ready(conditions, containers, stamp, new_statuses)
        status["phase"] = _phase(new_statuses, status.get("phase"))
        if status["phase"] in ("Succeeded", "Failed"):
            for kind in ("PodReadyToStartContainers", "Ready", "ContainersReady"):
                reason = None if kind == "PodReadyToStartContainers" else "PodCompleted"
                set_condition(conditions, kind, "False", stamp, reason=reason)
        written = self.registry.write(PODS, pod)
        for kind, reason, message, name in events:
            self.event(
                written,
                kind,
                reason,
                message,
                host=stored.fields["spec.nodeName"],
                field_path=f"spec.containers{{{name}}}",
            )
        if dues and status["phase"] not in ("Succeeded", "Failed"):
            self.enqueue_at(stored.key, max(min(dues), now))

    def _container_step(
        self,
        stored: StoredObject,
        container: Mapping[str, Any],
        current: dict[str, Any],
        behavior: PodBehavior,
        *,
        policy: str,
        pod_started: float,
        now: float,
    ) -> _Step:
        name = str(container.get("name"))
        image = str(container.get("image") or "")
        state = current.get("state") or {}
        restarts = int(current.get("restartCount") or 0)
        if "running" in state:
            return self._running(stored, container, current, behavior, policy=policy, now=now)
        if "terminated" in state:
            return _Step(current, None, [])
        reason = (state.get("waiting") or {}).get("reason") or "ContainerCreating"
        if reason in _STARTING:
            due = pod_started + behavior.start_seconds
            if now < due:
                return _Step(current, due, [])
            return self._start(stored, container, behavior, restarts=restarts, now=now, first=True)
        if reason == "ErrImagePull":
            attempts, due = self._pull_due.get((stored.key, stored.uid, name), (1, now))
            if now < due:
                return _Step(current, due, [])
            retry = now + backoff(attempts)
            self._pull_due[(stored.key, stored.uid, name)] = (attempts, retry)
            message = f'Back-off pulling image "{image}"'
            return _Step(
                waiting(container, "ImagePullBackOff", message),
                retry,
                [(NORMAL, "BackOff", message), (WARNING, "Failed", "Error: ImagePullBackOff")],
            )
        if reason == "ImagePullBackOff":
            attempts, due = self._pull_due.get((stored.key, stored.uid, name), (1, now))
            if now < due:
                return _Step(current, due, [])
            self._pull_due[(stored.key, stored.uid, name)] = (attempts + 1, now + PULL_FAILED_FOR)
            return self._pull_failed(container, now, attempts + 1)
        if reason == "CrashLoopBackOff":
            last = (current.get("lastState") or {}).get("terminated") or {}
            finished = parse_time(last.get("finishedAt")) or now
            due = finished + backoff(restarts)
            if now < due:
                return _Step(current, due, [])
            return self._start(
                stored,
                container,
                behavior,
                restarts=restarts + 1,
                now=now,
                last_state=current.get("lastState"),
            )
        return _Step(current, None, [])

    def _pull_failed(self, container: Mapping[str, Any], now: float, attempt: int) -> _Step:
        image = str(container.get("image") or "")
        full = normalized_image(image)
        detail = (
            f'rpc error: code = NotFound desc = failed to pull and unpack image "{full}": '
            f'failed to resolve reference "{full}": {full}: not found'
        )
        return _Step(
            waiting(container, "ErrImagePull", detail),
            now + PULL_FAILED_FOR,
            [
                (NORMAL, "Pulling", f'Pulling image "{image}"'),
                (WARNING, "Failed", f'Failed to pull image "{image}": {detail}'),
                (WARNING, "Failed", "Error: ErrImagePull"),
            ],
        )

    def _start(
        self,
        stored: StoredObject,
        container: Mapping[str, Any],
        behavior: PodBehavior,
        *,
        restarts: int,
        now: float,
        first: bool = False,
        last_state: dict[str, Any] | None = None,
    ) -> _Step:
        name = str(container.get("name"))
        image = str(container.get("image") or "")
        if behavior.behavior is Behavior.IMAGE_PULL_ERROR:
            self._pull_due[(stored.key, stored.uid, name)] = (1, now + PULL_FAILED_FOR)
            step = self._pull_failed(container, now, 1)
            step.events.pop(0)
            return step
        if behavior.behavior is Behavior.CONFIG_ERROR:
            missing = f'configmap "{owner_name(stored.name)}-config" not found'
            return _Step(
                waiting(container, "CreateContainerConfigError", missing),
                None,
                [
                    (NORMAL, "Pulled", f'Container image "{image}" already present on machine'),
                    (WARNING, "Failed", f"Error: {missing}"),
                ],
            )
        pulled = (
            f'Successfully pulled image "{image}" in {behavior.start_seconds:.3g}s '
            f"({behavior.start_seconds:.3g}s including waiting). Image size: 18345283 bytes."
            if first
            else f'Container image "{image}" already present on machine'
        )
        ready = behavior.ready_after == 0
        status = running(
            container,
            stored.uid,
            format_time(now),
            ready=ready,
            restarts=restarts,
            last_state=last_state,
        )
        return _Step(
            status,
            _next_due(behavior, now, ready),
            [
                (NORMAL, "Pulled", pulled),
                (NORMAL, "Created", f"Created container: {name}"),
                (NORMAL, "Started", f"Started container {name}"),
            ],
        )

    def _running(
        self,
        stored: StoredObject,
        container: Mapping[str, Any],
        current: dict[str, Any],
        behavior: PodBehavior,
        *,
        policy: str,
        now: float,
    ) -> _Step:
        started_text = current["state"]["running"].get("startedAt")
        started = parse_time(started_text) or now
        if behavior.run_seconds is not None and now >= started + behavior.run_seconds:
            return self._exit(stored, container, current, behavior, policy=policy, now=now)
        status = dict(current)
        if not status.get("ready") and behavior.ready_after is not None:
            status["ready"] = now >= started + behavior.ready_after
        return _Step(status, _next_due(behavior, started, bool(status.get("ready"))), [])

    def _exit(
        self,
        stored: StoredObject,
        container: Mapping[str, Any],
        current: dict[str, Any],
        behavior: PodBehavior,
        *,
        policy: str,
        now: float,
    ) -> _Step:
        name = str(container.get("name"))
        started_text = current["state"]["running"].get("startedAt") or format_time(now)
        started = parse_time(started_text) or now
        restarts = int(current.get("restartCount") or 0)
        code = behavior.exit_code
        reason = "OOMKilled" if behavior.behavior is Behavior.OOM_KILL else None
        finished = format_time(min(now, started + (behavior.run_seconds or 0)))
        state = terminated_state(
            stored.uid,
            name,
            restarts,
            exit_code=code,
            started_at=started_text,
            finished_at=finished,
            reason=reason,
        )
        restart = policy == "Always" or (policy == "OnFailure" and code != 0)
        if not restart:
            return _Step(terminated(container, stored.uid, state, restarts=restarts), None, [])
        if restarts == 0:
            status = running(
                container,
                stored.uid,
                finished,
                ready=behavior.ready_after == 0,
                restarts=1,
                last_state=state,
            )
            return _Step(
                status, _next_due(behavior, parse_time(finished) or now, bool(status["ready"])), []
            )
        wait = backoff(restarts)
        pod_name = f"{stored.name}_{stored.namespace}({stored.uid})"
        status = waiting(
            container,
            "CrashLoopBackOff",
            f"back-off {wait:.0f}s restarting failed container={name} pod={pod_name}",
            restarts=restarts,
            last_state=state,
            pod_uid=stored.uid,
        )
        return _Step(
            status,
            (parse_time(finished) or now) + wait,
            [
                (
                    WARNING,
                    "BackOff",
                    f"Back-off restarting failed container {name} in pod {pod_name}",
                )
            ],
        )

    def _terminate(
        self, stored: StoredObject, pod: dict[str, Any], behavior: PodBehavior, now: float
    ) -> None:
        meta = pod["metadata"]
        grace = int(meta.get("deletionGracePeriodSeconds") or 0)
        if grace == 0:
            return
        deadline = parse_time(meta.get("deletionTimestamp")) or now
        done = deadline - grace + min(float(grace), behavior.terminate_seconds)
        if now < done:
            self.enqueue_at(stored.key, done)
            return
        status = pod.setdefault("status", {})
        stamp = format_time(now)
        spec = pod.get("spec") or {}
        by_name = {c.get("name"): c for c in spec.get("containers") or ()}
        final = [
            self._stopped(stored.uid, by_name.get(cs.get("name")) or cs, cs, stamp)
            for cs in status.get("containerStatuses") or ()
        ]
        if final:
            status["containerStatuses"] = final
            status["phase"] = "Failed" if status.get("phase") != "Succeeded" else "Succeeded"
        conditions = status.setdefault("conditions", [])
        for kind in ("Ready", "ContainersReady"):
            if _condition(conditions, kind):
                set_condition(conditions, kind, "False", stamp, reason="PodCompleted")
        self._forget(stored.key)
        # The stopped containers are reported before the pod is let go, as a kubelet's
        # status manager does, so watchers and log followers read how they ended.
        gone = self.registry.write(PODS, pod).load()
        gone["metadata"]["deletionGracePeriodSeconds"] = 0
        self.registry.write(PODS, gone)

    @staticmethod
    def _stopped(
        pod_uid: str, container: Mapping[str, Any], current: dict[str, Any], stamp: str
    ) -> dict[str, Any]:
        """A container status after SIGTERM: running containers exit with 143."""
        state = current.get("state") or {}
        if "running" not in state:
            return current
        restarts = int(current.get("restartCount") or 0)
        ended = terminated_state(
            pod_uid,
            str(current.get("name")),
            restarts,
            exit_code=143,
            started_at=state["running"].get("startedAt") or stamp,
            finished_at=stamp,
        )
        return terminated(
            container, pod_uid, ended, restarts=restarts, last_state=current.get("lastState")
        )

    def _allocate_ip(self, node: dict[str, Any]) -> str:
        name = node["metadata"]["name"]
        number = self._ips.get(name, 0)
        self._ips[name] = number + 1
        cidr = (node.get("spec") or {}).get("podCIDR") or "10.244.0.0/24"
        return pod_ip(cidr, number)


def _next_due(behavior: PodBehavior, started: float, ready: bool) -> float | None:
    dues = []
    if not ready and behavior.ready_after is not None:
        dues.append(started + behavior.ready_after)
    if behavior.run_seconds is not None:
        dues.append(started + behavior.run_seconds)
    return min(dues) if dues else None


def _is_starting(cs: Mapping[str, Any]) -> bool:
    reason = ((cs.get("state") or {}).get("waiting") or {}).get("reason")
    return reason in _STARTING


def _condition(conditions: list[dict[str, Any]], kind: str) -> bool:
    return any(c.get("type") == kind and c.get("status") == "True" for c in conditions)


def _not_ready(
    conditions: list[dict[str, Any]],
    containers: list[dict[str, Any]],
    stamp: str,
    statuses: list[dict[str, Any]] | None = None,
) -> None:
    ready = {cs.get("name") for cs in statuses or () if cs.get("ready")}
    names = " ".join(str(c.get("name")) for c in containers if c.get("name") not in ready)
    message = f"containers with unready status: [{names}]"
    for kind in ("Ready", "ContainersReady"):
        set_condition(
            conditions, kind, "False", stamp, reason="ContainersNotReady", message=message
        )


def _phase(statuses: list[dict[str, Any]], current: object) -> str:
    states = [cs.get("state") or {} for cs in statuses]
    if states and all("terminated" in s for s in states):
        codes = [int(s["terminated"].get("exitCode") or 0) for s in states]
        return "Succeeded" if all(c == 0 for c in codes) else "Failed"
    if any("running" in s or "terminated" in s for s in states) or any(
        int(cs.get("restartCount") or 0) for cs in statuses
    ):
        return "Running"
    return "Pending" if current != "Running" else "Running"


def _host_ip(node: dict[str, Any]) -> str:
    for address in (node.get("status") or {}).get("addresses") or ():
        if address.get("type") == "InternalIP":
            return str(address.get("address"))
    return "172.18.0.2"
