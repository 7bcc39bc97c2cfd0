"""The RBAC objects every cluster starts with, as a kubeadm cluster's API server makes them.

``cluster-admin`` for ``system:masters``; discovery, the basic self-reviews and the
public endpoints for every authenticated user; ``system:auth-delegator`` (TokenReview
and SubjectAccessReview, for a gateway that authenticates with the cluster); and the
user-facing ``admin``, ``edit`` and ``view``. The real ``admin``, ``edit`` and ``view``
are aggregated from labelled roles; here they carry the aggregated rules themselves,
for the core, apps and batch resources (and RBAC's for ``admin``).
"""

from __future__ import annotations

from typing import Any

READ = ("get", "list", "watch")
WRITE = ("create", "delete", "deletecollection", "patch", "update")
_META_LABELS = {"kubernetes.io/bootstrapping": "rbac-defaults"}
_META_ANNOTATIONS = {"rbac.authorization.kubernetes.io/autoupdate": "true"}
_VIEW_CORE = (
    "configmaps",
    "endpoints",
    "persistentvolumeclaims",
    "persistentvolumeclaims/status",
    "pods",
    "replicationcontrollers",
    "replicationcontrollers/scale",
    "serviceaccounts",
    "services",
    "services/status",
)
_VIEW_CORE_STATUS = (
    "bindings",
    "events",
    "limitranges",
    "namespaces/status",
    "pods/log",
    "pods/status",
    "replicationcontrollers/status",
    "resourcequotas",
    "resourcequotas/status",
)
_VIEW_APPS = (
    "controllerrevisions",
    "daemonsets",
    "daemonsets/status",
    "deployments",
    "deployments/scale",
    "deployments/status",
    "replicasets",
    "replicasets/scale",
    "replicasets/status",
    "statefulsets",
    "statefulsets/scale",
    "statefulsets/status",
)


def rule(
    verbs: tuple[str, ...], groups: tuple[str, ...], resources: tuple[str, ...]
) -> dict[str, Any]:
    return {"apiGroups": list(groups), "resources": list(resources), "verbs": list(verbs)}


def url_rule(verbs: tuple[str, ...], urls: tuple[str, ...]) -> dict[str, Any]:
    return {"nonResourceURLs": list(urls), "verbs": list(verbs)}


def _meta(name: str, namespace: str = "") -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    meta["labels"] = dict(_META_LABELS)
    meta["annotations"] = dict(_META_ANNOTATIONS)
    return meta


def _cluster_role(name: str, *rules: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": _meta(name),
        "rules": list(rules),
    }


def _cluster_role_binding(name: str, role: str, *groups: str) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": _meta(name),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [
            {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": group}
            for group in groups
        ],
    }


def _view() -> list[dict[str, Any]]:
    return [
        rule(READ, ("",), _VIEW_CORE),
        rule(READ, ("",), _VIEW_CORE_STATUS),
        rule(READ, ("",), ("namespaces",)),
        rule(READ, ("apps",), _VIEW_APPS),
        rule(READ, ("batch",), ("cronjobs", "cronjobs/status", "jobs", "jobs/status")),
    ]


def _edit() -> list[dict[str, Any]]:
    return [
        rule(
            READ,
            ("",),
            (
                "pods/attach",
                "pods/exec",
                "pods/portforward",
                "pods/proxy",
                "secrets",
                "services/proxy",
            ),
        ),
        rule(("impersonate",), ("",), ("serviceaccounts",)),
        rule(WRITE, ("",), ("pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy")),
        rule(("create",), ("",), ("pods/eviction",)),
        rule(
            WRITE,
            ("",),
            (
                "configmaps",
                "events",
                "persistentvolumeclaims",
                "replicationcontrollers",
                "replicationcontrollers/scale",
                "secrets",
                "serviceaccounts",
                "services",
                "services/proxy",
            ),
        ),
        rule(("create",), ("",), ("serviceaccounts/token",)),
        rule(
            WRITE,
            ("apps",),
            (
                "daemonsets",
                "deployments",
                "deployments/rollback",
                "deployments/scale",
                "replicasets",
                "replicasets/scale",
                "statefulsets",
                "statefulsets/scale",
            ),
        ),
        rule(WRITE, ("batch",), ("cronjobs", "jobs")),
        *_view(),
    ]


def _admin() -> list[dict[str, Any]]:
    return [
        rule(READ + WRITE, ("rbac.authorization.k8s.io",), ("rolebindings", "roles")),
        rule(("create",), ("authorization.k8s.io",), ("localsubjectaccessreviews",)),
        *_edit(),
    ]


_PUBLIC_URLS = ("/healthz", "/livez", "/readyz", "/version", "/version/")


def bootstrap_objects() -> list[dict[str, Any]]:
    """The default ClusterRoles, ClusterRoleBindings, Roles and RoleBindings."""
    return [
        _cluster_role("cluster-admin", rule(("*",), ("*",), ("*",)), url_rule(("*",), ("*",))),
        _cluster_role("admin", *_admin()),
        _cluster_role("edit", *_edit()),
        _cluster_role("view", *_view()),
        _cluster_role(
            "system:discovery",
            url_rule(
                ("get",),
                (*_PUBLIC_URLS, "/api", "/api/*", "/apis", "/apis/*", "/openapi", "/openapi/*"),
            ),
        ),
        _cluster_role("system:public-info-viewer", url_rule(("get",), _PUBLIC_URLS)),
        _cluster_role(
            "system:basic-user",
            rule(
                ("create",),
                ("authorization.k8s.io",),
                ("selfsubjectaccessreviews", "selfsubjectrulesreviews"),
            ),
            rule(("create",), ("authentication.k8s.io",), ("selfsubjectreviews",)),
        ),
        _cluster_role(
            "system:auth-delegator",
            rule(("create",), ("authentication.k8s.io",), ("tokenreviews",)),
            rule(("create",), ("authorization.k8s.io",), ("subjectaccessreviews",)),
        ),
        _cluster_role_binding("cluster-admin", "cluster-admin", "system:masters"),
        _cluster_role_binding("system:discovery", "system:discovery", "system:authenticated"),
        _cluster_role_binding("system:basic-user", "system:basic-user", "system:authenticated"),
        _cluster_role_binding(
            "system:public-info-viewer",
            "system:public-info-viewer",
            "system:authenticated",
            "system:unauthenticated",
        ),
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": _meta("extension-apiserver-authentication-reader", "kube-system"),
            "rules": [
                {
                    "apiGroups": [""],
                    "resourceNames": ["extension-apiserver-authentication"],
                    "resources": ["configmaps"],
                    "verbs": list(READ),
                }
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": _meta("system::extension-apiserver-authentication-reader", "kube-system"),
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "Role",
                "name": "extension-apiserver-authentication-reader",
            },
            "subjects": [
                {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": name}
                for name in ("system:kube-controller-manager", "system:kube-scheduler")
            ],
        },
    ]
