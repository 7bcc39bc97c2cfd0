"""CustomResourceDefinitions: what the API server checks, defaults and reports on them,
and the resource types their served versions become.

Validation follows apiextensions-apiserver's messages for the mistakes people
make (a name that is not ``<plural>.<group>``, a group without a dot, no storage
version); the schema itself is not enforced, as if every version declared
``x-kubernetes-preserve-unknown-fields``. Names are accepted and the CRD
Established at once: there is no naming controller racing the client.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from simcluster import errors, kubeproto
from simcluster.errors import FieldError
from simcluster.patch import STRATEGIC_MERGE_PATCH
from simcluster.resources import (
    CUSTOMRESOURCEDEFINITIONS,
    PrinterColumn,
    ResourceType,
    ScalePaths,
)
from simcluster.store import StoredObject, dump

CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_LABEL_TEXT = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
_COLUMN_TYPES = ("integer", "number", "string", "boolean", "date")
_VERSION = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def version_priority(version: str) -> tuple[int, int, int, str]:
    """Kubernetes' version order: GA before beta before alpha, higher numbers first,
    anything else last alphabetically (the order discovery lists them in)."""
    match = _VERSION.match(version)
    if match is None:
        return (3, 0, 0, version)
    major, stage, minor = int(match.group(1)), match.group(2), int(match.group(3) or 0)
    rank = {None: 0, "beta": 1, "alpha": 2}[stage]
    return (rank, -major, -minor, version)


def apply_crd_defaults(crd: dict[str, Any]) -> None:
    spec = crd.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    names = spec.get("names")
    if isinstance(names, dict) and isinstance(names.get("kind"), str):
        names.setdefault("singular", names["kind"].lower())
        names.setdefault("listKind", f"{names['kind']}List")
    spec.setdefault("conversion", {"strategy": "None"})
    for version in spec.get("versions") or ():
        if isinstance(version, dict):
            version.setdefault("served", False)
            version.setdefault("storage", False)


def _names_problems(names: Mapping[str, Any], found: list[FieldError]) -> None:
    plural = names.get("plural")
    if not plural:
        found.append(FieldError("spec.names.plural", "FieldValueRequired"))
    elif not isinstance(plural, str) or not _LABEL.match(plural):
        found.append(FieldError("spec.names.plural", "FieldValueInvalid", _LABEL_TEXT, plural))
    singular = names.get("singular")
    if isinstance(singular, str) and singular and not _LABEL.match(singular):
        found.append(FieldError("spec.names.singular", "FieldValueInvalid", _LABEL_TEXT, singular))
    kind = names.get("kind")
    if not kind:
        found.append(FieldError("spec.names.kind", "FieldValueRequired"))
    for index, short in enumerate(names.get("shortNames") or ()):
        if not isinstance(short, str) or not _LABEL.match(short):
            found.append(
                FieldError(
                    f"spec.names.shortNames[{index}]", "FieldValueInvalid", _LABEL_TEXT, short
                )
            )


def _version_problems(versions: object, found: list[FieldError]) -> None:
    if not isinstance(versions, list) or not versions:
        found.append(
            FieldError("spec.versions", "FieldValueRequired", "must have at least one version")
        )
        return
    seen: set[str] = set()
    for index, version in enumerate(versions):
        where = f"spec.versions[{index}]"
        name = _dict(version).get("name")
        if not isinstance(name, str) or not _DNS1035.match(name):
            found.append(
                FieldError(
                    f"{where}.name",
                    "FieldValueInvalid",
                    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
                    "start with an alphabetic character, and end with an alphanumeric character",
                    name,
                )
            )
        elif name in seen:
            found.append(FieldError(f"{where}.name", "FieldValueDuplicate", "", name))
        else:
            seen.add(name)
        for index_, column in enumerate(_dict(version).get("additionalPrinterColumns") or ()):
            column_type = _dict(column).get("type")
            if column_type not in _COLUMN_TYPES:
                found.append(
                    FieldError(
                        f"{where}.additionalPrinterColumns[{index_}].type",
                        "FieldValueNotSupported",
                        'supported values: "integer", "number", "string", "boolean", "date"',
                        column_type,
                    )
                )
    if sum(1 for v in versions if _dict(v).get("storage") is True) != 1:
        found.append(
            FieldError(
                "spec.versions",
                "FieldValueInvalid",
                "must have exactly one version marked as storage version",
                [_dict(v).get("name") for v in versions],
            )
        )
    if not any(_dict(v).get("served") is True for v in versions):
        found.append(
            FieldError(
                "spec.versions",
                "FieldValueInvalid",
                "must have at least one version marked as served",
                [_dict(v).get("name") for v in versions],
            )
        )


def validate_crd(crd: Mapping[str, Any], old: Mapping[str, Any] | None = None) -> None:
    """422 Invalid for a CRD the real API server would refuse."""
    meta = _dict(crd.get("metadata"))
    spec = _dict(crd.get("spec"))
    names = _dict(spec.get("names"))
    group = spec.get("group")
    name = str(meta.get("name") or "")
    found: list[FieldError] = []
    if not group:
        found.append(FieldError("spec.group", "FieldValueRequired"))
    elif not isinstance(group, str) or "." not in group:
        found.append(
            FieldError(
                "spec.group", "FieldValueInvalid", "should be a domain with at least one dot", group
            )
        )
    if name != f"{names.get('plural')}.{group}":
        found.append(
            FieldError(
                "metadata.name",
                "FieldValueInvalid",
                'must be spec.names.plural+"."+spec.group',
                name,
            )
        )
    _names_problems(names, found)
    scope = spec.get("scope")
    if scope not in ("Namespaced", "Cluster"):
        found.append(
            FieldError(
                "spec.scope",
                "FieldValueNotSupported",
                'supported values: "Cluster", "Namespaced"',
                scope,
            )
        )
    _version_problems(spec.get("versions"), found)
    if old is not None:
        old_spec = _dict(old.get("spec"))
        for field in ("group", "scope"):
            if old_spec.get(field) != spec.get(field):
                found.append(
                    FieldError(
                        f"spec.{field}", "FieldValueInvalid", "field is immutable", spec.get(field)
                    )
                )
    if found:
        raise errors.invalid(CUSTOMRESOURCEDEFINITIONS, name, found)


def _condition(kind: str, reason: str, message: str, now: str) -> dict[str, Any]:
    return {
        "type": kind,
        "status": "True",
        "lastTransitionTime": now,
        "reason": reason,
        "message": message,
    }


def crd_status(
    crd: Mapping[str, Any], old_status: Mapping[str, Any] | None, now: str
) -> dict[str, Any]:
    """What the naming and establishing controllers report: names accepted, Established,
    and every version ever used for storage."""
    spec = _dict(crd.get("spec"))
    names = copy.deepcopy(_dict(spec.get("names")))
    previous = _dict(old_status)
    stored = list(previous.get("storedVersions") or [])
    for version in spec.get("versions") or ():
        if _dict(version).get("storage") is True and version.get("name") not in stored:
            stored.append(version.get("name"))
    conditions = previous.get("conditions")
    if not conditions:
        conditions = [
            _condition("NamesAccepted", "NoConflicts", "no conflicts found", now),
            _condition(
                "Established", "InitialNamesAccepted", "the initial names have been accepted", now
            ),
        ]
    return {"conditions": conditions, "acceptedNames": names, "storedVersions": stored}


def _columns(version: Mapping[str, Any]) -> tuple[PrinterColumn, ...]:
    return tuple(
        PrinterColumn(
            name=str(column.get("name") or ""),
            type=str(column.get("type") or "string"),
            json_path=str(column.get("jsonPath") or ""),
            description=str(column.get("description") or ""),
            priority=int(column.get("priority") or 0),
            format=str(column.get("format") or ""),
        )
        for column in version.get("additionalPrinterColumns") or ()
        if isinstance(column, Mapping)
    )


def served_types(crd: Mapping[str, Any]) -> list[ResourceType]:
    """One resource type per served version, as discovery and routing see it."""
    spec = _dict(crd.get("spec"))
    names = _dict(spec.get("names"))
    found: list[ResourceType] = []
    for version in spec.get("versions") or ():
        if not isinstance(version, Mapping) or version.get("served") is not True:
            continue
        subresources = _dict(version.get("subresources"))
        scale = subresources.get("scale")
        paths = None
        if isinstance(scale, Mapping):
            paths = ScalePaths(
                str(scale.get("specReplicasPath") or ".spec.replicas"),
                str(scale.get("statusReplicasPath") or ".status.replicas"),
                str(scale.get("labelSelectorPath") or ""),
            )
        found.append(
            ResourceType(
                str(names["plural"]),
                str(names.get("singular") or str(names["kind"]).lower()),
                str(names["kind"]),
                str(spec["group"]),
                str(version["name"]),
                namespaced=spec.get("scope") == "Namespaced",
                short_names=tuple(str(s) for s in names.get("shortNames") or ()),
                categories=tuple(str(c) for c in names.get("categories") or ()),
                has_status="status" in subresources,
                has_scale=paths is not None,
                has_generation=True,
                custom=True,
                printer_columns=_columns(version),
                scale_paths=paths,
            )
        )
    return found


def storage_version(crd: Mapping[str, Any]) -> str:
    for version in _dict(crd.get("spec")).get("versions") or ():
        if _dict(version).get("storage") is True:
            return str(version.get("name"))
    return ""


def check_body_type(resource: ResourceType, subresource: str, content_type: str) -> None:
    """415 for what the real server cannot decode for a custom resource: protobuf (there
    is no schema for it) and strategic merge patch (there are no patch strategies)."""
    if not resource.custom or subresource == "scale":
        return
    if content_type == kubeproto.CONTENT_TYPE:
        raise errors.unsupported_media_type(content_type)
    if content_type == STRATEGIC_MERGE_PATCH:
        raise errors.ApiError(
            415,
            "UnsupportedMediaType",
            f"the body of the request was in an unknown format ({content_type}) - "
            "accepted media types include: application/json-patch+json, "
            "application/merge-patch+json, application/apply-patch+yaml",
        )


def served_at(obj: StoredObject, resource: ResourceType) -> bytes:
    """An object as ``resource``'s version serves it. Objects keep the version they were
    written at; served at another, only apiVersion changes (the None conversion)."""
    if not resource.custom or obj.resource.version == resource.version:
        return obj.data
    converted = obj.load()
    converted["apiVersion"] = resource.api_version
    return dump(converted)
