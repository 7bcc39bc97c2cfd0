"""The three patch formats of the Kubernetes API: JSON merge, JSON patch, strategic merge.

Strategic merge patch is what ``kubectl patch``, ``apply``, ``set image`` and
``rollout restart`` send: like a merge patch, except lists of named things
(containers, env, ports, conditions...) merge element by element on their key and
``$patch``/``$retainKeys``/``$deleteFromPrimitiveList`` directives change how. The
merge keys come from a table of field names rather than from OpenAPI, which covers
every list the served resources have.
"""

from __future__ import annotations

import copy
from typing import Any

from simcluster import errors

MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"

MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "ports": "containerPort",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "conditions": "type",
    "ownerReferences": "uid",
    "hostAliases": "ip",
    "resourceClaims": "name",
    "schedulingGates": "name",
    "topologySpreadConstraints": "topologyKey",
}
MERGED_PRIMITIVE_LISTS = frozenset({"finalizers"})


class PatchError(Exception):
    """The patch applies to nothing sensible; the message says where."""


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"JSON pointer {path!r} must start with /")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _index(container: list[Any], token: str, *, adding: bool) -> int:
    if adding and token == "-":
        return len(container)
    if not token.isdigit() or (len(token) > 1 and token[0] == "0"):
        raise PatchError(f"invalid array index {token!r}")
    index = int(token)
    limit = len(container) if adding else len(container) - 1
    if index > limit:
        raise PatchError(f"array index {index} is out of bounds")
    return index


def _parent(document: Any, parts: list[str]) -> Any:
    node = document
    for token in parts[:-1]:
        if isinstance(node, dict):
            if token not in node:
                raise PatchError(f"path segment {token!r} does not exist")
            node = node[token]
        elif isinstance(node, list):
            node = node[_index(node, token, adding=False)]
        else:
            raise PatchError(f"cannot descend into a {type(node).__name__} at {token!r}")
    return node


def _get(document: Any, path: str) -> Any:
    parts = _pointer(path)
    if not parts:
        return document
    parent = _parent(document, parts)
    token = parts[-1]
    if isinstance(parent, dict):
        if token not in parent:
            raise PatchError(f"path {path!r} does not exist")
        return parent[token]
    if isinstance(parent, list):
        return parent[_index(parent, token, adding=False)]
    raise PatchError(f"path {path!r} does not exist")


def _remove(document: Any, path: str) -> Any:
    parts = _pointer(path)
    if not parts:
        raise PatchError("cannot remove the whole document")
    parent = _parent(document, parts)
    token = parts[-1]
    if isinstance(parent, dict):
        if token not in parent:
            raise PatchError(f"path {path!r} does not exist")
        return parent.pop(token)
    if isinstance(parent, list):
        return parent.pop(_index(parent, token, adding=False))
    raise PatchError(f"path {path!r} does not exist")


def _add(document: Any, path: str, value: Any, *, replace: bool = False) -> Any:
    parts = _pointer(path)
    if not parts:
        return value
    parent = _parent(document, parts)
    token = parts[-1]
    if isinstance(parent, dict):
        if replace and token not in parent:
            raise PatchError(f"path {path!r} does not exist")
        parent[token] = value
    elif isinstance(parent, list):
        if replace:
            parent[_index(parent, token, adding=False)] = value
        else:
            parent.insert(_index(parent, token, adding=True), value)
    else:
        raise PatchError(f"cannot add to a {type(parent).__name__} at {path!r}")
    return document


