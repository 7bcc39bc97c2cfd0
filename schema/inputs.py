"""Filter and ordering inputs, and their translation to the store's criteria."""

from __future__ import annotations

from enum import Enum

import strawberry

from gateway.selectors import Selector, SelectorError, parse_selector
from gateway.store import podindex
from gateway.store.podindex import PodCriteria
from gateway.store.selection import Criteria, Order, OrderField
from schema.errors import bad_input
from schema.types import PodPhase, WorkloadKind, WorkloadStatus


@strawberry.input(description="Every field is optional; lists mean any of their values.")
class WorkloadFilter:
    clusters: list[str] | None = None
    namespaces: list[str] | None = None
    kinds: list[WorkloadKind] | None = None
    statuses: list[WorkloadStatus] | None = None
    label_selector: str | None = strawberry.field(
        default=None, description="Kubernetes syntax: app=web,tier in (a,b),!legacy"
    )
    name_contains: str | None = None
    abnormal: bool | None = strawberry.field(
        default=None,
        description=(
            "true: only Exception and Not Ready (standalone pods in statusSummary: the "
            "abnormal ones); false: only the others."
        ),
    )


@strawberry.input(description="Every field is optional; lists mean any of their values.")
class PodFilter:
    clusters: list[str] | None = None
    namespaces: list[str] | None = None
    phases: list[PodPhase] | None = None
    reasons: list[str] | None = strawberry.field(
        default=None,
        description="kubectl's STATUS column: CrashLoopBackOff, ImagePullBackOff, Pending, ...",
    )
    nodes: list[str] | None = None
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
    name_contains: str | None = None
    workload: str | None = strawberry.field(
        default=None, description="Only pods of this workload, as Kind/namespace/name."
    )


@strawberry.enum
class WorkloadOrderField(Enum):
    NAME = "name"
    SINCE = "since"


@strawberry.enum
class Direction(Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.input
class WorkloadOrder:
    field: WorkloadOrderField = WorkloadOrderField.NAME
    direction: Direction = Direction.ASC


@strawberry.enum
class PodOrderField(Enum):
    NAME = "name"
    SINCE = "since"


@strawberry.input(description="DESC is the exact reverse of ASC.")
class PodOrder:
    field: PodOrderField = PodOrderField.NAME
    direction: Direction = Direction.ASC


def _selector(text: str | None) -> Selector | None:
    """A bad label selector is the client's error, said plainly."""
    if not text:
        return None
    try:
        return parse_selector(text)
    except SelectorError as error:
        raise bad_input(f"invalid labelSelector: {error}") from error


def pod_criteria(given: PodFilter | None) -> PodCriteria:
    given = given or PodFilter()
    workload = given.workload or ""
    if workload and len([part for part in workload.split("/", 2) if part]) != 3:
        raise bad_input(f"workload must be Kind/namespace/name, got {workload[:100]!r}")
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
        kinds=frozenset(k.value for k in given.kinds or ()),
        statuses=frozenset(s.value for s in given.statuses or ()),
        name_contains=given.name_contains or "",
        abnormal=given.abnormal,
        selector=selector,
    )


def order(given: WorkloadOrder | None) -> Order:
    given = given or WorkloadOrder()
    return Order(OrderField(given.field.value), given.direction is Direction.DESC)
