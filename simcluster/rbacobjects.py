"""What the API server does to Role, ClusterRole, RoleBinding and ClusterRoleBinding
objects on write: defaults, validation, and the roleRef a binding may never change.

Messages are the real server's (``rules[0].verbs: Required value: verbs must contain
at least one value``). Not done: the escalation checks (creating a role that grants
more than the writer holds needs ``escalate``, a binding needs ``bind``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simcluster import errors
from simcluster.errors import FieldError
from simcluster.resources import (
    CLUSTERROLEBINDINGS,
    CLUSTERROLES,
    ROLEBINDINGS,
    ROLES,
    ResourceType,
)

RBAC_GROUP = "rbac.authorization.k8s.io"
_BINDINGS = (ROLEBINDINGS, CLUSTERROLEBINDINGS)
_ROLES = (ROLES, CLUSTERROLES)
_SUBJECT_KINDS = ("ServiceAccount", "User", "Group")


def apply_defaults(resource: ResourceType, obj: dict[str, Any]) -> None:
    """roleRef.apiGroup, and each User or Group subject's apiGroup, default to RBAC's."""
    if resource not in _BINDINGS:
        return
    ref = obj.get("roleRef")
    if isinstance(ref, dict) and not ref.get("apiGroup"):
        ref["apiGroup"] = RBAC_GROUP
    for subject in obj.get("subjects") or ():
        if isinstance(subject, dict) and not subject.get("apiGroup"):
            if subject.get("kind") in ("User", "Group"):
                subject["apiGroup"] = RBAC_GROUP
            else:
                subject.pop("apiGroup", None)


def path_segment_problem(name: str) -> str:
    """path.IsValidPathSegmentName: RBAC names may hold ':' but not '/' or '%'."""
    if name in (".", ".."):
        return f"may not be '{name}'"
    for forbidden in ("/", "%"):
        if forbidden in name:
            return f"may not contain '{forbidden}'"
    return ""


def _type_error(path: str, expected: str, value: object) -> errors.ApiError:
    got = {bool: "bool", int: "number", float: "number", str: "string", list: "array"}.get(
        type(value), "object"
    )
    return errors.bad_request(
        f"json: cannot unmarshal {got} into Go struct field {path} of type {expected}"
    )


def _string_list(rule: Mapping[str, Any], key: str, path: str) -> list[str]:
    value = rule.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _type_error(f"{path}.{key}", "[]string", value)
    for item in value:
        if not isinstance(item, str):
            raise _type_error(f"{path}.{key}", "string", item)
    return value


def _rule(rule: object, index: int, namespaced: bool, found: list[FieldError]) -> None:
    path = f"rules[{index}]"
    if not isinstance(rule, dict):
        raise _type_error("rules", "v1.PolicyRule", rule)
    verbs = _string_list(rule, "verbs", path)
    groups = _string_list(rule, "apiGroups", path)
    resources = _string_list(rule, "resources", path)
    names = _string_list(rule, "resourceNames", path)
    urls = _string_list(rule, "nonResourceURLs", path)
    if not verbs:
        found.append(
            FieldError(
                f"{path}.verbs", "FieldValueRequired", "verbs must contain at least one value"
            )
        )
    if urls:
        if namespaced:
            found.append(
                FieldError(
                    f"{path}.nonResourceURLs",
                    "FieldValueInvalid",
                    "namespaced rules cannot apply to non-resource URLs",
                    urls,
                )
            )
        if groups or resources or names:
            found.append(
                FieldError(
                    f"{path}.nonResourceURLs",
                    "FieldValueInvalid",
                    "rules cannot apply to both regular resources and non-resource URLs",
                    urls,
                )
            )
        return
    if not groups:
        found.append(
            FieldError(
                f"{path}.apiGroups",
                "FieldValueRequired",
                "resource rules must supply at least one api group",
            )
        )
    if not resources:
        found.append(
            FieldError(
                f"{path}.resources",
                "FieldValueRequired",
                "resource rules must supply at least one resource",
            )
        )
    if names and len(resources) > 1:
        found.append(
            FieldError(
                f"{path}.resourceNames",
                "FieldValueRequired",
                "resource names cannot apply to multiple resources",
            )
        )


def _supported(values: tuple[str, ...]) -> str:
    return "supported values: " + ", ".join(f'"{v}"' for v in values)


def _subject(subject: object, index: int, namespaced: bool, found: list[FieldError]) -> None:
    path = f"subjects[{index}]"
    if not isinstance(subject, dict):
        raise _type_error("subjects", "v1.Subject", subject)
    for key in ("kind", "name", "namespace", "apiGroup"):
        if subject.get(key) is not None and not isinstance(subject[key], str):
            raise _type_error(f"{path}.{key}", "string", subject[key])
    kind = subject.get("kind") or ""
    name = subject.get("name") or ""
    group = subject.get("apiGroup") or ""
    if not name:
        found.append(FieldError(f"{path}.name", "FieldValueRequired"))
    if kind == "ServiceAccount":
        if group:
            found.append(
                FieldError(f"{path}.apiGroup", "FieldValueNotSupported", _supported(("",)), group)
            )
        if not namespaced and not subject.get("namespace"):
            found.append(FieldError(f"{path}.namespace", "FieldValueRequired"))
    elif kind in ("User", "Group"):
        if not name:
            found.append(
                FieldError(
                    f"{path}.name",
                    "FieldValueInvalid",
                    f"{kind.lower()} name cannot be empty",
                    name,
                )
            )
        if group != RBAC_GROUP:
            found.append(
                FieldError(
                    f"{path}.apiGroup", "FieldValueNotSupported", _supported((RBAC_GROUP,)), group
                )
            )
    else:
        found.append(
            FieldError(f"{path}.kind", "FieldValueNotSupported", _supported(_SUBJECT_KINDS), kind)
        )


def _role_ref(resource: ResourceType, ref: object, found: list[FieldError]) -> None:
    if ref is not None and not isinstance(ref, dict):
        raise _type_error(f"{resource.kind}.roleRef", "v1.RoleRef", ref)
    ref = ref or {}
    group = ref.get("apiGroup") or ""
    if group != RBAC_GROUP:
        found.append(
            FieldError(
                "roleRef.apiGroup", "FieldValueNotSupported", _supported((RBAC_GROUP,)), group
            )
        )
    kinds = ("Role", "ClusterRole") if resource is ROLEBINDINGS else ("ClusterRole",)
    kind = ref.get("kind") or ""
    if kind not in kinds:
        found.append(FieldError("roleRef.kind", "FieldValueNotSupported", _supported(kinds), kind))
    name = ref.get("name") or ""
    if not isinstance(name, str):
        raise _type_error("roleRef.name", "string", name)
    if not name:
        found.append(FieldError("roleRef.name", "FieldValueRequired"))
    elif problem := path_segment_problem(name):
        found.append(FieldError("roleRef.name", "FieldValueInvalid", problem, name))


def validate(resource: ResourceType, obj: Mapping[str, Any], found: list[FieldError]) -> None:
    """Add the rules', subjects' and roleRef's problems to ``found``."""
    if resource in _ROLES:
        rules = obj.get("rules")
        if rules is not None and not isinstance(rules, list):
            raise _type_error(f"{resource.kind}.rules", "[]v1.PolicyRule", rules)
        for index, rule in enumerate(rules or ()):
            _rule(rule, index, resource is ROLES, found)
    elif resource in _BINDINGS:
        _role_ref(resource, obj.get("roleRef"), found)
        subjects = obj.get("subjects")
        if subjects is not None and not isinstance(subjects, list):
            raise _type_error(f"{resource.kind}.subjects", "[]v1.Subject", subjects)
        for index, subject in enumerate(subjects or ()):
            _subject(subject, index, resource is ROLEBINDINGS, found)


def check_role_ref_unchanged(
    resource: ResourceType, old: Mapping[str, Any], new: Mapping[str, Any]
) -> None:
    """A binding's roleRef is fixed at creation: 422 ``cannot change roleRef``."""
    if resource not in _BINDINGS or old.get("roleRef") == new.get("roleRef"):
        return
    raise errors.invalid(
        resource,
        str(new["metadata"]["name"]),
        [FieldError("roleRef", "FieldValueInvalid", "cannot change roleRef", new.get("roleRef"))],
    )
