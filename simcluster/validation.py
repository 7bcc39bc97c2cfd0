"""What the API server refuses with 422 Invalid, for the fields the simulator relies on.

Not the whole of Kubernetes validation: enough that an object accepted here has
every field the controllers, the status engine and strict client deserialisers
need (containers with names and images, selectors matching their templates).
Type errors are 400 BadRequest, as the real server's JSON decoder reports them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gateway.selectors import selector_from_spec
from gateway.status.cron import ScheduleError, check_zone, parse_schedule
from simcluster import errors, rbacobjects
from simcluster.errors import FieldError
from simcluster.resources import (
    CRONJOBS,
    DAEMONSETS,
    DEPLOYMENTS,
    EVENTS,
    JOBS,
    NAMESPACES,
    PODS,
    RBAC_RESOURCES,
    REPLICASETS,
    STATEFULSETS,
    ResourceType,
)

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_QUALIFIED = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
SUBDOMAIN_TEXT = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
    "'-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
    "regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_TEXT = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
_GO_TYPES = {int: "int32", str: "string", bool: "bool", list: "array", dict: "object"}
_TEMPLATED = (DEPLOYMENTS, REPLICASETS, STATEFULSETS, DAEMONSETS)


def type_error(path: str, expected: type, value: object) -> errors.ApiError:
    got = {
        bool: "bool",
        int: "number",
        float: "number",
        str: "string",
        list: "array",
        dict: "object",
    }.get(type(value), "null")
    return errors.bad_request(
        f"json: cannot unmarshal {got} into Go struct field {path} of type {_GO_TYPES[expected]}"
    )


def _expect(value: object, expected: type, path: str) -> None:
    if value is None:
        return
    if expected is int and isinstance(value, bool):
        raise type_error(path, expected, value)
    if not isinstance(value, expected):
        raise type_error(path, expected, value)


def is_subdomain(name: str) -> bool:
    return len(name) <= 253 and bool(_SUBDOMAIN.match(name))


def _labels(labels: object, path: str, found: list[FieldError]) -> None:
    _expect(labels, dict, path)
    for key, value in (labels or {}).items():  # type: ignore[attr-defined]
        prefix, _, name = key.rpartition("/")
        if (prefix and not is_subdomain(prefix)) or len(name) > 63 or not _QUALIFIED.match(name):
            found.append(
                FieldError(
                    path,
                    "FieldValueInvalid",
                    "name part must consist of alphanumeric characters, '-', '_' or '.', and "
                    "must start and end with an alphanumeric character",
                    key,
                )
            )
        if not isinstance(value, str):
            raise type_error(f"{path}", str, value)
        if len(value) > 63 or not _LABEL_VALUE.match(value):
            found.append(
                FieldError(
                    f"{path}",
                    "FieldValueInvalid",
                    "a valid label must be an empty string or consist of alphanumeric "
                    "characters, '-', '_' or '.', and must start and end with an alphanumeric "
                    "character",
                    value,
                )
            )


def _metadata(resource: ResourceType, meta: Mapping[str, Any], found: list[FieldError]) -> None:
    name = meta.get("name")
    _expect(name, str, "ObjectMeta.metadata.name")
    _expect(meta.get("annotations"), dict, "ObjectMeta.metadata.annotations")
    _expect(meta.get("finalizers"), list, "ObjectMeta.metadata.finalizers")
    _expect(meta.get("ownerReferences"), list, "ObjectMeta.metadata.ownerReferences")
    if not name:
        found.append(
            FieldError("metadata.name", "FieldValueRequired", "name or generateName is required")
        )
    elif resource is NAMESPACES and (len(name) > 63 or not _LABEL.match(name)):
        found.append(FieldError("metadata.name", "FieldValueInvalid", LABEL_TEXT, name))
    elif resource in RBAC_RESOURCES:
        if problem := rbacobjects.path_segment_problem(name):
            found.append(FieldError("metadata.name", "FieldValueInvalid", problem, name))
    elif resource is not EVENTS and not is_subdomain(name):
        found.append(FieldError("metadata.name", "FieldValueInvalid", SUBDOMAIN_TEXT, name))
    _labels(meta.get("labels"), "metadata.labels", found)
    for value in (meta.get("annotations") or {}).values():
        if not isinstance(value, str):
            raise type_error("ObjectMeta.metadata.annotations", str, value)


def _pod_spec(
    spec: object, path: str, found: list[FieldError], restart_policies: tuple[str, ...]
) -> None:
    if not isinstance(spec, dict):
        if spec is not None:
            raise type_error(path, dict, spec)
        found.append(FieldError(path, "FieldValueRequired"))
        return
    containers = spec.get("containers")
    _expect(containers, list, f"PodSpec.{path}.containers")
    if not containers:
        found.append(FieldError(f"{path}.containers", "FieldValueRequired"))
    names: set[str] = set()
    for key in ("initContainers", "containers"):
        listed = spec.get(key) or []
        _expect(listed, list, f"PodSpec.{path}.{key}")
        for index, container in enumerate(listed):
            where = f"{path}.{key}[{index}]"
            if not isinstance(container, dict):
                raise type_error(f"PodSpec.{where}", dict, container)
            name = container.get("name")
            _expect(name, str, f"Container.{where}.name")
            _expect(container.get("image"), str, f"Container.{where}.image")
            _expect(container.get("resources"), dict, f"Container.{where}.resources")
            if not name:
                found.append(FieldError(f"{where}.name", "FieldValueRequired"))
            elif len(name) > 63 or not _LABEL.match(name):
                found.append(FieldError(f"{where}.name", "FieldValueInvalid", LABEL_TEXT, name))
            elif name in names:
                found.append(FieldError(f"{where}.name", "FieldValueDuplicate", value=name))
            else:
                names.add(name)
            if not container.get("image"):
                found.append(FieldError(f"{where}.image", "FieldValueRequired"))
    policy = spec.get("restartPolicy")
    if policy not in restart_policies:
        found.append(
            FieldError(
                f"{path}.restartPolicy",
                "FieldValueNotSupported",
                "supported values: " + ", ".join(f'"{p}"' for p in restart_policies),
                policy,
            )
        )
    _expect(spec.get("nodeSelector"), dict, f"PodSpec.{path}.nodeSelector")
    _expect(spec.get("tolerations"), list, f"PodSpec.{path}.tolerations")


def _non_negative(spec: Mapping[str, Any], field: str, path: str, found: list[FieldError]) -> None:
    value = spec.get(field)
    _expect(value, int, f"{path}.{field}")
    if isinstance(value, int) and value < 0:
        found.append(
            FieldError(
                f"{path}.{field}",
                "FieldValueInvalid",
                "must be greater than or equal to 0",
                value,
            )
        )


def _selector_and_template(
    spec: Mapping[str, Any], path: str, found: list[FieldError], policies: tuple[str, ...]
) -> None:
    template = spec.get("template")
    _expect(template, dict, f"{path}.template")
    _expect(spec.get("selector"), dict, f"{path}.selector")
    selector = selector_from_spec(spec.get("selector"))
    labels = ((template or {}).get("metadata") or {}).get("labels") or {}
    _labels(labels, f"{path}.template.metadata.labels", found)
    if selector is None:
        found.append(
            FieldError(f"{path}.selector", "FieldValueRequired")
            if not spec.get("selector")
            else FieldError(
                f"{path}.selector",
                "FieldValueInvalid",
                "empty selector is invalid for deployment",
                "",
            )
        )
    elif not selector.matches(labels):
        found.append(
            FieldError(
                f"{path}.template.metadata.labels",
                "FieldValueInvalid",
                "`selector` does not match template `labels`",
                ",".join(f"{k}={v}" for k, v in sorted(labels.items())),
            )
        )
    _pod_spec((template or {}).get("spec"), f"{path}.template.spec", found, policies)


def validate(resource: ResourceType, obj: Mapping[str, Any]) -> None:
    """Raise ApiError 422 (or 400 for a wrong type) if the object cannot be stored."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        raise type_error("metadata", dict, meta)
    found: list[FieldError] = []
    _metadata(resource, meta, found)
    spec = obj.get("spec")
    if resource in RBAC_RESOURCES:
        rbacobjects.validate(resource, obj, found)
    elif resource not in (EVENTS, NAMESPACES) and resource.plural != "nodes":
        if spec is not None and not isinstance(spec, dict):
            raise type_error(f"{resource.kind}.spec", dict, spec)
        spec = spec or {}
        if resource is PODS:
            _pod_spec(spec, "spec", found, ("Always", "OnFailure", "Never"))
        elif resource in _TEMPLATED:
            _non_negative(spec, "replicas", "spec", found)
            _selector_and_template(spec, "spec", found, ("Always",))
        elif resource is JOBS:
            for field in ("parallelism", "completions", "backoffLimit"):
                _non_negative(spec, field, "spec", found)
            _selector_and_template(spec, "spec", found, ("OnFailure", "Never"))
        elif resource is CRONJOBS:
            _cronjob(spec, found)
    if found:
        raise errors.invalid(resource, str(meta.get("name") or ""), found)


def _cronjob(spec: Mapping[str, Any], found: list[FieldError]) -> None:
    schedule = spec.get("schedule")
    _expect(schedule, str, "CronJobSpec.spec.schedule")
    if not schedule:
        found.append(FieldError("spec.schedule", "FieldValueRequired"))
    else:
        try:
            parse_schedule(schedule)
        except ScheduleError as error:
            found.append(FieldError("spec.schedule", "FieldValueInvalid", str(error), schedule))
    zone = spec.get("timeZone")
    _expect(zone, str, "CronJobSpec.spec.timeZone")
    if zone:
        try:
            check_zone(zone)
        except ScheduleError:
            found.append(
                FieldError("spec.timeZone", "FieldValueInvalid", "unknown time zone", zone)
            )
    job_template = spec.get("jobTemplate")
    _expect(job_template, dict, "CronJobSpec.spec.jobTemplate")
    job_spec = (job_template or {}).get("spec") or {}
    template = job_spec.get("template")
    _expect(template, dict, "spec.jobTemplate.spec.template")
    _pod_spec(
        (template or {}).get("spec"),
        "spec.jobTemplate.spec.template.spec",
        found,
        ("OnFailure", "Never"),
    )
