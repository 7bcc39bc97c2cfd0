"""Query resolvers: thin calls into gateway.store.queries, then one conversion pass."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Protocol

import strawberry
from strawberry.types import Info

from gateway.store.errors import QueryError
from gateway.store.hub import CLUSTER_FEED, encode_cursor
from gateway.store.podindex import PodCriteria
from gateway.store.queries import STANDALONE_KIND, Queries, Summary
from gateway.store.records import Record
from gateway.store.selection import Criteria
from schema import convert, ids, materialize
from schema.arguments import (
    PODS_DESCRIPTION,
    ClusterArg,
    NameArg,
    NamespaceArg,
    PodAfterArg,
    PodBeforeArg,
    PodFilterArg,
    PodFirstArg,
    PodLastArg,
    PodOrderArg,
    SummaryFilterArg,
    WorkloadAfterArg,
    WorkloadFilterArg,
    WorkloadFirstArg,
    WorkloadOrderArg,
)
from schema.context import ApiContext
from schema.custom import CustomKind
from schema.errors import GatewayError, not_found
from schema.inputs import (
    PodOrder,
    WorkloadOrder,
    criteria,
    lookup_kind,
    order,
    pod_criteria,
    pod_order,
)
from schema.lookahead import requested
from schema.positions import told_ends
from schema.types import (
    ClusterNode,
    Feed,
    KindStatusCount,
    Namespace,
    Node,
    PageInfo,
    Pod,
    PodConnection,
    PodEdge,
    StatusCount,
    StatusSummary,
    Workload,
    WorkloadConnection,
    WorkloadEdge,
    WorkloadKind,
)


@contextmanager
def client_errors() -> Iterator[None]:
    """Store errors become errors with a code the client can act on."""
    try:
        yield
    except QueryError as error:
        raise GatewayError(str(error), error.code) from error


def context(info: Info) -> ApiContext:
    found: ApiContext = info.context
    return found


async def connection(
    info: Info,
    chosen: Criteria,
    ordering: WorkloadOrder | None,
    first: int | None,
    after: str | None,
) -> WorkloadConnection:
    """One page, built whole; the edges' cursors are encoded only when the query selects them
    (an edge that nobody asks the cursor of carries an empty one)."""
    ctx = context(info)
    with client_errors():
        page = await ctx.queries.page(chosen, order(ordering), first, after)
    wanted = requested(info)
    built = await materialize.workloads(
        ctx.queries, page.records, wanted, ctx.limits.events_per_object
    )
    cursors, page_info = paging(page, wanted, len(built))
    return WorkloadConnection(
        edges=[WorkloadEdge(cursor=c, node=w) for c, w in zip(cursors, built, strict=True)],
        nodes=built,
        page_info=page_info,
        total_count=page.total,
    )


class Page(Protocol):
    @property
    def has_next(self) -> bool: ...

    @property
    def has_previous(self) -> bool: ...

    def cursor(self, position: int) -> str: ...

    def cursors(self) -> list[str]: ...


def paging(page: Page, wanted: frozenset[str], count: int) -> tuple[list[str], PageInfo]:
    """The edges' cursors (empty unless the query selects them) and the page's info."""
    cursors = page.cursors() if "cursor" in wanted else [""] * count
    return cursors, PageInfo(
        has_next_page=page.has_next,
        has_previous_page=page.has_previous,
        start_cursor=page.cursor(0) if count else None,
        end_cursor=page.cursor(count - 1) if count else None,
    )


def summary_type(summary: Summary) -> StatusSummary:
    return StatusSummary(
        total=summary.total,
        abnormal=summary.abnormal,
        by_status=[
            StatusCount(status=convert.STATUS_BY_LABEL[s], label=s, count=n)
            for s, n in sorted(summary.by_status.items())
            if s in convert.STATUS_BY_LABEL
        ],
        by_kind=[
            _kind_count(k, s, n)
            for (k, s), n in sorted(summary.by_kind.items())
            if convert.kind_of(k) is not None and s in convert.STATUS_BY_LABEL
        ],
    )


def _kind_count(kind: str, status: str, count: int) -> KindStatusCount:
    """Standalone pods' kind has no group: its GroupKind is plain Pod, as in the core group."""
    fields = convert.kind_fields(kind)
    return KindStatusCount(
        kind=fields["kind"],
        group_kind=kind if kind == STANDALONE_KIND else fields["group_kind"],
        kind_name=fields["kind_name"],
        status=convert.STATUS_BY_LABEL[status],
        count=count,
    )


