"""The resource types the simulated API server serves, as discovery describes them.

One table drives discovery, URL routing, list kinds, field selectors and which
subresources exist, so what is advertised is exactly what answers. Reviews
(TokenReview, SubjectAccessReview...) are served too but never stored: they are
create-only questions answered on the spot.
"""

from __future__ import annotations

from dataclasses import dataclass

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
COMMON_FIELDS = frozenset({"metadata.name", "metadata.namespace"})


@dataclass(frozen=True, slots=True)
class PrinterColumn:
    """One of a CRD version's ``additionalPrinterColumns``."""

    name: str
    type: str
    json_path: str
    description: str = ""
    priority: int = 0
    format: str = ""


@dataclass(frozen=True, slots=True)
class ScalePaths:
    """A CRD version's ``subresources.scale``: JSON paths such as ``.spec.replicas``."""

    spec_replicas: str
    status_replicas: str
    label_selector: str = ""


@dataclass(frozen=True, slots=True)
class ResourceType:
    plural: str
    singular: str
    kind: str
    group: str
    version: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    has_status: bool = True
    has_scale: bool = False
    has_log: bool = False
    has_generation: bool = False
    fields: frozenset[str] = COMMON_FIELDS
    stored: bool = True
    custom: bool = False
    """Served for a CustomResourceDefinition: JSON only, columns from the CRD."""
    printer_columns: tuple[PrinterColumn, ...] = ()
    scale_paths: ScalePaths | None = None
    """Where a custom resource keeps what its scale subresource shows."""

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def qualified(self) -> str:
        """``deployments.apps``: how the API server names a resource in error messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def qualified_kind(self) -> str:
        """``Deployment.apps``: the name 422 Invalid messages start with."""
        return f"{self.kind}.{self.group}" if self.group else self.kind


_WORKLOAD = ("all",)

NAMESPACES = ResourceType(
    "namespaces",
    "namespace",
    "Namespace",
    "",
    "v1",
    namespaced=False,
    short_names=("ns",),
    verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
    fields=COMMON_FIELDS | {"status.phase"},
)
NODES = ResourceType(
    "nodes",
    "node",
    "Node",
    "",
    "v1",
    namespaced=False,
    short_names=("no",),
    fields=COMMON_FIELDS | {"spec.unschedulable"},
)
PODS = ResourceType(
    "pods",
    "pod",
    "Pod",
    "",
    "v1",
    namespaced=True,
    short_names=("po",),
    categories=_WORKLOAD,
    has_log=True,
    fields=COMMON_FIELDS
    | {
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "status.phase",
        "status.podIP",
        "status.nominatedNodeName",
    },
)
EVENTS = ResourceType(
    "events",
    "event",
    "Event",
    "",
    "v1",
    namespaced=True,
    short_names=("ev",),
    has_status=False,
    fields=COMMON_FIELDS
    | {
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    },
)
DEPLOYMENTS = ResourceType(
    "deployments",
    "deployment",
    "Deployment",
    "apps",
    "v1",
    namespaced=True,
    short_names=("deploy",),
    categories=_WORKLOAD,
    has_scale=True,
    has_generation=True,
)
REPLICASETS = ResourceType(
    "replicasets",
    "replicaset",
    "ReplicaSet",
    "apps",
    "v1",
    namespaced=True,
    short_names=("rs",),
    categories=_WORKLOAD,
    has_scale=True,
    has_generation=True,
    fields=COMMON_FIELDS | {"status.replicas"},
)
STATEFULSETS = ResourceType(
    "statefulsets",
    "statefulset",
    "StatefulSet",
    "apps",
    "v1",
    namespaced=True,
    short_names=("sts",),
    categories=_WORKLOAD,
    has_scale=True,
    has_generation=True,
)
DAEMONSETS = ResourceType(
    "daemonsets",
    "daemonset",
    "DaemonSet",
    "apps",
    "v1",
    namespaced=True,
    short_names=("ds",),
    categories=_WORKLOAD,
    has_generation=True,
)
JOBS = ResourceType(
    "jobs",
    "job",
    "Job",
    "batch",
    "v1",
    namespaced=True,
    categories=_WORKLOAD,
    has_generation=True,
    fields=COMMON_FIELDS | {"status.successful"},
)
CRONJOBS = ResourceType(
    "cronjobs",
    "cronjob",
    "CronJob",
    "batch",
    "v1",
    namespaced=True,
    short_names=("cj",),
    categories=_WORKLOAD,
    has_generation=True,
)

_RBAC = "rbac.authorization.k8s.io"
CLUSTERROLEBINDINGS = ResourceType(
    "clusterrolebindings",
    "clusterrolebinding",
    "ClusterRoleBinding",
    _RBAC,
    "v1",
    namespaced=False,
    has_status=False,
)
CLUSTERROLES = ResourceType(
    "clusterroles", "clusterrole", "ClusterRole", _RBAC, "v1", namespaced=False, has_status=False
)
ROLEBINDINGS = ResourceType(
    "rolebindings", "rolebinding", "RoleBinding", _RBAC, "v1", namespaced=True, has_status=False
)
ROLES = ResourceType("roles", "role", "Role", _RBAC, "v1", namespaced=True, has_status=False)


CUSTOMRESOURCEDEFINITIONS = ResourceType(
    "customresourcedefinitions",
    "customresourcedefinition",
    "CustomResourceDefinition",
    "apiextensions.k8s.io",
    "v1",
    namespaced=False,
    short_names=("crd", "crds"),
    categories=("api-extensions",),
    has_generation=True,
)
"""Served and stored, but kept out of RESOURCES: what it defines lives in each
cluster's catalog (simcluster/catalog.py), not in these module-level tables."""


