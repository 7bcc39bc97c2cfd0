"""Saying what is wrong with an object the rules could not read.

The rules read dicts directly and fast; only when that fails does the engine come
here, to turn "it broke" into "status.replicas is a str, expected an integer".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_TYPE_NAMES: dict[type, str] = {
    dict: "an object",
    list: "a list",
    str: "a string",
    int: "an integer",
    bool: "a boolean",
}

_CONDITIONS = [
    ("status.conditions", list),
    ("status.conditions[]", dict),
    ("status.conditions[].type", str),
    ("status.conditions[].status", str),
    ("status.conditions[].reason", str),
    ("status.conditions[].message", str),
    ("status.conditions[].lastTransitionTime", str),
]

_COMMON: list[tuple[str, type]] = [
    ("metadata", dict),
    ("metadata.name", str),
    ("metadata.namespace", str),
    ("metadata.uid", str),
    ("metadata.generation", int),
    ("metadata.labels", dict),
    ("metadata.annotations", dict),
    ("metadata.creationTimestamp", str),
    ("metadata.deletionTimestamp", str),
    ("metadata.ownerReferences", list),
    ("metadata.ownerReferences[]", dict),
    ("metadata.finalizers", list),
    ("spec", dict),
    ("status", dict),
    ("status.observedGeneration", int),
    *_CONDITIONS,
]


def _containers(prefix: str) -> list[tuple[str, type]]:
    return [
        (prefix, list),
        (f"{prefix}[]", dict),
        (f"{prefix}[].name", str),
        (f"{prefix}[].image", str),
        (f"{prefix}[].resources", dict),
        (f"{prefix}[].resources.requests", dict),
        (f"{prefix}[].resources.limits", dict),
        (f"{prefix}[].restartPolicy", str),
    ]


def _container_statuses(prefix: str) -> list[tuple[str, type]]:
    fields: list[tuple[str, type]] = [
        (prefix, list),
        (f"{prefix}[]", dict),
        (f"{prefix}[].name", str),
        (f"{prefix}[].ready", bool),
        (f"{prefix}[].restartCount", int),
    ]
    for state in ("state", "lastState"):
        fields += [
            (f"{prefix}[].{state}", dict),
            (f"{prefix}[].{state}.waiting", dict),
            (f"{prefix}[].{state}.waiting.reason", str),
            (f"{prefix}[].{state}.waiting.message", str),
            (f"{prefix}[].{state}.running", dict),
            (f"{prefix}[].{state}.terminated", dict),
            (f"{prefix}[].{state}.terminated.exitCode", int),
            (f"{prefix}[].{state}.terminated.reason", str),
            (f"{prefix}[].{state}.terminated.message", str),
            (f"{prefix}[].{state}.terminated.signal", int),
        ]
    return fields


_POD: list[tuple[str, type]] = [
    *_COMMON,
    *_containers("spec.containers"),
    *_containers("spec.initContainers"),
    ("spec.nodeName", str),
    ("status.phase", str),
    ("status.reason", str),
    ("status.message", str),
    *_container_statuses("status.containerStatuses"),
    *_container_statuses("status.initContainerStatuses"),
]

_TEMPLATE: list[tuple[str, type]] = [
    ("spec.selector", dict),
    ("spec.template", dict),
    ("spec.template.spec", dict),
]

FIELDS_BY_KIND: dict[str, list[tuple[str, type]]] = {
    "Pod": _POD,
    "Deployment": [
        *_COMMON,
        *_TEMPLATE,
        ("spec.replicas", int),
        ("spec.paused", bool),
        ("spec.progressDeadlineSeconds", int),
        ("status.replicas", int),
        ("status.updatedReplicas", int),
        ("status.readyReplicas", int),
        ("status.availableReplicas", int),
    ],
    "StatefulSet": [
        *_COMMON,
        *_TEMPLATE,
        ("spec.replicas", int),
        ("spec.updateStrategy", dict),
        ("spec.updateStrategy.type", str),
        ("spec.updateStrategy.rollingUpdate", dict),
        ("spec.updateStrategy.rollingUpdate.partition", int),
        ("status.replicas", int),
        ("status.updatedReplicas", int),
        ("status.readyReplicas", int),
        ("status.availableReplicas", int),
        ("status.currentReplicas", int),
        ("status.currentRevision", str),
        ("status.updateRevision", str),
    ],
    "DaemonSet": [
        *_COMMON,
        *_TEMPLATE,
        ("spec.updateStrategy", dict),
        ("spec.updateStrategy.type", str),
        ("status.desiredNumberScheduled", int),
        ("status.currentNumberScheduled", int),
        ("status.updatedNumberScheduled", int),
        ("status.numberReady", int),
        ("status.numberAvailable", int),
        ("status.numberMisscheduled", int),
    ],
    "Job": [
        *_COMMON,
        ("spec.completions", int),
        ("spec.parallelism", int),
        ("spec.backoffLimit", int),
        ("spec.activeDeadlineSeconds", int),
        ("spec.suspend", bool),
        ("status.active", int),
        ("status.succeeded", int),
        ("status.failed", int),
        ("status.ready", int),
        ("status.startTime", str),
        ("status.completionTime", str),
    ],
    "CronJob": [
        *_COMMON,
        ("spec.schedule", str),
        ("spec.timeZone", str),
        ("spec.suspend", bool),
        ("spec.jobTemplate", dict),
        ("status.active", list),
        ("status.lastScheduleTime", str),
        ("status.lastSuccessfulTime", str),
    ],
    "ReplicaSet": [*_COMMON, ("spec.replicas", int)],
    "Node": [*_COMMON],
}

REQUIRED = ("metadata", "spec")


def describe_malformed(obj: object, kind: str) -> list[str]:
    """Every field the rules read that is absent where required or of the wrong type."""
    if not isinstance(obj, Mapping):
        return [f"the object is {_type_name(obj)}, expected an object"]
    problems = [f"{path} is missing" for path in REQUIRED if path not in obj]
    for path, expected in FIELDS_BY_KIND.get(kind, _COMMON):
        element = path.endswith("[]")
        for where, value in _values_at(obj, path):
            if value is None and not element:
                continue
            if not _is_type(value, expected):
                problems.append(
                    f"{where} is {_type_name(value)} ({_preview(value)}), "
                    f"expected {_TYPE_NAMES[expected]}"
                )
    return problems


def _values_at(obj: Mapping[str, Any], path: str) -> list[tuple[str, Any]]:
    """(concrete path, value) pairs; ``[]`` walks every element, wrong types stop the walk."""
    found: list[tuple[str, Any]] = [("", obj)]
    for part in path.split("."):
        step: list[tuple[str, Any]] = []
        name, each = (part[:-2], True) if part.endswith("[]") else (part, False)
        for where, value in found:
            if not isinstance(value, Mapping) or name not in value:
                continue
            inner = value[name]
            here = f"{where}.{name}" if where else name
            if each:
                if isinstance(inner, list):
                    step.extend((f"{here}[{i}]", item) for i, item in enumerate(inner))
            else:
                step.append((here, inner))
        found = step
    return found


def _is_type(value: object, expected: type) -> bool:
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is dict:
        return isinstance(value, Mapping)
    return isinstance(value, expected)


def _type_name(value: object) -> str:
    name = type(value).__name__
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


def _preview(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
