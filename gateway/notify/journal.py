"""Transitions as JSON for the state file: what was received but not yet posted."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from gateway.notify.model import (
    PodTransition,
    ReachabilityTransition,
    Transition,
    WorkloadTransition,
)

_TYPES: dict[str, type[WorkloadTransition] | type[PodTransition] | type[ReachabilityTransition]] = {
    "workload": WorkloadTransition,
    "pod": PodTransition,
    "cluster": ReachabilityTransition,
}
_NAMES = {cls: name for name, cls in _TYPES.items()}
_TIMES = frozenset({"time", "since"})


def encode(transition: Transition) -> dict[str, Any]:
    data = asdict(transition)
    for name in _TIMES & data.keys():
        data[name] = data[name].isoformat() if data[name] is not None else None
    if "warnings" in data:
        data["warnings"] = list(data["warnings"])
    return {"type": _NAMES[type(transition)], **data}


def decode(data: dict[str, Any]) -> Transition:
    cls = _TYPES[data["type"]]
    # Fields added since the state file was written take their defaults.
    values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
    for name in _TIMES & values.keys():
        values[name] = datetime.fromisoformat(values[name]) if values[name] else None
    if "warnings" in values:
        values["warnings"] = tuple(values["warnings"])
    return cls(**values)
