"""Filter and ordering inputs, and their translation to the store's criteria."""

from __future__ import annotations

from enum import Enum

import strawberry

from gateway.kinds import FORM, KindError, normalize
from gateway.selectors import Selector, SelectorError, parse_selector
from gateway.store import podindex
from gateway.store.podindex import PodCriteria
from gateway.store.selection import Criteria, Order, OrderField
from schema.errors import bad_input
from schema.types import PodPhase, WorkloadKind, WorkloadStatus


@strawberry.input(description="Every field is optional; lists mean any of their values.")
class WorkloadFilter:
    clusters: list[str] | None = strawberry.field(
        default=None,
        description=("Only workloads of these clusters (names as configured in the gateway)."),
    )
    namespaces: list[str] | None = strawberry.field(
        default=None, description="Only workloads in these namespaces."
    )
    kinds: list[WorkloadKind] | None = strawberry.field(
        default=None, description="Only workloads of these kinds (CUSTOM: every custom kind)."
    )
    group_kinds: list[str] | None = strawberry.field(
        default=None,
        description=(
            "Only workloads of these kinds, as GroupKinds (Rollout.argoproj.io, Deployment.apps) "
            "or built-ins' bare names (Deployment); with `kinds`, both must hold."
        ),
    )
    statuses: list[WorkloadStatus] | None = strawberry.field(
        default=None, description="Only workloads whose computed status is one of these."
    )
    label_selector: str | None = strawberry.field(
        default=None, description="Kubernetes syntax: app=web,tier in (a,b),!legacy"
    )
    name_contains: str | None = strawberry.field(
        default=None, description="Only workloads whose name contains this text, ignoring case."
    )
    abnormal: bool | None = strawberry.field(
        default=None,
        description=(
            "true: only Exception and Not Ready (standalone pods in statusSummary: the "
            "abnormal ones); false: only the others."
        ),
    )


@strawberry.input(description="Every field is optional; lists mean any of their values.")
class PodFilter:
    clusters: list[str] | None = strawberry.field(
        default=None,
        description=("Only pods of these clusters (names as configured in the gateway)."),
    )
    namespaces: list[str] | None = strawberry.field(
        default=None, description="Only pods in these namespaces."
    )
    phases: list[PodPhase] | None = strawberry.field(
        default=None, description="Only pods in one of these phases (status.phase)."
    )
    reasons: list[str] | None = strawberry.field(
        default=None,
        description="kubectl's STATUS column: CrashLoopBackOff, ImagePullBackOff, Pending, ...",
    )
    nodes: list[str] | None = strawberry.field(
        default=None, description="Only pods scheduled on these nodes (spec.nodeName)."
    )
    abnormal: bool | None = strawberry.field(
        default=None,
        description=(
            "true: only pods with a problem (not merely starting); false: only the others. "
            "A subscription admits a change when the pod was or is abnormal."
        ),
    )
    standalone: bool | None = strawberry.field(
        default=None,
        description="true: only pods of no workload (kubectl run, bare pods); false: the others.",
    )
    label_selector: str | None = strawberry.field(
        default=None, description="Kubernetes syntax: app=web,tier in (a,b),!legacy"
    )
    name_contains: str | None = strawberry.field(
        default=None, description="Only pods whose name contains this text, ignoring case."
    )
    workload: str | None = strawberry.field(
        default=None,
        description=(
            "Only pods of this workload, as Kind/namespace/name (Deployment/shop/web, or for a "
            "custom kind its GroupKind: Rollout.argoproj.io/shop/web), as Pod.owner gives it."
        ),
    )


@strawberry.enum(description="What a workload list can be sorted by.")
class WorkloadOrderField(Enum):
    _value_: str

    NAME = strawberry.enum_value("name", description="The workload's metadata.name.")
    SINCE = strawberry.enum_value(
        "since", description="When its current status began (the `since` field)."
    )


@strawberry.enum(description="Sort direction.")
class Direction(Enum):
    _value_: str

    ASC = strawberry.enum_value("asc", description="Ascending: A to Z, oldest first.")
    DESC = strawberry.enum_value("desc", description="Descending: Z to A, newest first.")


