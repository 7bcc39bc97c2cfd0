"""Table output: the columns ``kubectl get`` prints, computed server-side as the real
API server's printers do (without them kubectl shows only NAME and AGE).

Ages are rendered on the simulated clock with the API machinery's HumanDuration.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from gateway.selectors import format_selector, selector_from_spec
from gateway.status.pods import kubectl_status
from simcluster import customtables
from simcluster.clock import parse_time
from simcluster.resources import ResourceType

Obj = Mapping[str, Any]
Column = tuple[str, str, int, str]
"""Name, type, priority (1 = only with ``-o wide``), description."""

_NAME: Column = ("Name", "string", 0, "Name must be unique within a namespace.")
_AGE: Column = ("Age", "string", 0, "CreationTimestamp is the time the object was created.")
_CONTAINERS: Column = ("Containers", "string", 1, "Names of each container in the template.")
_IMAGES: Column = ("Images", "string", 1, "Images referenced by each container in the template.")
_SELECTOR: Column = ("Selector", "string", 1, "Label selector for the pods.")


def human_duration(seconds: float) -> str:
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    whole = int(seconds)
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        rest = whole % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = whole // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d" if rest == 0 else f"{hours // 24}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if days == 0 else f"{years}y{days}d"
    return f"{hours // 24 // 365}y"


def _since(value: object, now: float) -> str:
    when = parse_time(value)
    return "<unknown>" if when is None else human_duration(now - when)


def _age(obj: Obj, now: float) -> str:
    return _since((obj.get("metadata") or {}).get("creationTimestamp"), now)


def _get(obj: Obj, *path: str) -> Any:
    found: Any = obj
    for part in path:
        if not isinstance(found, Mapping):
            return None
        found = found.get(part)
    return found


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _template_columns(template: object) -> list[str]:
    containers = _get(template if isinstance(template, Mapping) else {}, "spec", "containers")
    names = [str(c.get("name")) for c in containers or () if isinstance(c, Mapping)]
    images = [str(c.get("image")) for c in containers or () if isinstance(c, Mapping)]
    return [",".join(names), ",".join(images)]


def _selector(spec: object) -> str:
    selector = selector_from_spec(spec)
    return format_selector(selector) if selector is not None else "<none>"


def _pod(obj: Obj, now: float) -> list[Any]:
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    reason, ready, total, restarts = kubectl_status(meta, spec, status)
    last_restart: float | None = None
    for cs in status.get("containerStatuses") or ():
        finished = parse_time(_get(cs, "lastState", "terminated", "finishedAt"))
        if finished is not None and (last_restart is None or finished > last_restart):
            last_restart = finished
    restart_text = str(restarts)
    if restarts and last_restart is not None:
        restart_text = f"{restarts} ({human_duration(now - last_restart)} ago)"
    gates = spec.get("readinessGates") or []
    gates_text = "<none>"
    if gates:
        conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or ()}
        passed = sum(1 for g in gates if conditions.get(g.get("conditionType")) == "True")
        gates_text = f"{passed}/{len(gates)}"
    return [
        meta.get("name"),
        f"{ready}/{total}",
        reason,
        restart_text,
        _age(obj, now),
        status.get("podIP") or "<none>",
        spec.get("nodeName") or "<none>",
        status.get("nominatedNodeName") or "<none>",
        gates_text,
    ]


def _deployment(obj: Obj, now: float) -> list[Any]:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    return [
        _get(obj, "metadata", "name"),
        f"{_int(status.get('readyReplicas'))}/{_int(spec.get('replicas'))}",
        _int(status.get("updatedReplicas")),
        _int(status.get("availableReplicas")),
        _age(obj, now),
        *_template_columns(spec.get("template")),
        _selector(spec.get("selector")),
    ]


def _replicaset(obj: Obj, now: float) -> list[Any]:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    return [
        _get(obj, "metadata", "name"),
        _int(spec.get("replicas")),
        _int(status.get("replicas")),
        _int(status.get("readyReplicas")),
        _age(obj, now),
        *_template_columns(spec.get("template")),
        _selector(spec.get("selector")),
    ]


def _statefulset(obj: Obj, now: float) -> list[Any]:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    return [
        _get(obj, "metadata", "name"),
        f"{_int(status.get('readyReplicas'))}/{_int(spec.get('replicas'))}",
        _age(obj, now),
        *_template_columns(spec.get("template")),
    ]


def _daemonset(obj: Obj, now: float) -> list[Any]:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    node_selector = _get(spec, "template", "spec", "nodeSelector") or {}
    return [
        _get(obj, "metadata", "name"),
        _int(status.get("desiredNumberScheduled")),
        _int(status.get("currentNumberScheduled")),
        _int(status.get("numberReady")),
        _int(status.get("updatedNumberScheduled")),
        _int(status.get("numberAvailable")),
        ",".join(f"{k}={v}" for k, v in sorted(node_selector.items())) or "<none>",
        _age(obj, now),
        *_template_columns(spec.get("template")),
        _selector(spec.get("selector")),
    ]


def _condition(obj: Obj, kind: str) -> bool:
    conditions = _get(obj, "status", "conditions") or ()
    return any(c.get("type") == kind and c.get("status") == "True" for c in conditions)


def _job_status(obj: Obj) -> str:
    if _condition(obj, "Complete"):
        return "Complete"
    if _condition(obj, "Failed"):
        return "Failed"
    if _get(obj, "metadata", "deletionTimestamp"):
        return "Terminating"
    if _condition(obj, "Suspended"):
        return "Suspended"
    if _condition(obj, "FailureTarget"):
        return "FailureTarget"
    if _condition(obj, "SuccessCriteriaMet"):
        return "SuccessCriteriaMet"
    return "Running"


def _job(obj: Obj, now: float) -> list[Any]:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    succeeded = _int(status.get("succeeded"))
    completions = spec.get("completions")
    if isinstance(completions, int):
        completions_text = f"{succeeded}/{completions}"
    else:
        completions_text = f"{succeeded}/1 of {_int(spec.get('parallelism'))}"
    started = parse_time(status.get("startTime"))
    finished = parse_time(status.get("completionTime"))
    duration = "" if started is None else human_duration((finished or now) - started)
    return [
        _get(obj, "metadata", "name"),
        _job_status(obj),
        completions_text,
        duration,
        _age(obj, now),
        *_template_columns(spec.get("template")),
        _selector(spec.get("selector")),
    ]


def _cronjob(obj: Obj, now: float) -> list[Any]:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    last = status.get("lastScheduleTime")
    return [
        _get(obj, "metadata", "name"),
        spec.get("schedule"),
        spec.get("timeZone") or "<none>",
        "True" if spec.get("suspend") else "False",
        len(status.get("active") or ()),
        _since(last, now) if last else "<none>",
        _age(obj, now),
        *_template_columns(_get(spec, "jobTemplate", "spec", "template")),
        _selector(_get(spec, "jobTemplate", "spec", "selector")),
    ]


def _node(obj: Obj, now: float) -> list[Any]:
    meta = obj.get("metadata") or {}
    status = obj.get("status") or {}
    ready = next((c for c in status.get("conditions") or () if c.get("type") == "Ready"), None)
    state = "Unknown"
    if ready is not None:
        state = {"True": "Ready", "False": "NotReady"}.get(ready.get("status"), "Unknown")
    if _get(obj, "spec", "unschedulable"):
        state += ",SchedulingDisabled"
    roles = sorted(
        key.split("/", 1)[1]
        for key in meta.get("labels") or {}
        if key.startswith("node-role.kubernetes.io/")
    )
    addresses = {a.get("type"): a.get("address") for a in status.get("addresses") or ()}
    info = status.get("nodeInfo") or {}
    return [
        meta.get("name"),
        state,
        ",".join(roles) or "<none>",
        _age(obj, now),
        info.get("kubeletVersion", ""),
        addresses.get("InternalIP") or "<none>",
        addresses.get("ExternalIP") or "<none>",
        info.get("osImage", "<unknown>"),
        info.get("kernelVersion", "<unknown>"),
        info.get("containerRuntimeVersion", "<unknown>"),
    ]


def _namespace(obj: Obj, now: float) -> list[Any]:
    return [_get(obj, "metadata", "name"), _get(obj, "status", "phase") or "", _age(obj, now)]


def _event(obj: Obj, now: float) -> list[Any]:
    involved = obj.get("involvedObject") or {}
    source = obj.get("source") or {}
    last = obj.get("lastTimestamp") or obj.get("eventTime")
    first = obj.get("firstTimestamp") or obj.get("eventTime")
    origin = ", ".join(str(v) for v in (source.get("component"), source.get("host")) if v)
    return [
        _since(last, now),
        obj.get("type", ""),
        obj.get("reason", ""),
        f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}",
        involved.get("fieldPath", ""),
        origin,
        str(obj.get("message", "")).strip(),
        _since(first, now),
        _int(obj.get("count")) or 1,
        _get(obj, "metadata", "name"),
    ]


def _created_at(obj: Obj, now: float) -> list[Any]:
    """The API machinery's default table: name and creation time (Roles, ClusterRoles)."""
    return [_get(obj, "metadata", "name"), _get(obj, "metadata", "creationTimestamp")]


