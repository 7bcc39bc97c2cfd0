"""Manifests for the tests, small and explicit: a workload per call."""

from __future__ import annotations

from typing import Any

from simcluster.behaviours import PREFIX


def behaviour(**values: str) -> dict[str, str]:
    """Behaviour annotations: ``behaviour(behavior="crash-loop", run_seconds="3")``."""
    return {PREFIX + key.replace("_", "-"): value for key, value in values.items()}


def template(name: str, annotations: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"labels": {"app": name}}
    if annotations:
        meta["annotations"] = annotations
    container = {"name": "main", "image": spec.pop("image", "nginx:1.27")}
    resources = spec.pop("resources", None)
    if resources:
        container["resources"] = resources
    return {"metadata": meta, "spec": {"containers": [container], **spec}}


def workload(
    kind: str,
    name: str,
    annotations: dict[str, str] | None = None,
    *,
    namespace: str = "default",
    finalizers: list[str] | None = None,
    pod: dict[str, Any] | None = None,
    replicas: int | None = None,
    **spec: Any,
) -> dict[str, Any]:
    """A Deployment, StatefulSet or DaemonSet whose pods carry ``annotations``."""
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if finalizers:
        meta["finalizers"] = finalizers
    body = {
        "selector": {"matchLabels": {"app": name}},
        "template": template(name, annotations, **(pod or {})),
        **spec,
    }
    if replicas is not None:
        body["replicas"] = replicas
    if kind == "StatefulSet":
        body.setdefault("serviceName", name)
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": meta, "spec": body}


def job(
    name: str,
    annotations: dict[str, str] | None = None,
    *,
    namespace: str = "default",
    finalizers: list[str] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if finalizers:
        meta["finalizers"] = finalizers
    pod = template(name, annotations, restartPolicy=spec.pop("restartPolicy", "Never"))
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": meta,
        "spec": {"template": pod, **spec},
    }


def cronjob(
    name: str,
    schedule: str,
    annotations: dict[str, str] | None = None,
    *,
    namespace: str = "default",
    finalizers: list[str] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if finalizers:
        meta["finalizers"] = finalizers
    pod = template(name, annotations, restartPolicy="Never")
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": meta,
        "spec": {"schedule": schedule, "jobTemplate": {"spec": {"template": pod}}, **spec},
    }


def pod(
    name: str, annotations: dict[str, str] | None = None, *, namespace: str = "default", **spec: Any
) -> dict[str, Any]:
    body = template(name, annotations, **spec)
    body["metadata"]["name"] = name
    body["metadata"]["namespace"] = namespace
    return {"apiVersion": "v1", "kind": "Pod", **body}


RBAC = "rbac.authorization.k8s.io/v1"


def rule(
    verbs: list[str],
    resources: list[str],
    groups: tuple[str, ...] = ("",),
    names: list[str] | None = None,
) -> dict[str, Any]:
    """A PolicyRule on resources: ``rule(["get"], ["pods/log"])``."""
    found: dict[str, Any] = {"apiGroups": list(groups), "resources": resources, "verbs": verbs}
    if names:
        found["resourceNames"] = names
    return found


def role(name: str, *rules: dict[str, Any], namespace: str | None = None) -> dict[str, Any]:
    """A Role in ``namespace``, or a ClusterRole without one."""
    meta: dict[str, Any] = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    kind = "Role" if namespace is not None else "ClusterRole"
    return {"apiVersion": RBAC, "kind": kind, "metadata": meta, "rules": list(rules)}


def subject(kind: str, name: str, namespace: str | None = None) -> dict[str, Any]:
    """A binding's subject: ``subject("Group", "team-shop")``, ``subject("ServiceAccount",
    "bot", "ci")``."""
    found = {"kind": kind, "name": name}
    if namespace is not None:
        found["namespace"] = namespace
    return found


def binding(
    name: str,
    role_kind: str,
    role_name: str,
    *subjects: dict[str, Any],
    namespace: str | None = None,
) -> dict[str, Any]:
    """A RoleBinding in ``namespace``, or a ClusterRoleBinding without one."""
    meta: dict[str, Any] = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    return {
        "apiVersion": RBAC,
        "kind": "RoleBinding" if namespace is not None else "ClusterRoleBinding",
        "metadata": meta,
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role_name},
        "subjects": list(subjects),
    }