async def summarize(info: Info, chosen: Criteria) -> StatusSummary:
    with client_errors():
        return summary_type(await context(info).queries.summary(chosen))


NO_PAGE = PageInfo(has_next_page=False, has_previous_page=False, start_cursor=None, end_cursor=None)
"""The page of a connection that cannot hold anything (a filter naming another cluster)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Relay:
    """A connection's paging arguments as the client gave them."""

    first: int | None
    after: str | None
    last: int | None
    before: str | None


async def pod_connection(
    info: Info, chosen: PodCriteria, ordering: PodOrder | None, relay: Relay
) -> PodConnection:
    ctx = context(info)
    with client_errors():
        page = await ctx.queries.pod_page(
            chosen,
            pod_order(ordering),
            first=relay.first,
            after=relay.after,
            last=relay.last,
            before=relay.before,
        )
        wanted = requested(info)
        found = await materialize.with_events(
            ctx.queries,
            {(r["cluster"], f"{r['namespace']}/{r['name']}"): r for r in page.records},
            wanted,
            ctx.limits.events_per_object,
        )
    built = list(found.values())
    cursors, page_info = paging(page, wanted, len(built))
    return PodConnection(
        edges=[PodEdge(cursor=c, node=p) for c, p in zip(cursors, built, strict=True)],
        nodes=built,
        page_info=page_info,
        total_count=page.total,
    )


@strawberry.type(
    description="A Kubernetes cluster the gateway watches, with the state of its connection."
)
class Cluster(Node):
    name: str = strawberry.field(description="The cluster's name, as configured in the gateway.")
    server: str = strawberry.field(
        description="URL of its API server; empty for callers who do not operate the cluster."
    )
    reachable: bool = strawberry.field(
        description="Whether its API server answers the gateway now."
    )
    reachability_since: datetime | None = strawberry.field(
        description="When it last became reachable or unreachable, as an RFC 3339 timestamp."
    )
    last_synced_at: datetime | None = strawberry.field(
        description=(
            "When the gateway last heard from its API server, as an RFC 3339 timestamp; null "
            "before the first contact."
        )
    )
    last_error: str = strawberry.field(
        description=(
            "The last error talking to its API server (a generic sentence for callers who do "
            "not operate the cluster); empty when none."
        )
    )
    synced: bool = strawberry.field(
        description=(
            "Whether the initial list of every watched resource has completed, so the cache "
            "holds the whole cluster."
        )
    )
    watcher: str | None = strawberry.field(
        description=(
            "The gateway replica that holds this cluster's watch lease and writes its cache; "
            "null when none has reported."
        )
    )
    custom_kinds: list[CustomKind] = strawberry.field(
        description=(
            "The custom resource kinds watched as workloads in this cluster, of those the "
            "caller may see, by groupKind."
        )
    )

    @strawberry.field(description="Its namespaces that the caller may see, read from the cache.")
    async def namespaces(self, info: Info) -> list[Namespace]:
        records = await context(info).queries.namespaces(self.name)
        return [convert.namespace(r) for r in records]

    @strawberry.field(
        description="Its nodes with their readiness; empty for callers who may not see nodes."
    )
    async def nodes(self, info: Info) -> list[ClusterNode]:
        records = await context(info).queries.nodes(self.name)
        return [convert.node(r) for r in records]

    @strawberry.field(
        description=(
            "Workloads of this cluster, filtered and paged on the server; a filter naming only "
            "other clusters gives an empty page."
        )
    )
    async def workloads(
        self,
        info: Info,
        filter: WorkloadFilterArg = None,
        first: WorkloadFirstArg = None,
        after: WorkloadAfterArg = None,
        order_by: WorkloadOrderArg = None,
    ) -> WorkloadConnection:
        chosen = criteria(filter)
        if chosen.clusters and self.name not in chosen.clusters:
            return WorkloadConnection(edges=[], nodes=[], total_count=0, page_info=NO_PAGE)
        return await connection(
            info,
            dataclasses.replace(chosen, clusters=frozenset({self.name})),
            order_by,
            first,
            after,
        )

    @strawberry.field(description=PODS_DESCRIPTION)
    async def pods(
        self,
        info: Info,
        *,
        filter: PodFilterArg = None,
        first: PodFirstArg = None,
        after: PodAfterArg = None,
        last: PodLastArg = None,
        before: PodBeforeArg = None,
        order_by: PodOrderArg = None,
    ) -> PodConnection:
        chosen = pod_criteria(filter)
        if chosen.clusters and self.name not in chosen.clusters:
            return PodConnection(edges=[], nodes=[], total_count=0, page_info=NO_PAGE)
        here = dataclasses.replace(chosen, clusters=frozenset({self.name}))
        return await pod_connection(info, here, order_by, Relay(first, after, last, before))

    @strawberry.field(
        description=(
            "Counts per status (and per kind and status) of this cluster's workloads and "
            "standalone pods."
        )
    )
    async def status_summary(self, info: Info, filter: SummaryFilterArg = None) -> StatusSummary:
        chosen = criteria(filter)
        if chosen.clusters and self.name not in chosen.clusters:
            return summary_type(Summary())
        return await summarize(info, dataclasses.replace(chosen, clusters=frozenset({self.name})))


