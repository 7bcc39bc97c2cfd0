"""The JSONPath subset CRDs use: printer columns and scale subresource paths.

``.status.replicas``, ``.spec.containers[0].image``, ``.items[*].name``,
``.status.conditions[-1:].type`` and filters such as
``.status.conditions[?(@.type=="Ready")].status`` (``==`` and ``!=`` on a
string, number or boolean). That covers what real CRDs declare in
``additionalPrinterColumns``; anything else finds nothing rather than failing,
as the API server prints an empty cell for a path that finds nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

_STEP = re.compile(r"\.([^.\[]+)|\[([^\]]*)\]")
_FILTER = re.compile(r"^\?\(@\.([\w.-]+)\s*(==|!=)\s*(.+)\)$")


def _literal(text: str) -> object:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    try:
        parsed: object = json.loads(text)
    except ValueError:
        return text
    return parsed


def _dotted(value: object, path: str) -> object:
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _sliced(items: list[Any], index: str) -> list[Any]:
    start, _, end = index.partition(":")
    try:
        return items[slice(int(start) if start else None, int(end) if end else None)]
    except ValueError:
        return []


def _step(values: list[Any], field: str | None, index: str | None) -> list[Any]:
    found: list[Any] = []
    for value in values:
        if field is not None:
            if isinstance(value, Mapping) and field in value:
                found.append(value[field])
            continue
        if not isinstance(value, list) or index is None:
            continue
        if index == "*":
            found.extend(value)
        elif match := _FILTER.match(index):
            key, operator, expected = match.group(1), match.group(2), _literal(match.group(3))
            for item in value:
                equal = _dotted(item, key) == expected
                if equal == (operator == "=="):
                    found.append(item)
        elif index.lstrip("-").isdigit() and -len(value) <= int(index) < len(value):
            found.append(value[int(index)])
        elif ":" in index:
            found.extend(_sliced(value, index))
    return found


def find(obj: object, path: str) -> list[Any]:
    """Every value ``path`` selects in ``obj``; ``{...}`` braces are optional."""
    path = path.strip()
    if path.startswith("{") and path.endswith("}"):
        path = path[1:-1]
    values: list[Any] = [obj]
    position = 0
    while position < len(path) and values:
        match = _STEP.match(path, position)
        if match is None:
            return []
        values = _step(values, match.group(1), match.group(2))
        position = match.end()
    return values


def first(obj: object, path: str) -> Any:
    found = find(obj, path)
    return found[0] if found else None


def assign(obj: dict[str, Any], path: str, value: object) -> None:
    """Set a plain dotted path (``.spec.replicas``), making the maps on the way."""
    parts = [p for p in path.strip().split(".") if p]
    target = obj
    for part in parts[:-1]:
        nested = target.get(part)
        if not isinstance(nested, dict):
            nested = target[part] = {}
        target = nested
    if parts:
        target[parts[-1]] = value