def _binding(obj: Obj, now: float) -> list[Any]:
    ref = obj.get("roleRef") or {}
    subjects = [s for s in obj.get("subjects") or () if isinstance(s, Mapping)]

    def named(kind: str) -> str:
        return ", ".join(str(s.get("name")) for s in subjects if s.get("kind") == kind)

    accounts = ", ".join(
        f"{s.get('namespace', '')}/{s.get('name')}"
        for s in subjects
        if s.get("kind") == "ServiceAccount"
    )
    return [
        _get(obj, "metadata", "name"),
        f"{ref.get('kind')}/{ref.get('name')}",
        _age(obj, now),
        named("User"),
        named("Group"),
        accounts,
    ]


_CREATED_AT: tuple[Column, ...] = (
    _NAME,
    ("Created At", "date", 0, _AGE[3]),
)
_ROLE_REF = (
    "RoleRef can reference a Role in the current namespace or a ClusterRole in the global "
    "namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This "
    "field is immutable."
)
_CLUSTER_ROLE_REF = (
    "RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be "
    "resolved, the Authorizer must return an error. This field is immutable."
)


def _binding_columns(ref: str, kind: str) -> tuple[Column, ...]:
    return (
        _NAME,
        ("Role", "string", 0, ref),
        _AGE,
        ("Users", "string", 1, f"Users in the {kind}"),
        ("Groups", "string", 1, f"Groups in the {kind}"),
        ("ServiceAccounts", "string", 1, f"ServiceAccounts in the {kind}"),
    )


