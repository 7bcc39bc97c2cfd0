"""Table rows of custom resources, from their CRD's ``additionalPrinterColumns``.

As the apiextensions server builds them: NAME first, then the declared columns
(or a lone AGE when there are none), each cell the first value its JSONPath finds.
``date`` cells become ages, because kubectl prints cells as it gets them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from simcluster import jsonpath
from simcluster.clock import parse_time
from simcluster.resources import PrinterColumn, ResourceType

_AGE = PrinterColumn(
    "Age",
    "date",
    ".metadata.creationTimestamp",
    "CreationTimestamp is a timestamp representing the server time when this object was "
    "created. It is not guaranteed to be set in happens-before order across separate "
    "operations. Clients may not set this value. It is represented in RFC3339 form and is "
    "in UTC.",
)
_NAME_DESCRIPTION = (
    "Name must be unique within a namespace. Is required when creating resources, although "
    "some resources may allow a client to request the generation of an appropriate name "
    "automatically. Name is primarily intended for creation idempotence and configuration "
    "definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
)


def _columns(resource: ResourceType) -> tuple[PrinterColumn, ...]:
    return resource.printer_columns or (_AGE,)


def column_definitions(resource: ResourceType) -> list[dict[str, Any]]:
    found = [
        {
            "name": "Name",
            "type": "string",
            "format": "name",
            "description": _NAME_DESCRIPTION,
            "priority": 0,
        }
    ]
    found.extend(
        {
            "name": column.name,
            "type": column.type,
            "format": column.format,
            "description": column.description,
            "priority": column.priority,
        }
        for column in _columns(resource)
    )
    return found


Human = Callable[[float], str]


def _cell(column: PrinterColumn, value: object, now: float, human: Human) -> object:
    if value is None:
        return None
    if column.type == "date":
        when = parse_time(value)
        return human(now - when) if when is not None else str(value)
    if column.type in ("integer", "number", "boolean"):
        return value
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def cells(resource: ResourceType, obj: Mapping[str, Any], now: float, human: Human) -> list[Any]:
    """``human`` renders seconds as an age (tables.human_duration, passed in to keep
    this module free of the built-in printers)."""
    found: list[Any] = [(obj.get("metadata") or {}).get("name")]
    for column in _columns(resource):
        found.append(_cell(column, jsonpath.first(obj, column.json_path), now, human))
    return found