def cluster_type(record: Record) -> Cluster:
    return Cluster(
        id=strawberry.ID(ids.encode("Cluster", record["name"])),
        name=record["name"],
        server=record.get("server", ""),
        reachable=bool(record.get("reachable", True)),
        reachability_since=convert.to_time(record.get("since")),
        last_synced_at=convert.to_time(record.get("lastSyncedAt")),
        last_error=record.get("lastError", ""),
        synced=bool(record.get("synced")),
        watcher=record.get("watcher"),
        custom_kinds=[
            convert.custom_kind(k)
            for k in sorted(record.get("customKinds") or (), key=lambda k: str(k["kind"]))
        ],
    )


async def find_node(info: Info, queries: Queries, global_id: str) -> Node:
    """Any object by global id; an id this gateway would not issue is simply not found."""
    target = ids.decode(global_id)
    with client_errors():
        if target.type_name == "Cluster":
            known = await queries.clusters()
            if target.cluster in known:
                return cluster_type(known[target.cluster])
        elif target.type_name == "Workload":
            kind, namespace, name = _split(target.path, 3, global_id)
            record = await queries.workload(target.cluster, kind, namespace, name)
            [built] = await materialize.workloads(
                queries, [record], requested(info), context(info).limits.events_per_object
            )
            return built
        elif target.type_name == "Pod":
            namespace, name = _split(target.path, 2, global_id)
            return await _pod_with_events(info, await queries.pod(target.cluster, namespace, name))
        elif target.type_name == "ClusterNode":
            found = await queries.node(target.cluster, target.path)
            if found is not None:
                return convert.node(found)
    raise not_found(f"no object has id {global_id[:60]!r}")


def _split(path: str, parts: int, global_id: str) -> list[str]:
    pieces = path.split("/", parts - 1)
    if len(pieces) != parts or not all(pieces):
        raise not_found(f"no object has id {global_id[:60]!r}")
    return pieces


