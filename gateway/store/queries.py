"""The questions the API asks of the cache, answered with plain records.

Kept free of GraphQL so each can be tested (and benchmarked) on its own; the schema
turns the records into types. Errors carry a code the API passes to clients.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from gateway.store.errors import QueryError
from gateway.store.reader import Ref, StoreReader
from gateway.store.records import Record
from gateway.store.selection import (
    ABNORMAL,
    Criteria,
    CursorError,
    IndexEntry,
    Order,
    arrange,
    encode_cursor,
    window,
    with_labels,
)


@dataclass(frozen=True, slots=True)
class RecordPage:
    records: list[Record]
    cursors: list[str]
    total: int
    has_next: bool
    has_previous: bool


@dataclass(slots=True)
class Summary:
    total: int = 0
    abnormal: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_kind: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, kind: str, status: str, count: int) -> None:
        self.total += count
        if status in ABNORMAL:
            self.abnormal += count
        self.by_status[status] = self.by_status.get(status, 0) + count
        self.by_kind[(kind, status)] = self.by_kind.get((kind, status), 0) + count


class Queries:
    def __init__(self, reader: StoreReader, max_page: int = 1000, default_page: int = 100) -> None:
        self.reader = reader
        self.max_page = max_page
        self.default_page = min(default_page, max_page)

    async def clusters_for(self, criteria: Criteria) -> list[str]:
        """The clusters a filter names (all when it names none); unknown names are an error."""
        known = await self.reader.clusters()
        if not criteria.clusters:
            return list(known)
        unknown = sorted(criteria.clusters - set(known))
        if unknown:
            raise QueryError(
                f"unknown cluster(s): {', '.join(unknown)} (known: {', '.join(known) or 'none'})",
                "NOT_FOUND",
            )
        return sorted(criteria.clusters)

    async def selected(self, criteria: Criteria, order: Order) -> list[IndexEntry]:
        clusters = await self.clusters_for(criteria)
        chosen = arrange(await self.reader.index(clusters), criteria, order)
        if criteria.needs_labels and criteria.selector is not None and chosen:
            labels = await self.reader.labels(chosen)
            chosen = with_labels(chosen, labels, criteria.selector)
        return chosen

    async def page(
        self, criteria: Criteria, order: Order, first: int | None, after: str | None
    ) -> RecordPage:
        """``first`` None means the default page size."""
        if first is None:
            first = self.default_page
        if first < 0 or first > self.max_page:
            raise QueryError(
                f"first must be between 0 and {self.max_page}, got {first}", "BAD_USER_INPUT"
            )
        chosen = await self.selected(criteria, order)
        try:
            part = window(chosen, order, first, after)
        except CursorError as error:
            raise QueryError(f"invalid cursor: {error}", "BAD_USER_INPUT") from error
        refs: list[Ref] = [(e.cluster, e.id) for e in part.entries]
        found = await self.reader.workloads(refs)
        records = [found[ref] for ref in refs if ref in found]
        cursors = [encode_cursor(e, order) for e in part.entries if (e.cluster, e.id) in found]
        return RecordPage(records, cursors, part.total, part.has_next, part.has_previous)

    async def summary(self, criteria: Criteria) -> Summary:
        """From the count hashes when the filter allows it, else from the index."""
        summary = Summary()
        if criteria.needs_labels or criteria.name_contains:
            for entry in await self.selected(criteria, Order()):
                summary.add(entry.kind, entry.status, 1)
            return summary
        clusters = await self.clusters_for(criteria)
        for _, namespace, kind, status, count in await self.reader.workload_counts(clusters):
            probe = IndexEntry("", kind, namespace, "", status, "", 0.0)
            if criteria.admits(probe):
                summary.add(kind, status, count)
        return summary

    async def workload(self, cluster: str, kind: str, namespace: str, name: str) -> Record:
        await self.clusters_for(Criteria(clusters=frozenset({cluster})))
        found = await self.reader.workloads([(cluster, f"{kind}/{namespace}/{name}")])
        record = next(iter(found.values()), None)
        if record is None:
            raise QueryError(f"no {kind} {namespace}/{name} in cluster {cluster}", "NOT_FOUND")
        return record

    async def pod(self, cluster: str, namespace: str, name: str) -> Record:
        await self.clusters_for(Criteria(clusters=frozenset({cluster})))
        found = await self.reader.pods([(cluster, f"{namespace}/{name}")])
        record = next(iter(found.values()), None)
        if record is None:
            raise QueryError(f"no pod {namespace}/{name} in cluster {cluster}", "NOT_FOUND")
        return record

    async def pods_of(self, workloads: Sequence[Record]) -> dict[Ref, Record]:
        refs = [
            (w["cluster"], f"{w['namespace']}/{p}") for w in workloads for p in w.get("pods") or ()
        ]
        return await self.reader.pods(refs)

    async def jobs_of(self, cronjobs: Sequence[Record]) -> dict[Ref, Record]:
        refs = [
            (c["cluster"], f"Job/{c['namespace']}/{j}")
            for c in cronjobs
            for j in c.get("jobs") or ()
        ]
        return await self.reader.workloads(refs)

    async def events_of(self, objects: Iterable[Ref], limit: int) -> dict[Ref, list[Record]]:
        return await self.reader.events(list(objects), limit)
