"""Choosing, ordering and paging workloads from their index entries, without I/O.

The index holds what filters and orderings need (identity, status, reason, since)
for every workload, so a query reads it once, decides here which workloads make
the page, and fetches only those records. Labels are a second pass, only for
selector queries.
"""

from __future__ import annotations

import base64
import binascii
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import orjson

from gateway.kinds import is_custom
from gateway.selectors import Selector

ABNORMAL = frozenset({"Exception", "Not Ready"})


class CursorError(ValueError):
    """A pagination cursor that this gateway did not hand out."""


class OrderField(StrEnum):
    NAME = "name"
    SINCE = "since"


@dataclass(frozen=True, slots=True)
class IndexEntry:
    cluster: str
    kind: str
    namespace: str
    name: str
    status: str
    reason: str
    since: float

    @property
    def id(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}"

    @property
    def abnormal(self) -> bool:
        return self.status in ABNORMAL


@dataclass(frozen=True, slots=True)
class Criteria:
    """Every condition is optional; empty collections mean "any".

    ``kinds`` and ``custom`` are one condition (these kinds, or any custom kind), as the
    API's ``kinds`` enum gives them; ``group_kinds`` is another, and both must hold."""

    clusters: frozenset[str] = frozenset()
    namespaces: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    custom: bool = False
    group_kinds: frozenset[str] = frozenset()
    statuses: frozenset[str] = frozenset()
    name_contains: str = ""
    abnormal: bool | None = None
    selector: Selector | None = None

    @property
    def needs_labels(self) -> bool:
        return self.selector is not None and not self.selector.empty

    @property
    def names_kinds(self) -> bool:
        """Whether a kind condition is given (summaries count standalone pods only when
        none is, or when it names kind Pod)."""
        return bool(self.kinds or self.custom or self.group_kinds)

    def admits_kind(self, kind: str) -> bool:
        if (self.kinds or self.custom) and not (
            kind in self.kinds or (self.custom and is_custom(kind))
        ):
            return False
        return not self.group_kinds or kind in self.group_kinds

    def admits(self, entry: IndexEntry) -> bool:
        if self.namespaces and entry.namespace not in self.namespaces:
            return False
        if (self.kinds or self.custom or self.group_kinds) and not self.admits_kind(entry.kind):
            return False
        if self.statuses and entry.status not in self.statuses:
            return False
        if self.abnormal is not None and entry.abnormal != self.abnormal:
            return False
        return not self.name_contains or self.name_contains.lower() in entry.name.lower()


@dataclass(frozen=True, slots=True)
class Order:
    field: OrderField = OrderField.NAME
    descending: bool = False


SortKey = tuple[object, ...]


def sort_key(entry: IndexEntry, order: Order) -> SortKey:
    """Total order: ties broken by identity, so cursors never skip or repeat an entry."""
    identity = (entry.name, entry.namespace, entry.kind, entry.cluster)
    if order.field is OrderField.SINCE:
        since = -entry.since if order.descending else entry.since
        return (since, *identity)
    return identity


def arrange(entries: Iterable[IndexEntry], criteria: Criteria, order: Order) -> list[IndexEntry]:
    chosen = [e for e in entries if criteria.admits(e)]
    descending_names = order.descending and order.field is OrderField.NAME
    chosen.sort(key=lambda e: sort_key(e, order), reverse=descending_names)
    return chosen


def with_labels(
    entries: Sequence[IndexEntry], labels: Mapping[tuple[str, str], object], selector: Selector
) -> list[IndexEntry]:
    return [e for e in entries if selector.matches(labels.get((e.cluster, e.id)))]


def encode_cursor(entry: IndexEntry, order: Order) -> str:
    payload = orjson.dumps(
        {"o": order.field.value, "d": order.descending, "k": list(sort_key(entry, order))}
    )
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(cursor: str, order: Order) -> SortKey:
    try:
        payload = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if payload["o"] != order.field.value or payload["d"] != order.descending:
            raise CursorError("the cursor belongs to a different ordering")
        key = tuple(payload["k"])
    except (binascii.Error, orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        if isinstance(error, CursorError):
            raise
        raise CursorError(f"malformed cursor {cursor[:40]!r}") from error
    return key


@dataclass(frozen=True, slots=True)
class Window:
    entries: list[IndexEntry]
    total: int
    has_next: bool
    has_previous: bool


def window(arranged: Sequence[IndexEntry], order: Order, first: int, after: str | None) -> Window:
    """The ``first`` entries after the cursor (in the arranged order)."""
    start = 0
    if after:
        key = decode_cursor(after, order)
        keys = [sort_key(e, order) for e in arranged]
        descending_names = order.descending and order.field is OrderField.NAME
        if descending_names:
            start = next((i for i, k in enumerate(keys) if _less(k, key)), len(keys))
        else:
            try:
                start = bisect_right(keys, key)
            except TypeError as error:
                raise CursorError("the cursor does not fit this ordering") from error
    chosen = list(arranged[start : start + first])
    return Window(chosen, len(arranged), start + first < len(arranged), start > 0)


def _less(left: SortKey, right: SortKey) -> bool:
    try:
        return left < right
    except TypeError as error:
        raise CursorError("the cursor does not fit this ordering") from error