@strawberry.input(description="How a workload list is sorted; DESC is the exact reverse of ASC.")
class WorkloadOrder:
    field: WorkloadOrderField = strawberry.field(
        default=WorkloadOrderField.NAME,
        description=("What to sort by; ties are broken by name, namespace, kind and cluster."),
    )
    direction: Direction = strawberry.field(default=Direction.ASC, description="ASC or DESC.")


@strawberry.enum(description="What a pod list can be sorted by.")
class PodOrderField(Enum):
    _value_: str

    NAME = strawberry.enum_value("name", description="The pod's metadata.name.")
    SINCE = strawberry.enum_value(
        "since", description="When its current state began (the `since` field)."
    )


@strawberry.input(description="DESC is the exact reverse of ASC.")
class PodOrder:
    field: PodOrderField = strawberry.field(
        default=PodOrderField.NAME,
        description=("What to sort by; ties are broken by name, then namespace."),
    )
    direction: Direction = strawberry.field(default=Direction.ASC, description="ASC or DESC.")


def _selector(text: str | None) -> Selector | None:
    """A bad label selector is the client's error, said plainly."""
    if not text:
        return None
    try:
        return parse_selector(text)
    except SelectorError as error:
        raise bad_input(f"invalid labelSelector: {error}") from error


def group_kind(text: str, field: str) -> str:
    """The cache's spelling of a kind a client typed; a malformed one is its error."""
    try:
        return normalize(text)
    except KindError as error:
        raise bad_input(f"{field}: {error}") from error


def lookup_kind(kind: WorkloadKind | None, given: str | None) -> str:
    """The one kind a lookup names, by the enum (built-ins) or by GroupKind."""
    if (kind is None) == (given is None):
        raise bad_input("give the workload's kind or its groupKind (exactly one of them)")
    if kind is not None:
        if kind in (WorkloadKind.CUSTOM, WorkloadKind.POD):
            raise bad_input(f"kind {kind.name} names no single kind: give groupKind ({FORM})")
        return str(kind.value)
    return group_kind(given or "", "groupKind")


def _workload_ref(text: str) -> str:
    parts = text.split("/", 2)
    if len([part for part in parts if part]) != 3:
        raise bad_input(f"workload must be Kind/namespace/name, got {text[:100]!r}")
    return "/".join([group_kind(parts[0], "workload"), *parts[1:]])


def pod_criteria(given: PodFilter | None) -> PodCriteria:
    given = given or PodFilter()
    workload = _workload_ref(given.workload) if given.workload else ""
    return PodCriteria(
        clusters=frozenset(given.clusters or ()),
        namespaces=frozenset(given.namespaces or ()),
        phases=frozenset(p.value for p in given.phases or ()),
        reasons=frozenset(given.reasons or ()),
        nodes=frozenset(given.nodes or ()),
        abnormal=given.abnormal,
        standalone=given.standalone,
        name_contains=given.name_contains or "",
        selector=_selector(given.label_selector),
        workload=workload,
    )


def pod_order(given: PodOrder | None) -> podindex.PodOrder:
    given = given or PodOrder()
    return podindex.PodOrder(
        podindex.PodOrderField(given.field.value), given.direction is Direction.DESC
    )


def criteria(given: WorkloadFilter | None) -> Criteria:
    """The store's criteria."""
    given = given or WorkloadFilter()
    selector = _selector(given.label_selector)
    return Criteria(
        clusters=frozenset(given.clusters or ()),
        namespaces=frozenset(given.namespaces or ()),
        kinds=frozenset(k.value for k in given.kinds or () if k is not WorkloadKind.CUSTOM),
        custom=WorkloadKind.CUSTOM in (given.kinds or ()),
        group_kinds=frozenset(group_kind(g, "groupKinds") for g in given.group_kinds or ()),
        statuses=frozenset(s.value for s in given.statuses or ()),
        name_contains=given.name_contains or "",
        abnormal=given.abnormal,
        selector=selector,
    )


def order(given: WorkloadOrder | None) -> Order:
    given = given or WorkloadOrder()
    return Order(OrderField(given.field.value), given.direction is Direction.DESC)