@strawberry.type(
    description="Reads of the gateway's cache of cluster state (only Pod.logs asks a cluster)."
)
class Query:
    @strawberry.field(description="Every cluster the gateway knows, with its reachability.")
    async def clusters(self, info: Info) -> list[Cluster]:
        return [cluster_type(r) for r in (await context(info).queries.clusters()).values()]

    @strawberry.field(description="One cluster by name; an unknown name is a NOT_FOUND error.")
    async def cluster(self, info: Info, name: ClusterArg) -> Cluster | None:
        known = await context(info).queries.clusters()
        if name not in known:
            raise not_found(f"unknown cluster {name!r} (known: {', '.join(known) or 'none'})")
        return cluster_type(known[name])

    @strawberry.field(description="Workloads across clusters, filtered and paged on the server.")
    async def workloads(
        self,
        info: Info,
        filter: WorkloadFilterArg = None,
        first: WorkloadFirstArg = None,
        after: WorkloadAfterArg = None,
        order_by: WorkloadOrderArg = None,
    ) -> WorkloadConnection:
        return await connection(info, criteria(filter), order_by, first, after)

    @strawberry.field(
        description=(
            "One workload by cluster, namespace, kind and name; one the caller cannot see, or "
            "that does not exist, is a NOT_FOUND error."
        )
    )
    async def workload(
        self,
        info: Info,
        cluster: ClusterArg,
        namespace: NamespaceArg,
        kind: Annotated[
            WorkloadKind | None,
            strawberry.argument(
                description="The workload's built-in kind; give this or groupKind, not both."
            ),
        ] = None,
        *,
        name: NameArg,
        group_kind: Annotated[
            str | None,
            strawberry.argument(
                description=(
                    "The workload's kind as a GroupKind (Rollout.argoproj.io, Deployment.apps) "
                    "or a built-in's bare name; give this or kind, not both."
                )
            ),
        ] = None,
    ) -> Workload | None:
        ctx = context(info)
        chosen = lookup_kind(kind, group_kind)
        with client_errors():
            record = await ctx.queries.workload(cluster, chosen, namespace, name)
        [built] = await materialize.workloads(
            ctx.queries, [record], requested(info), ctx.limits.events_per_object
        )
        return built

    @strawberry.field(description=PODS_DESCRIPTION)
    async def pods(
        self,
        info: Info,
        *,
        filter: PodFilterArg = None,
        first: PodFirstArg = None,
        after: PodAfterArg = None,
        last: PodLastArg = None,
        before: PodBeforeArg = None,
        order_by: PodOrderArg = None,
    ) -> PodConnection:
        relay = Relay(first, after, last, before)
        return await pod_connection(info, pod_criteria(filter), order_by, relay)

    @strawberry.field(
        description=(
            "One pod by cluster, namespace and name; one the caller cannot see, or that does "
            "not exist, is a NOT_FOUND error."
        )
    )
    async def pod(
        self, info: Info, cluster: ClusterArg, namespace: NamespaceArg, name: NameArg
    ) -> Pod | None:
        ctx = context(info)
        with client_errors():
            record = await ctx.queries.pod(cluster, namespace, name)
        return await _pod_with_events(info, record)

    @strawberry.field(
        description=(
            "Counts per status (and per kind and status) for dashboard tiles; pods of no "
            "workload count under kind POD with their phase as status."
        )
    )
    async def status_summary(self, info: Info, filter: SummaryFilterArg = None) -> StatusSummary:
        return await summarize(info, criteria(filter))

    @strawberry.field(
        description=(
            "Where a change feed ends now, as an `after` cursor for its subscription: a "
            "client that keeps it misses nothing from this moment on, even if it "
            "disconnects before the first change arrives."
        )
    )
    async def feed_cursor(
        self,
        info: Info,
        feed: Annotated[Feed, strawberry.argument(description="The feed whose end is wanted.")],
    ) -> str:
        ctx = context(info)
        with client_errors():
            clusters = (
                [CLUSTER_FEED]
                if feed is Feed.CLUSTERS
                else await ctx.queries.clusters_for(Criteria())
            )
            epoch = await ctx.hub.epoch()
            _, told = await told_ends(ctx.hub, ctx.queries, feed.value, clusters)
            return encode_cursor(epoch, told, feed.value)

    @strawberry.field(description="Any object by its global id.")
    async def node(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="A global id from any `id` field.")
        ],
    ) -> Node | None:
        return await find_node(info, context(info).queries, str(id))


async def _pod_with_events(info: Info, record: Record) -> Pod:
    ctx = context(info)
    events: list[Record] = []
    if "events" in requested(info):
        ref = (record["cluster"], f"Pod/{record['namespace']}/{record['name']}")
        events = (await ctx.queries.events_of([ref], ctx.limits.events_per_object)).get(ref, [])
    return convert.pod(record, events)