PRINTERS: dict[str, tuple[tuple[Column, ...], Callable[[Obj, float], list[Any]]]] = {
    "clusterroles": (_CREATED_AT, _created_at),
    "roles": (_CREATED_AT, _created_at),
    "customresourcedefinitions": (_CREATED_AT, _created_at),
    "clusterrolebindings": (_binding_columns(_CLUSTER_ROLE_REF, "clusterRoleBinding"), _binding),
    "rolebindings": (_binding_columns(_ROLE_REF, "roleBinding"), _binding),
    "pods": (
        (
            _NAME,
            (
                "Ready",
                "string",
                0,
                "The aggregate readiness state of this pod for accepting traffic.",
            ),
            ("Status", "string", 0, "The aggregate status of the containers in this pod."),
            (
                "Restarts",
                "string",
                0,
                "How often the containers of this pod restarted, and when the last one did.",
            ),
            _AGE,
            ("IP", "string", 1, "IP address allocated to the pod."),
            ("Node", "string", 1, "NodeName indicates in which node this pod is scheduled."),
            (
                "Nominated Node",
                "string",
                1,
                "nominatedNodeName is set when this pod preempts other pods on the node.",
            ),
            (
                "Readiness Gates",
                "string",
                1,
                "If specified, all readiness gates will be evaluated for pod readiness.",
            ),
        ),
        _pod,
    ),
    "deployments": (
        (
            _NAME,
            ("Ready", "string", 0, "Number of the pod with ready state"),
            (
                "Up-to-date",
                "integer",
                0,
                "Non-terminated pods of this deployment that have the desired template.",
            ),
            (
                "Available",
                "integer",
                0,
                "Pods of this deployment ready for at least minReadySeconds.",
            ),
            _AGE,
            _CONTAINERS,
            _IMAGES,
            _SELECTOR,
        ),
        _deployment,
    ),
    "replicasets": (
        (
            _NAME,
            ("Desired", "integer", 0, "Replicas is the number of desired replicas."),
            ("Current", "integer", 0, "Replicas is the most recently observed number of replicas."),
            (
                "Ready",
                "integer",
                0,
                "Pods of this ReplicaSet with a Ready condition.",
            ),
            _AGE,
            _CONTAINERS,
            _IMAGES,
            _SELECTOR,
        ),
        _replicaset,
    ),
    "statefulsets": (
        (
            _NAME,
            ("Ready", "string", 0, "Number of the pod with ready state"),
            _AGE,
            _CONTAINERS,
            _IMAGES,
        ),
        _statefulset,
    ),
    "daemonsets": (
        (
            _NAME,
            (
                "Desired",
                "integer",
                0,
                "The total number of nodes that should be running the daemon pod.",
            ),
            (
                "Current",
                "integer",
                0,
                "Nodes that run at least one daemon pod and should run it.",
            ),
            (
                "Ready",
                "integer",
                0,
                "Nodes that should run the daemon pod and run a ready one.",
            ),
            (
                "Up-to-date",
                "integer",
                0,
                "The total number of nodes that are running updated daemon pod",
            ),
            (
                "Available",
                "integer",
                0,
                "Nodes that should run the daemon pod and run an available one.",
            ),
            (
                "Node Selector",
                "string",
                0,
                "NodeSelector is a selector which must be true for the pod to fit on a node.",
            ),
            _AGE,
            _CONTAINERS,
            _IMAGES,
            _SELECTOR,
        ),
        _daemonset,
    ),
    "jobs": (
        (
            _NAME,
            ("Status", "string", 0, "Status of the job."),
            (
                "Completions",
                "string",
                0,
                "The desired number of successfully finished pods the job should be run with.",
            ),
            ("Duration", "string", 0, "Time required to complete the job."),
            _AGE,
            _CONTAINERS,
            _IMAGES,
            _SELECTOR,
        ),
        _job,
    ),
    "cronjobs": (
        (
            _NAME,
            (
                "Schedule",
                "string",
                0,
                "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.",
            ),
            ("Timezone", "string", 0, "The time zone name for the given schedule."),
            (
                "Suspend",
                "boolean",
                0,
                "This flag tells the controller to suspend subsequent executions.",
            ),
            ("Active", "integer", 0, "A list of pointers to currently running jobs."),
            (
                "Last Schedule",
                "string",
                0,
                "Information when was the last time the job was successfully scheduled.",
            ),
            _AGE,
            _CONTAINERS,
            _IMAGES,
            _SELECTOR,
        ),
        _cronjob,
    ),
    "nodes": (
        (
            _NAME,
            ("Status", "string", 0, "The status of the node"),
            ("Roles", "string", 0, "The roles of the node"),
            _AGE,
            ("Version", "string", 0, "Kubelet Version reported by the node."),
            ("Internal-IP", "string", 1, "List of addresses reachable to the node."),
            ("External-IP", "string", 1, "List of addresses reachable to the node."),
            (
                "OS-Image",
                "string",
                1,
                "OS Image reported by the node from /etc/os-release.",
            ),
            (
                "Kernel-Version",
                "string",
                1,
                "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
            ),
            (
                "Container-Runtime",
                "string",
                1,
                "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
            ),
        ),
        _node,
    ),
    "namespaces": (
        (
            _NAME,
            ("Status", "string", 0, "The status of the namespace"),
            _AGE,
        ),
        _namespace,
    ),
    "events": (
        (
            ("Last Seen", "string", 0, "Time when this Event was last observed."),
            (
                "Type",
                "string",
                0,
                "Type of this event (Normal, Warning), new types could be added in the future.",
            ),
            (
                "Reason",
                "string",
                0,
                "A short, machine understandable reason for the transition.",
            ),
            ("Object", "string", 0, "The object that this event is about."),
            ("Subobject", "string", 1, "The subobject that this event is about."),
            ("Source", "string", 1, "The component reporting this event."),
            (
                "Message",
                "string",
                0,
                "A human-readable description of the status of this operation.",
            ),
            ("First Seen", "string", 1, "The time at which the event was first recorded."),
            ("Count", "string", 1, "The number of times this event has occurred."),
            ("Name", "string", 1, "Name must be unique within a namespace."),
        ),
        _event,
    ),
}


def column_definitions(resource: ResourceType) -> list[dict[str, Any]]:
    if resource.custom:
        return customtables.column_definitions(resource)
    columns, _ = PRINTERS[resource.plural]
    return [
        {
            "name": name,
            "type": kind,
            "format": "name" if name == "Name" else "",
            "description": description,
            "priority": priority,
        }
        for name, kind, priority, description in columns
    ]


def row(
    resource: ResourceType, obj: Obj, now: float, include_object: str = "Metadata"
) -> dict[str, Any]:
    if resource.custom:
        found: dict[str, Any] = {"cells": customtables.cells(resource, obj, now, human_duration)}
    else:
        _, printer = PRINTERS[resource.plural]
        found = {"cells": printer(obj, now)}
    if include_object == "Object":
        found["object"] = obj
    elif include_object != "None":
        found["object"] = {
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata") or {},
        }
    return found


def table(
    resource: ResourceType,
    objects: list[Obj],
    now: float,
    metadata: dict[str, Any],
    *,
    include_object: str = "Metadata",
    with_columns: bool = True,
) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": metadata}
    if with_columns:
        body["columnDefinitions"] = column_definitions(resource)
    body["rows"] = [row(resource, obj, now, include_object) for obj in objects]
    return body
