"""Pages of pods read from the pod index's sorted sets, never from every pod when a set can say.

Per cluster the filter (with the caller's visible namespaces folded in) is matched to
the sets that can answer it (podindex.PodCriteria.choices); the smallest wins. When
that one set is the whole answer (one namespace, one node, the abnormal pods, the
standalone pods, or no filter at all), a page is a range read of it and its total a
count: a few commands whatever the cluster's size. Otherwise the smallest set's
members are read with their index entries and checked one by one, so the work is the
size of that set, not of the cluster. Only filters no set can narrow (a name
substring or a label selector alone) read every pod's entry.

Pages follow the Relay connection rules: ``first``/``after`` forward, ``last``/
``before`` backward, both cursors at once for a range; cursors are positions in the
ordering's total order (member, cluster), so a pod deleted meanwhile moves nobody.
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import orjson

from gateway.redis_connect import Client
from gateway.store.errors import bounded
from gateway.store.keys import Keys
from gateway.store.podindex import (
    ALL,
    SINCE,
    PodCriteria,
    PodIndexEntry,
    PodKey,
    PodOrder,
    PodOrderField,
    entry_from,
    member_for,
    pod_id_of,
)

_SLICE = 5000
_ENTRIES = """
local rows = {}
local members = redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2])
for i = 1, #members do
  local name, namespace = string.match(members[i], '^(.-)%z(.*)$')
  local id = namespace .. '/' .. name
  local entry = redis.call('HGET', KEYS[2], id)
  if entry then
    local labels = '{}'
    if ARGV[3] == '1' then labels = redis.call('HGET', KEYS[3], id) or '{}' end
    rows[#rows + 1] = '[' .. cjson.encode(id) .. ',' .. entry .. ',' .. labels .. ']'
  end
end
return '[' .. table.concat(rows, ',') .. ']'
"""
"""A slice of a name-ordered set as one JSON document: [[id, entry, labels], ...].

One reply per slice instead of three per pod (member, entry, labels), which
redis-py's parser would spend more on than the whole query does with them; a slice
at a time, so no script holds the server for long. Sent with EVAL (cached compiled).
"""


@dataclass(frozen=True, slots=True)
class PodScope:
    """What one caller may see of one cluster's pods."""

    namespaces: frozenset[str] | None = None
    """None: every namespace."""
    admits: Callable[[str, str], bool] | None = None
    """(namespace, owner kind or "") -> visible; None: every pod of those namespaces."""


EVERYTHING = PodScope()


@dataclass(frozen=True, slots=True)
class Span:
    """Which part of the ordering a page is taken from, in ascending terms."""

    first: int | None
    last: int | None
    after: PodKey | None
    before: PodKey | None

    def holds(self, key: PodKey) -> bool:
        return (self.after is None or key > self.after) and (
            self.before is None or key < self.before
        )


@dataclass(slots=True)
class _Part:
    """One cluster's share of a page: its candidates in range, ascending."""

    total: int = 0
    in_range: int = 0
    keys: list[PodKey] = field(default_factory=list)
    before_after: bool = False
    """Some pod sits at or before ``after``."""
    past_before: bool = False
    """Some pod sits at or after ``before``."""


@dataclass(frozen=True, slots=True)
class PodWindow:
    keys: list[PodKey]
    total: int
    has_next: bool
    has_previous: bool


class Strategy(StrEnum):
    RANGE = "range"
    """One set is exactly the answer, in the page's order: a range read in Redis."""
    INTERSECTION = "intersection"
    """Several sets' intersection is exactly the answer: ZINTER, in name order."""
    CHECKED = "checked"
    """The smallest union of sets, or the intersection of single sets, holds the answer:
    its entries are checked (and ordered, for the since order)."""


@dataclass(frozen=True, slots=True)
class _Plan:
    criteria: PodCriteria
    scope: PodScope
    strategy: Strategy
    sets: list[str]
    sizes: list[int]
    intersect: bool = False
    """The candidates are the intersection of ``sets``, not their union."""


def _conditions(criteria: PodCriteria) -> int:
    lists = (criteria.namespaces, criteria.phases, criteria.reasons, criteria.nodes)
    flags = (criteria.abnormal, criteria.standalone)
    texts = (criteria.name_contains, criteria.workload)
    return (
        sum(1 for values in lists if values)
        + sum(1 for flag in flags if flag is not None)
        + sum(1 for text in texts if text)
        + (1 if criteria.needs_labels else 0)
    )


def _plan(
    criteria: PodCriteria, scope: PodScope, order: PodOrder, sizes: Mapping[str, int]
) -> _Plan:
    """``sizes`` holds every set the filter names, and ALL."""
    groups = criteria.choices()
    exact = scope.admits is None and _conditions(criteria) == len(groups)
    """Every condition is a set's: no entry needs checking."""
    singles = [group[0] for group in groups if len(group) == 1]
    by_name = order.field is PodOrderField.NAME
    if exact and not groups:
        own = ALL if by_name else SINCE
        return _Plan(criteria, scope, Strategy.RANGE, [own], [sizes[ALL]])
    if exact and len(singles) == len(groups) and by_name:
        strategy = Strategy.RANGE if len(singles) == 1 else Strategy.INTERSECTION
        return _Plan(criteria, scope, strategy, singles, [sizes[n] for n in singles])
    if len(singles) > 1:
        sized = [sizes[n] for n in singles]
        return _Plan(criteria, scope, Strategy.CHECKED, singles, sized, intersect=True)
    chosen = min(groups, key=lambda g: sum(sizes[n] for n in g)) if groups else [ALL]
    return _Plan(criteria, scope, Strategy.CHECKED, chosen, [sizes[n] for n in chosen])


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class PodIndexReader:
    def __init__(self, client: Client, keys: Keys) -> None:
        self.client = client
        self.keys = keys

    async def _plans(
        self, scopes: Mapping[str, PodScope], criteria: PodCriteria, order: PodOrder
    ) -> dict[str, _Plan]:
        """Per cluster, how to read it (``_plan``), from the sizes of the sets the filter
        names: one ZCARD round trip for all clusters."""
        narrowed: dict[str, PodCriteria] = {}
        for cluster, scope in scopes.items():
            namespaces = criteria.namespaces
            if scope.namespaces is not None:
                namespaces = namespaces & scope.namespaces if namespaces else scope.namespaces
                if not namespaces:
                    continue
            narrowed[cluster] = dataclasses.replace(criteria, namespaces=namespaces)
        asked = [
            (cluster, name)
            for cluster, chosen in narrowed.items()
            for name in {ALL, *(n for group in chosen.choices() for n in group)}
        ]
        async with self.client.pipeline(transaction=False) as pipe:
            for cluster, name in asked:
                pipe.zcard(self.keys.pod_set(cluster, name))
            answers = await pipe.execute()
        sizes: dict[str, dict[str, int]] = {}
        for (cluster, name), size in zip(asked, answers, strict=True):
            sizes.setdefault(cluster, {})[name] = int(size)
        return {
            cluster: _plan(chosen, scopes[cluster], order, sizes[cluster])
            for cluster, chosen in narrowed.items()
        }

    @bounded
    async def page(
        self,
        scopes: Mapping[str, PodScope],
        criteria: PodCriteria,
        order: PodOrder,
        span: Span,
    ) -> PodWindow:
        """``span`` in the ordering's own direction; a descending page is the mirror image
        of an ascending one, so it is computed as that and turned around."""
        if order.descending:
            span = Span(span.last, span.first, span.before, span.after)
        plans = await self._plans(scopes, criteria, order)
        parts: list[_Part] = []
        for cluster, plan in plans.items():
            if plan.strategy is Strategy.RANGE:
                parts.append(await self._range(cluster, plan.sets[0], span))
            elif plan.strategy is Strategy.INTERSECTION:
                keys = [self.keys.pod_set(cluster, name) for name in plan.sets]
                members: list[Any] = await self.client.zinter(keys)
                parts.append(_part([(_text(m), cluster) for m in members], span))
            else:
                found = await self._checked(cluster, plan)
                parts.append(_part(sorted((member_for(e, order), cluster) for e in found), span))
        window = _merge(parts, span)
        if order.descending:
            return PodWindow(window.keys[::-1], window.total, window.has_previous, window.has_next)
        return window

    @bounded
    async def matching(
        self, scopes: Mapping[str, PodScope], criteria: PodCriteria
    ) -> list[tuple[str, PodIndexEntry]]:
        """Every pod the filter admits, in name order per cluster: for summaries and snapshots."""
        found: list[tuple[str, PodIndexEntry]] = []
        for cluster, plan in (await self._plans(scopes, criteria, PodOrder())).items():
            entries = await self._checked(cluster, plan)
            entries.sort(key=lambda e: (e.name, e.namespace))
            found.extend((cluster, e) for e in entries)
        return found

    async def _range(self, cluster: str, name: str, span: Span) -> _Part:
        key = self.keys.pod_set(cluster, name)
        low, high = _bounds(cluster, span)
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.zcard(key)
            pipe.zlexcount(key, low, high)
            if span.last is not None:
                pipe.zrevrangebylex(key, high, low, 0, span.last)
            else:
                pipe.zrangebylex(key, low, high, 0, span.first or 0)
            pipe.zlexcount(key, "-", _complement(low))
            pipe.zlexcount(key, _complement(high), "+")
            total, in_range, members, before, past = await pipe.execute()
        keys = [(_text(m), cluster) for m in members]
        if span.last is not None:
            keys.reverse()
        return _Part(int(total), int(in_range), keys, int(before) > 0, int(past) > 0)

    async def _checked(self, cluster: str, plan: _Plan) -> list[PodIndexEntry]:
        """The entries of the plan's candidates that pass every condition, read with their
        labels (when a selector needs them) by a script, a slice of a set at a time."""
        criteria, scope = plan.criteria, plan.scope
        labels = "1" if criteria.needs_labels else "0"
        if criteria.workload or plan.intersect:
            if criteria.workload:
                ids = sorted(await self._workload_pods(cluster, criteria.workload))
            else:
                keys = [self.keys.pod_set(cluster, name) for name in plan.sets]
                members: list[Any] = await self.client.zinter(keys)
                ids = [pod_id_of(_text(m)) for m in members]
            rows = await self._by_id(cluster, ids, labels == "1")
        else:
            index, kept = self.keys.pod_index(cluster), self.keys.pod_labels(cluster)
            async with self.client.pipeline(transaction=False) as pipe:
                for name, size in zip(plan.sets, plan.sizes, strict=True):
                    key = self.keys.pod_set(cluster, name)
                    for start in range(0, size, _SLICE):
                        pipe.eval(_ENTRIES, 3, key, index, kept, start, start + _SLICE - 1, labels)
                answers = await pipe.execute()
            rows = [row for document in answers for row in orjson.loads(document)]
        found: dict[str, PodIndexEntry] = {}
        for row in rows:
            entry = entry_from(row[0], row[1])
            if not criteria.admits(entry):
                continue
            if scope.admits is not None and not scope.admits(entry.namespace, entry.owner_kind):
                continue
            if criteria.selector is not None and not criteria.selector.matches(row[2]):
                continue
            found[entry.id] = entry
        return list(found.values())

    async def _by_id(self, cluster: str, ids: list[str], labels: bool) -> list[list[Any]]:
        """Rows as ``_ENTRIES`` makes them, for pods named by id (a workload's)."""
        if not ids:
            return []
        entries: list[Any] = await self.client.hmget(self.keys.pod_index(cluster), ids)
        kept: list[Any] = (
            await self.client.hmget(self.keys.pod_labels(cluster), ids)
            if labels
            else [None] * len(ids)
        )
        return [
            [pod, orjson.loads(entry), orjson.loads(label) if label else {}]
            for pod, entry, label in zip(ids, entries, kept, strict=True)
            if entry is not None
        ]

    async def _workload_pods(self, cluster: str, workload: str) -> set[str]:
        raw = await self.client.hget(self.keys.workloads(cluster), workload)
        if raw is None:
            return set()
        record: dict[str, Any] = orjson.loads(raw)
        return {f"{record['namespace']}/{pod}" for pod in record.get("pods") or ()}


def _bounds(cluster: str, span: Span) -> tuple[str, str]:
    """Lexicographic range of one cluster's set: the order's ties are broken by cluster."""
    low, high = "-", "+"
    if span.after is not None:
        member, other = span.after
        low = ("[" if cluster > other else "(") + member
    if span.before is not None:
        member, other = span.before
        high = ("[" if cluster < other else "(") + member
    return low, high


def _complement(bound: str) -> str:
    """The bound that starts (or ends) where ``bound`` stops; an open end stays open, which
    makes the range beyond it empty ("- -" and "+ +" count nothing)."""
    if bound in ("-", "+"):
        return bound
    return ("(" if bound[0] == "[" else "[") + bound[1:]


def _part(keys: list[PodKey], span: Span) -> _Part:
    """A cluster's candidates (sorted) cut to the span, as ``_range`` does in Redis."""
    start = bisect_right(keys, span.after) if span.after is not None else 0
    end = bisect_left(keys, span.before) if span.before is not None else len(keys)
    end = max(start, end)
    chosen = keys[start:end]
    if span.last is not None:
        chosen = chosen[max(len(chosen) - span.last, 0) :]
    else:
        chosen = chosen[: span.first or 0]
    return _Part(len(keys), end - start, chosen, start > 0, end < len(keys))


def _merge(parts: Sequence[_Part], span: Span) -> PodWindow:
    keys = sorted(key for part in parts for key in part.keys)
    in_range = sum(part.in_range for part in parts)
    total = sum(part.total for part in parts)
    if span.last is not None:
        keys = keys[max(len(keys) - span.last, 0) :]
        has_previous = in_range > span.last
        has_next = span.before is not None and any(p.past_before for p in parts)
    else:
        keys = keys[: span.first or 0]
        has_next = in_range > (span.first or 0)
        has_previous = span.after is not None and any(p.before_after for p in parts)
    return PodWindow(keys, total, has_next, has_previous)


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    return (items[i : i + size] for i in range(0, len(items), size))
