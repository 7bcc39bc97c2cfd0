"""The questions the API asks of the cache, answered with plain records.

Kept free of GraphQL so each can be tested (and benchmarked) on its own; the schema
turns the records into types. Errors carry a code the API passes to clients.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from gateway.store import podindex
from gateway.store.errors import QueryError
from gateway.store.podindex import (
    PodCriteria,
    PodIndexEntry,
    PodKey,
    PodOrder,
    owner_kind,
    pod_id_of,
)
from gateway.store.podpages import EVERYTHING, PodIndexReader, PodScope, Span
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
from gateway.visibility import ALL_KINDS, ClusterVisibility, Visibility

T = TypeVar("T")

STANDALONE_KIND = "Pod"
"""The kind summaries count standalone pods under (pods that belong to no workload)."""


@dataclass(frozen=True, slots=True)
class RecordPage:
    records: list[Record]
    entries: list[IndexEntry]
    """The index entries of ``records``, in the same order."""
    order: Order
    total: int
    has_next: bool
    has_previous: bool

    def cursor(self, position: int) -> str:
        """The cursor after ``records[position]``; encoded on request, as a query that
        selects no cursor would otherwise pay a thousand encodings for a full page."""
        return encode_cursor(self.entries[position], self.order)

    def cursors(self) -> list[str]:
        return [encode_cursor(entry, self.order) for entry in self.entries]


@dataclass(frozen=True, slots=True)
class PodPage:
    records: list[Record]
    keys: list[PodKey]
    """The positions of ``records`` in the ordering, in the same order."""
    order: PodOrder
    total: int
    has_next: bool
    has_previous: bool

    def cursor(self, position: int) -> str:
        return podindex.encode_cursor(self.keys[position], self.order)

    def cursors(self) -> list[str]:
        return [podindex.encode_cursor(key, self.order) for key in self.keys]


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

    def add_pods(self, phase: str, abnormal: bool, count: int) -> None:
        """Standalone pods: their phase is their status; abnormal by their own verdict."""
        self.add(STANDALONE_KIND, phase, count)
        if abnormal:
            self.abnormal += count


class Queries:
    """Every read the API makes, through one caller's Visibility: the one place scoping happens.

    An object outside the caller's visibility does not exist for it: lists and counts
    leave it out, lookups by name or id answer NOT_FOUND, never FORBIDDEN. ``touched``
    collects the (cluster, namespace) pairs whose data was returned, for the audit log.
    """

    def __init__(
        self,
        reader: StoreReader,
        max_page: int = 1000,
        default_page: int = 100,
        visibility: Visibility | None = None,
    ) -> None:
        self.reader = reader
        self.max_page = max_page
        self.default_page = min(default_page, max_page)
        self.visibility = visibility or Visibility.everything()
        self.touched: set[tuple[str, str]] = set()
        self.pod_index = PodIndexReader(reader.client, reader.keys)
        self._view: tuple[Visibility, Hashable] | None = None

    def view_key(self) -> Hashable:
        """The visibility's fingerprint, taken once: every change a subscriber receives
        asks for it, and the visibility it reads is only replaced, never changed."""
        if self._view is None or self._view[0] is not self.visibility:
            self._view = (self.visibility, self.visibility.fingerprint())
        return self._view[1]

    def scoped(self, visibility: Visibility) -> Queries:
        """The same cache read on behalf of one caller (a fresh audit record)."""
        return Queries(self.reader, self.max_page, self.default_page, visibility)

    def _present(
        self, positions: Sequence[T], refs: Sequence[Ref], found: Mapping[Ref, Record]
    ) -> tuple[list[T], list[Record]]:
        """The page's positions whose records are still there (one may go between the index
        read and the record read), with those records, touched for the audit."""
        present = [(p, found[ref]) for p, ref in zip(positions, refs, strict=True) if ref in found]
        records = [record for _, record in present]
        self._touch(records)
        return [p for p, _ in present], records

    def _touch(self, records: Iterable[Record]) -> None:
        for record in records:
            self.touched.add((str(record.get("cluster", "")), str(record.get("namespace", ""))))

    async def clusters(self) -> dict[str, Record]:
        """The visible clusters' records; a tenant (no ``nodes`` grant on the cluster) is not
        told the API server's address or its raw error text, which name infrastructure
        beyond the tenant's namespaces: only that it is unreachable."""
        known = await self.reader.clusters()
        visible = {name: known[name] for name in self.visibility.visible_clusters(known)}
        return {name: self._as_seen(name, record) for name, record in visible.items()}

    def sees_infrastructure(self, cluster: str) -> bool:
        """Whether the caller operates this cluster (sees everything, or its nodes)."""
        view = self.visibility.cluster(cluster)
        return self.visibility.unrestricted or (view is not None and view.nodes)

    def _as_seen(self, name: str, record: Record) -> Record:
        """A cluster record as a tenant reads it: no infrastructure (see ``clusters``),
        and of the custom kinds watched there only those it may see somewhere, as the
        others do not exist for it."""
        if self.sees_infrastructure(name):
            return record
        view = self.visibility.cluster(name)
        kinds = [
            k
            for k in record.get("customKinds") or ()
            if view is not None and view.sees_kind(str(k.get("kind")))
        ]
        return {
            **record,
            "server": "",
            "lastError": tenant_error(record.get("lastError")),
            "customKinds": kinds,
        }

    async def clusters_for(self, criteria: Criteria) -> list[str]:
        """The clusters a filter names (all visible when it names none).

        A name the caller cannot see is reported exactly like a name that does not
        exist, so a filter cannot probe which clusters exist.
        """
        visible = await self.clusters()
        if not criteria.clusters:
            return list(visible)
        unknown = sorted(criteria.clusters - set(visible))
        if unknown:
            raise QueryError(
                f"unknown cluster(s): {', '.join(unknown)} (known: {', '.join(visible) or 'none'})",
                "NOT_FOUND",
            )
        return sorted(criteria.clusters)

    async def selected(self, criteria: Criteria, order: Order) -> list[IndexEntry]:
        clusters = await self.clusters_for(criteria)
        visibility = self.visibility
        entries = await self.reader.index(clusters)
        if not visibility.unrestricted:
            entries = [e for e in entries if visibility.admits(e.cluster, e.namespace, e.kind)]
        chosen = arrange(entries, criteria, order)
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
        entries, records = self._present(part.entries, refs, await self.reader.workloads(refs))
        return RecordPage(
            records,
            entries,
            order,
            part.total,
            part.has_next,
            part.has_previous,
        )

    async def summary(self, criteria: Criteria) -> Summary:
        """From the count hashes when the filter allows it, else from the index."""
        summary = Summary()
        clusters = await self.clusters_for(criteria)
        if criteria.needs_labels or criteria.name_contains:
            for entry in await self.selected(criteria, Order()):
                summary.add(entry.kind, entry.status, 1)
        else:
            counts = await self.reader.workload_counts(clusters)
            for cluster, namespace, kind, status, count in counts:
                probe = IndexEntry(cluster, kind, namespace, "", status, "", 0.0)
                if criteria.admits(probe) and self.visibility.admits(cluster, namespace, kind):
                    summary.add(kind, status, count)
        if not criteria.names_kinds or criteria.admits_kind(STANDALONE_KIND):
            await self._count_standalone(criteria, clusters, summary)
        return summary

    async def _count_standalone(
        self, criteria: Criteria, clusters: list[str], summary: Summary
    ) -> None:
        """Standalone pods under kind Pod: from their count hash, or from the pod index
        when the filter asks about names or labels."""
        if criteria.needs_labels or criteria.name_contains:
            chosen = PodCriteria(
                namespaces=criteria.namespaces,
                phases=criteria.statuses,
                abnormal=criteria.abnormal,
                standalone=True,
                name_contains=criteria.name_contains,
                selector=criteria.selector,
            )
            for _, entry in await self.pod_index.matching(self.pod_scopes(clusters), chosen):
                summary.add_pods(entry.phase, entry.abnormal, 1)
            return
        counts = await self.reader.standalone_counts(clusters)
        for cluster, namespace, phase, abnormal, kind, count in counts:
            if (
                (criteria.namespaces and namespace not in criteria.namespaces)
                or (criteria.statuses and phase not in criteria.statuses)
                or (criteria.abnormal is not None and abnormal != criteria.abnormal)
                or not self._sees_pods_of(cluster, namespace, kind)
            ):
                continue
            summary.add_pods(phase, abnormal, count)

    def pod_scopes(self, clusters: Iterable[str]) -> dict[str, PodScope]:
        """What the caller may see of each cluster's pods, for the pod index to apply."""
        if self.visibility.unrestricted:
            return dict.fromkeys(clusters, EVERYTHING)
        scopes: dict[str, PodScope] = {}
        for cluster in clusters:
            view = self.visibility.cluster(cluster)
            if view is None:
                continue
            namespaces = None if view.everywhere else frozenset(view.namespaces)
            full = (
                view.everywhere >= ALL_KINDS
                if view.everywhere
                else all(kinds >= ALL_KINDS for kinds in view.namespaces.values())
            )
            scopes[cluster] = PodScope(namespaces, None if full else _pod_admission(view))
        return scopes

    async def matching_pods(self, criteria: PodCriteria) -> list[tuple[str, PodIndexEntry]]:
        """Every pod the filter admits that the caller sees, as (cluster, index entry)."""
        clusters = await self.clusters_for(Criteria(clusters=criteria.clusters))
        return await self.pod_index.matching(self.pod_scopes(clusters), criteria)

    async def pod_records(self, refs: Sequence[Ref]) -> dict[Ref, Record]:
        """Records of pods ``matching_pods`` chose (so already within the caller's view)."""
        found = await self.reader.pods(refs)
        self._touch(found.values())
        return found

    async def pod_page(
        self,
        criteria: PodCriteria,
        order: PodOrder,
        *,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> PodPage:
        """A Relay page; neither ``first`` nor ``last`` means the default page size forward."""
        if first is not None and last is not None:
            raise QueryError(
                "give first (with after) or last (with before), not both", "BAD_USER_INPUT"
            )
        if first is None and last is None:
            first = self.default_page
        for name, size in (("first", first), ("last", last)):
            if size is not None and not 0 <= size <= self.max_page:
                raise QueryError(
                    f"{name} must be between 0 and {self.max_page}, got {size}", "BAD_USER_INPUT"
                )
        try:
            span = Span(
                first,
                last,
                podindex.decode_cursor(after, order) if after else None,
                podindex.decode_cursor(before, order) if before else None,
            )
        except podindex.CursorError as error:
            raise QueryError(f"invalid cursor: {error}", "BAD_USER_INPUT") from error
        clusters = await self.clusters_for(Criteria(clusters=criteria.clusters))
        window = await self.pod_index.page(self.pod_scopes(clusters), criteria, order, span)
        refs: list[Ref] = [(cluster, pod_id_of(member)) for member, cluster in window.keys]
        keys, records = self._present(window.keys, refs, await self.reader.pods(refs))
        return PodPage(
            records,
            keys,
            order,
            window.total,
            window.has_next,
            window.has_previous,
        )

    def built(self, record: Record, build: Callable[[Record], T]) -> T:
        """The schema's object for a workload record, built once while the record is
        unchanged in Redis (see gateway/store/memo.py)."""
        return self.reader.workload_memo.built(record, build)

    async def workloads_of(self, entries: Sequence[IndexEntry]) -> dict[Ref, Record]:
        """Records of entries ``selected`` chose (so already within the caller's view)."""
        found = await self.reader.workloads([(e.cluster, e.id) for e in entries])
        self._touch(found.values())
        return found

    async def workload(self, cluster: str, kind: str, namespace: str, name: str) -> Record:
        missing = QueryError(f"no {kind} {namespace}/{name} in cluster {cluster}", "NOT_FOUND")
        if not self.visibility.admits(cluster, namespace, kind):
            raise missing
        await self.clusters_for(Criteria(clusters=frozenset({cluster})))
        found = await self.reader.workloads([(cluster, f"{kind}/{namespace}/{name}")])
        record = next(iter(found.values()), None)
        if record is None:
            raise missing
        self._touch([record])
        return record

    async def pod(self, cluster: str, namespace: str, name: str) -> Record:
        missing = QueryError(f"no pod {namespace}/{name} in cluster {cluster}", "NOT_FOUND")
        if not self.visibility.sees_namespace(cluster, namespace):
            raise missing
        await self.clusters_for(Criteria(clusters=frozenset({cluster})))
        found = await self.reader.pods([(cluster, f"{namespace}/{name}")])
        record = next(iter(found.values()), None)
        if record is None or not self.pod_visible(record):
            raise missing
        self._touch([record])
        return record

    def pod_visible(self, pod: Record) -> bool:
        """A pod is seen through its workload: kinds a caller may not see hide their pods,
        orphans included (by the kind they belonged to). A pod that never had a workload
        is seen by whoever sees its namespace."""
        if self.visibility.unrestricted:
            return True
        return self._sees_pods_of(str(pod["cluster"]), str(pod["namespace"]), owner_kind(pod))

    def _sees_pods_of(self, cluster: str, namespace: str, kind: str) -> bool:
        view = self.visibility.cluster(cluster)
        return view is not None and _pod_admission(view)(namespace, kind)

    def logs_allowed(self, cluster: str, namespace: str) -> bool:
        return self.visibility.allows_logs(cluster, namespace)

    async def pods_of(self, workloads: Sequence[Record]) -> dict[Ref, Record]:
        refs = [
            (w["cluster"], f"{w['namespace']}/{p}")
            for w in workloads
            if self.visibility.admits(w["cluster"], w["namespace"], w["kind"])
            for p in w.get("pods") or ()
        ]
        return await self.reader.pods(refs)

    async def jobs_of(self, cronjobs: Sequence[Record]) -> dict[Ref, Record]:
        refs = [
            (c["cluster"], f"Job/{c['namespace']}/{j}")
            for c in cronjobs
            if self.visibility.admits(c["cluster"], c["namespace"], "Job")
            for j in c.get("jobs") or ()
        ]
        return await self.reader.workloads(refs)

    async def events_of(self, objects: Iterable[Ref], limit: int) -> dict[Ref, list[Record]]:
        """Events of objects the caller sees (refs are "Kind/namespace/name")."""
        visible = [
            (cluster, object_id)
            for cluster, object_id in objects
            if self._event_target_visible(cluster, object_id)
        ]
        return await self.reader.events(visible, limit)

    def _event_target_visible(self, cluster: str, object_id: str) -> bool:
        kind, _, rest = object_id.partition("/")
        namespace = rest.partition("/")[0]
        if kind == "Pod":
            return self.visibility.sees_namespace(cluster, namespace)
        return self.visibility.admits(cluster, namespace, kind)

    async def nodes(self, cluster: str) -> list[Record]:
        if not self.visibility.sees_nodes(cluster):
            return []
        return await self.reader.nodes(cluster)

    async def node(self, cluster: str, name: str) -> Record | None:
        if not self.visibility.sees_nodes(cluster):
            return None
        return await self.reader.node(cluster, name)

    async def namespaces(self, cluster: str) -> list[Record]:
        records = await self.reader.namespaces(cluster)
        return [r for r in records if self.visibility.sees_namespace(cluster, r["name"])]


def _pod_admission(view: ClusterVisibility) -> Callable[[str, str], bool]:
    """(namespace, owner kind or "") -> whether ``view`` shows such a pod."""

    def admits(namespace: str, kind: str) -> bool:
        return view.admits(namespace, kind) if kind else view.sees_namespace(namespace)

    return admits


def tenant_error(error: object) -> str:
    """What a tenant is told of an API server's failure: that it fails, not the raw text."""
    return "the API server is not answering" if error else ""
