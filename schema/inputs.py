"""Filter and ordering inputs, and their translation to the store's criteria."""

from __future__ import annotations

from enum import Enum

import strawberry

from gateway.selectors import SelectorError, parse_selector
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
        default=None, description="true: only Exception and Not Ready; false: only the others."
    )


@strawberry.input
class PodFilter:
    clusters: list[str] | None = None
    namespaces: list[str] | None = None
    phases: list[PodPhase] | None = None
    abnormal: bool | None = None
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


def criteria(given: WorkloadFilter | None) -> Criteria:
    """The store's criteria; a bad label selector is the client's error, said plainly."""
    given = given or WorkloadFilter()
    selector = None
    if given.label_selector:
        try:
            selector = parse_selector(given.label_selector)
        except SelectorError as error:
            raise bad_input(f"invalid labelSelector: {error}") from error
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