def _review(plural: str, kind: str, group: str, *, namespaced: bool = False) -> ResourceType:
    return ResourceType(
        plural,
        plural[:-1],
        kind,
        group,
        "v1",
        namespaced=namespaced,
        verbs=("create",),
        has_status=False,
        stored=False,
    )


_AUTHENTICATION = "authentication.k8s.io"
_AUTHORIZATION = "authorization.k8s.io"
SELFSUBJECTREVIEWS = _review("selfsubjectreviews", "SelfSubjectReview", _AUTHENTICATION)
TOKENREVIEWS = _review("tokenreviews", "TokenReview", _AUTHENTICATION)
LOCALSUBJECTACCESSREVIEWS = _review(
    "localsubjectaccessreviews", "LocalSubjectAccessReview", _AUTHORIZATION, namespaced=True
)
SELFSUBJECTACCESSREVIEWS = _review(
    "selfsubjectaccessreviews", "SelfSubjectAccessReview", _AUTHORIZATION
)
SELFSUBJECTRULESREVIEWS = _review(
    "selfsubjectrulesreviews", "SelfSubjectRulesReview", _AUTHORIZATION
)
SUBJECTACCESSREVIEWS = _review("subjectaccessreviews", "SubjectAccessReview", _AUTHORIZATION)

RBAC_RESOURCES = (CLUSTERROLEBINDINGS, CLUSTERROLES, ROLEBINDINGS, ROLES)
RESOURCES: tuple[ResourceType, ...] = (
    NAMESPACES,
    NODES,
    PODS,
    EVENTS,
    DEPLOYMENTS,
    REPLICASETS,
    STATEFULSETS,
    DAEMONSETS,
    JOBS,
    CRONJOBS,
    *RBAC_RESOURCES,
)
"""What the store holds."""
REVIEWS: tuple[ResourceType, ...] = (
    SELFSUBJECTREVIEWS,
    TOKENREVIEWS,
    LOCALSUBJECTACCESSREVIEWS,
    SELFSUBJECTACCESSREVIEWS,
    SELFSUBJECTRULESREVIEWS,
    SUBJECTACCESSREVIEWS,
)
SERVED = RESOURCES + REVIEWS
GROUP_VERSIONS: tuple[tuple[str, str], ...] = (
    ("", "v1"),
    ("apps", "v1"),
    (_AUTHENTICATION, "v1"),
    (_AUTHORIZATION, "v1"),
    ("batch", "v1"),
    (_RBAC, "v1"),
)

_BY_PATH = {(r.group, r.version, r.plural): r for r in SERVED}
_BY_KIND = {(r.api_version, r.kind): r for r in RESOURCES}
_BY_KIND_ONLY = {r.kind: r for r in RESOURCES}


def by_path(group: str, version: str, plural: str) -> ResourceType | None:
    return _BY_PATH.get((group, version, plural))


def by_kind(api_version: str, kind: str) -> ResourceType | None:
    return _BY_KIND.get((api_version, kind))


def by_kind_name(kind: str) -> ResourceType | None:
    """The resource for a bare kind (``Deployment``), for the Python API's convenience."""
    return _BY_KIND_ONLY.get(kind)


def in_group_version(group: str, version: str) -> tuple[ResourceType, ...]:
    """What a group version serves, stored or not, in the order discovery lists it."""
    return tuple(r for r in SERVED if r.group == group and r.version == version)