def json_patch(target: Any, operations: Any) -> Any:
    """RFC 6902 on a copy of ``target``."""
    if not isinstance(operations, list):
        raise PatchError("a JSON patch must be a list of operations")
    document = copy.deepcopy(target)
    for number, operation in enumerate(operations):
        if not isinstance(operation, dict) or not isinstance(operation.get("path"), str):
            raise PatchError(f"operation {number} must be an object with a string path")
        op = operation.get("op")
        path: str = operation["path"]
        if op in ("add", "replace", "test") and "value" not in operation:
            raise PatchError(f"operation {number} ({op}) needs a value")
        if op == "add":
            document = _add(document, path, copy.deepcopy(operation["value"]))
        elif op == "remove":
            _remove(document, path)
        elif op == "replace":
            document = _add(document, path, copy.deepcopy(operation["value"]), replace=True)
        elif op in ("move", "copy"):
            source = operation.get("from")
            if not isinstance(source, str):
                raise PatchError(f"operation {number} ({op}) needs a string from")
            value = (
                _remove(document, source) if op == "move" else copy.deepcopy(_get(document, source))
            )
            document = _add(document, path, value)
        elif op == "test":
            if _get(document, path) != operation["value"]:
                raise PatchError(f"test operation {number} failed at {path!r}")
        else:
            raise PatchError(f"operation {number} has unknown op {op!r}")
    return document


def strategic_merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        raise PatchError("a strategic merge patch must be a JSON object")
    return _merge_map(target if isinstance(target, dict) else {}, patch)


def _merge_map(target: dict[str, Any], patch: dict[str, Any]) -> Any:
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if directive == "delete":
        return None
    if directive is not None:
        raise PatchError(f"unknown $patch directive {directive!r}")
    result = dict(target)
    retain = patch.get("$retainKeys")
    for key, value in patch.items():
        if key in ("$retainKeys",) or key.startswith("$setElementOrder/"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            if isinstance(result.get(field), list) and isinstance(value, list):
                result[field] = [item for item in result[field] if item not in value]
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            merged = _merge_map(result[key] if isinstance(result.get(key), dict) else {}, value)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        elif isinstance(value, list):
            result[key] = _merge_list(key, result.get(key), value)
        else:
            result[key] = value
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _merge_list(field: str, target: Any, patch: list[Any]) -> list[Any]:
    current = list(target) if isinstance(target, list) else []
    if any(isinstance(item, dict) and item.get("$patch") == "replace" for item in patch):
        return [
            copy.deepcopy(item)
            for item in patch
            if not (isinstance(item, dict) and item.get("$patch") == "replace")
        ]
    if field in MERGED_PRIMITIVE_LISTS:
        return current + [item for item in patch if item not in current]
    key = MERGE_KEYS.get(field)
    if key is None or not all(isinstance(item, dict) for item in patch):
        return copy.deepcopy(patch)
    for item in patch:
        if key not in item:
            raise PatchError(f"{field}: an element has no merge key {key!r}")
        position = next(
            (
                i
                for i, old in enumerate(current)
                if isinstance(old, dict) and old.get(key) == item[key]
            ),
            None,
        )
        if item.get("$patch") == "delete":
            if position is not None:
                current.pop(position)
            continue
        if position is None:
            merged = _merge_map({}, item)
            if merged is not None:
                current.append(merged)
        else:
            merged = _merge_map(current[position], item)
            if merged is None:
                current.pop(position)
            else:
                current[position] = merged
    return current


def apply_patch(content_type: str, target: dict[str, Any], patch: Any) -> dict[str, Any]:
    """Apply a parsed patch body; ApiError 415/422 when the type or the result is unusable."""
    try:
        if content_type == MERGE_PATCH:
            result = merge_patch(target, patch)
        elif content_type == JSON_PATCH:
            result = json_patch(target, patch)
        elif content_type == STRATEGIC_MERGE_PATCH:
            result = strategic_merge_patch(target, patch)
        else:
            raise errors.unsupported_media_type(content_type)
    except PatchError as error:
        raise errors.ApiError(
            422,
            "Invalid",
            f"the server rejected our request due to an error in our request: {error}",
        ) from None
    if not isinstance(result, dict):
        raise errors.ApiError(
            422, "Invalid", "the server rejected our request: the patched object is not an object"
        )
    return result
