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
from typing import Any

import orjson
import redis.asyncio as redis

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
    decode_entry,
    member_for,
    pod_id_of,
)

_LABELS_AT_ONCE = 5000


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


@dataclass(frozen=True, slots=True)
class _Plan:
    criteria: PodCriteria
    scope: PodScope
    sets: list[str]
    """The sets whose union holds every candidate."""
    whole: bool
    """The one set is exactly the answer: no entry needs checking."""


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


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class PodIndexReader:
    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self.client = client
        self.keys = keys

    async def _plans(
        self, scopes: Mapping[str, PodScope], criteria: PodCriteria, order: PodOrder
    ) -> dict[str, _Plan]:
        """Per cluster, the sets to read: the smallest of those the filter names (one ZCARD
        round trip for all clusters), the ordering's own set when it names none."""
        narrowed: dict[str, PodCriteria] = {}
        for cluster, scope in scopes.items():
            namespaces = criteria.namespaces
            if scope.namespaces is not None:
                namespaces = namespaces & scope.namespaces if namespaces else scope.namespaces
                if not namespaces:
                    continue
            narrowed[cluster] = dataclasses.replace(criteria, namespaces=namespaces)
        choices = {cluster: c.choices() for cluster, c in narrowed.items()}
        asked = [(c, name) for c, found in choices.items() for group in found for name in group]
        async with self.client.pipeline(transaction=False) as pipe:
            for cluster, name in asked:
                pipe.zcard(self.keys.pod_set(cluster, name))
            answers = await pipe.execute()
        sizes = {ask: int(size) for ask, size in zip(asked, answers, strict=True)}
        plans: dict[str, _Plan] = {}
        for cluster, chosen in narrowed.items():
            groups = choices[cluster]
            own = SINCE if order.field is PodOrderField.SINCE else ALL
            sets = (
                min(groups, key=lambda group: sum(sizes[(cluster, n)] for n in group))
                if groups
                else [own]
            )
            conditions = _conditions(chosen)
            whole = (
                scopes[cluster].admits is None
                and len(sets) == 1
                and (conditions == 0 or (conditions == 1 and len(groups) == 1 and own == ALL))
            )
            plans[cluster] = _Plan(chosen, scopes[cluster], sets, whole)
        return plans

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
            if plan.whole:
                parts.append(await self._range(cluster, plan.sets[0], span))
            else:
                found = await self._matching(cluster, plan)
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
            entries = await self._matching(cluster, plan)
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

    async def _matching(self, cluster: str, plan: _Plan) -> list[PodIndexEntry]:
        """The entries of the plan's candidates that pass every condition."""
        criteria, scope = plan.criteria, plan.scope
        if criteria.workload:
            ids = sorted(await self._workload_pods(cluster, criteria.workload))
        else:
            async with self.client.pipeline(transaction=False) as pipe:
                for name in plan.sets:
                    pipe.zrange(self.keys.pod_set(cluster, name), 0, -1)
                answers = await pipe.execute()
            ids = sorted({pod_id_of(_text(m)) for members in answers for m in members})
        found: list[PodIndexEntry] = []
        for chunk in _chunks(ids, _LABELS_AT_ONCE):
            values = await self.client.hmget(self.keys.pod_index(cluster), chunk)
            entries = [decode_entry(i, v) for i, v in zip(chunk, values, strict=True) if v]
            entries = [
                e
                for e in entries
                if criteria.admits(e)
                and (scope.admits is None or scope.admits(e.namespace, e.owner_kind))
            ]
            if criteria.needs_labels and criteria.selector is not None and entries:
                labels = await self.client.hmget(
                    self.keys.pod_labels(cluster), [e.id for e in entries]
                )
                entries = [
                    e
                    for e, raw in zip(entries, labels, strict=True)
                    if criteria.selector.matches(orjson.loads(raw) if raw else {})
                ]
            found.extend(entries)
        return found

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
