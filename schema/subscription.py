"""Subscriptions: status changes pushed as they happen, resumable from a cursor.

Each change carries a cursor; passing it back as ``after`` replays what the feed
still holds after it, then continues live, so a client that reconnects misses
nothing. A cursor older than the feed keeps is refused with CURSOR_EXPIRED, and
``snapshot: true`` first sends the current state of everything the filter admits.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Annotated

import strawberry
from strawberry.types import Info

from gateway.auth.principal import AuthenticationError
from gateway.auth.ratelimit import RateLimited
from gateway.store.errors import StoreUnavailable
from gateway.store.hub import (
    CLUSTER_FEED,
    CLUSTERS,
    PODS,
    WORKLOADS,
    CursorExpired,
    FeedEvent,
    FeedHub,
    InvalidCursor,
    SlowConsumer,
    decode_cursor,
    encode_cursor,
)
from gateway.store.hub import (
    Subscription as HubSubscription,
)
from gateway.store.queries import Queries
from gateway.store.selection import Criteria, IndexEntry
from schema import podchanges, workloadchanges
from schema.changes import (
    ClusterReachabilityChange,
    PodStatusChange,
    WorkloadStatusChange,
)
from schema.context import ApiContext
from schema.errors import CURSOR_EXPIRED, SLOW_CONSUMER, UNAVAILABLE, GatewayError, bad_input
from schema.inputs import PodFilter, WorkloadFilter, criteria, pod_criteria
from schema.listchanges import (
    DEFAULT_DEBOUNCE_MS,
    MAX_DEBOUNCE_MS,
    MIN_DEBOUNCE_MS,
    WorkloadListChange,
    debounced,
    list_change,
)
from schema.positions import told_ends
from schema.query import client_errors, context
from schema.sharedresults import shared_change
from schema.workloadchanges import reachability_change, workload_change


def _admits_workload(chosen: Criteria, ctx: ApiContext) -> Callable[[FeedEvent], bool]:
    """Reads the caller's visibility at each event: a recheck may have narrowed it."""

    def admits(event: FeedEvent) -> bool:
        if chosen.clusters and event.cluster not in chosen.clusters:
            return False
        kind, namespace, name = event.fields["id"].split("/", 2)
        if not ctx.queries.visibility.admits(event.cluster, namespace, kind):
            return False
        statuses = {event.fields.get("oldStatus", ""), event.fields.get("newStatus", "")} - {""}
        probes = [IndexEntry(event.cluster, kind, namespace, name, s, "", 0.0) for s in statuses]
        if not any(chosen.admits(p) for p in probes):
            return False
        if chosen.needs_labels and chosen.selector is not None:
            record = event.record or {}
            return chosen.selector.matches(record.get("labels"))
        return True

    return admits


async def _start(
    hub: FeedHub,
    queries: Queries,
    subscription: HubSubscription,
    *,
    stream: str,
    clusters: list[str],
    since: str | None,
    epoch: str,
) -> AsyncGenerator[FeedEvent, None]:
    """Set the subscription's starting positions; replay from ``since`` when given."""
    ends, told = await told_ends(hub, queries, stream, clusters)
    if since is None:
        subscription.delivered.update(ends)
        subscription.shown.update(told)
        return
    try:
        cursor_epoch, positions = decode_cursor(since, stream)
    except InvalidCursor as error:
        raise bad_input(f"invalid cursor: {error}") from error
    if cursor_epoch != epoch:
        raise GatewayError(
            "the cursor comes from a feed that no longer exists (the cache was reset); "
            "resubscribe with snapshot: true",
            CURSOR_EXPIRED,
        )
    # Every position first: a replayed change's cursor names every cluster, so a client
    # resuming from it does not start a cluster it has not replayed yet at its end.
    for cluster in clusters:
        start = positions.get(cluster)
        subscription.delivered[cluster] = ends[cluster] if start is None else start
        subscription.shown[cluster] = told[cluster] if start is None else start
    for cluster in clusters:
        if cluster not in positions:
            continue
        # Read before the retention check: trimming only moves the first entry forward,
        # so a cursor still retained after the read was retained during it.
        replayed = await hub.replay(stream, cluster, positions[cluster])
        try:
            await hub.check_retained(stream, cluster, positions[cluster])
        except CursorExpired as error:
            raise GatewayError(
                f"{error}; resubscribe with snapshot: true", CURSOR_EXPIRED
            ) from error
        for event in replayed:
            # Admitted first: an entry the caller may not see must not move its cursor.
            if subscription.admits(event) and subscription.fresh(event):
                yield event


@contextlib.asynccontextmanager
async def _held(ctx: ApiContext) -> AsyncIterator[None]:
    """One of the caller's concurrent subscriptions, counted across replicas."""
    if ctx.limiter is None or ctx.principal is None:
        yield
        return
    try:
        async with ctx.limiter.subscription(ctx.principal.subject):
            yield
    except RateLimited as error:
        raise GatewayError(str(error), "RATE_LIMITED") from error
    except StoreUnavailable as error:
        raise GatewayError(str(error), UNAVAILABLE) from error


async def _live(
    ctx: ApiContext, hub: FeedHub, subscription: HubSubscription
) -> AsyncGenerator[FeedEvent, None]:
    loop = asyncio.get_running_loop()
    recheck_at = loop.time() + ctx.recheck_seconds
    ticker = (
        asyncio.create_task(_tick(subscription, ctx.recheck_seconds), name="subscription-tick")
        if ctx.reauthorize is not None
        else None
    )
    try:
        async for event in hub.follow_ticking(subscription):
            if ctx.reauthorize is not None and loop.time() >= recheck_at:
                await _reauthorize(ctx, ctx.reauthorize)
                recheck_at = loop.time() + ctx.recheck_seconds
                if event is not None and not subscription.admits(event):
                    continue
            if event is not None:
                yield event
    except SlowConsumer as error:
        raise GatewayError(
            f"subscription dropped: {error}; resume with the last cursor", SLOW_CONSUMER
        ) from error
    except CursorExpired as error:
        raise GatewayError(
            f"subscription ended: {error}; resubscribe with snapshot: true", CURSOR_EXPIRED
        ) from error
    finally:
        if ticker is not None:
            ticker.cancel()


async def _tick(subscription: HubSubscription, seconds: float) -> None:
    """Wake a quiet subscription every ``seconds``, so that a Server-Sent Events stream
    (which no socket-level check covers) learns of a revoked credential without a change."""
    while True:
        await asyncio.sleep(seconds)
        subscription.tick()


async def _reauthorize(ctx: ApiContext, reauthorize: Callable[[], Awaitable[Queries]]) -> None:
    try:
        ctx.queries = await reauthorize()
    except AuthenticationError as error:
        raise GatewayError(
            f"subscription ended: the credential is no longer accepted ({error})",
            "UNAUTHENTICATED",
        ) from error


AfterArg = Annotated[
    str | None,
    strawberry.argument(
        description=(
            "A cursor of this feed (a change's cursor, or feedCursor's answer): replay what "
            "followed it, then continue live. Too old a cursor is a CURSOR_EXPIRED error."
        )
    ),
]
SinceArg = Annotated[
    str | None,
    strawberry.argument(
        description="The old name of `after`, still taken.",
        deprecation_reason=(
            "Use `after`: it is a cursor, and `since` names a time everywhere else in the schema."
        ),
    ),
]


def resumed_from(after: str | None, since: str | None) -> str | None:
    """The cursor to resume from, under either name (``since`` is ``after``'s old one)."""
    if after is not None and since is not None and after != since:
        raise bad_input("give the cursor as after (since is its old name), not both")
    return after if after is not None else since


SnapshotArg = Annotated[
    bool,
    strawberry.argument(
        description=(
            "First send everything the filter admits as it is now (SNAPSHOT), then "
            "SNAPSHOT_END, then live changes. Not together with `after`."
        )
    ),
]


@strawberry.type(
    description=(
        "Status changes pushed as they happen; each message's cursor, passed back as "
        "`after`, resumes the feed without a gap."
    )
)
class Subscription:
    @strawberry.subscription(description="Every status change of the workloads the filter admits.")
    async def workload_status_changed(
        self,
        info: Info,
        filter: Annotated[
            WorkloadFilter | None,
            strawberry.argument(
                description=(
                    "Which workloads' changes to send: a change is sent when the workload "
                    "matched before or after it. Omitted: every workload the caller may see."
                )
            ),
        ] = None,
        after: AfterArg = None,
        since: SinceArg = None,
        snapshot: SnapshotArg = False,
    ) -> AsyncGenerator[WorkloadStatusChange, None]:
        ctx = context(info)
        since = resumed_from(after, since)
        if since is not None and snapshot:
            raise bad_input(
                "use either after (resume) or snapshot (start from the current state), not both"
            )
        chosen = criteria(filter)
        hub = ctx.hub
        with client_errors():
            clusters = await ctx.queries.clusters_for(chosen)
            epoch = await hub.epoch()
            capacity = ctx.limits.subscription_buffer
            admits = _admits_workload(chosen, ctx)
            async with _held(ctx), hub.subscribe(WORKLOADS, admits, capacity, epoch) as sub:
                async for event in _start(
                    hub,
                    ctx.queries,
                    sub,
                    stream=WORKLOADS,
                    clusters=clusters,
                    since=since,
                    epoch=epoch,
                ):
                    yield shared_change(
                        ctx, event, encode_cursor(epoch, sub.shown, WORKLOADS), workload_change
                    )
                if snapshot:
                    cursor = encode_cursor(epoch, sub.shown, WORKLOADS)
                    async for change in workloadchanges.snapshot(ctx, chosen, cursor):
                        yield change
                    yield workloadchanges.snapshot_end(cursor)
                async for event in _live(ctx, hub, sub):
                    yield shared_change(
                        ctx, event, encode_cursor(epoch, sub.shown, WORKLOADS), workload_change
                    )

    @strawberry.subscription(
        description=(
            "Every change of phase, STATUS, issue or owner of the pods the filter admits; "
            "`snapshot: true` first sends every such pod as it is now, then SNAPSHOT_END."
        )
    )
    async def pod_status_changed(
        self,
        info: Info,
        filter: Annotated[
            PodFilter | None,
            strawberry.argument(
                description=(
                    "Which pods' changes to send: a change is sent when the pod matched before "
                    "or after it. Omitted: every pod the caller may see."
                )
            ),
        ] = None,
        after: AfterArg = None,
        since: SinceArg = None,
        snapshot: SnapshotArg = False,
    ) -> AsyncGenerator[PodStatusChange, None]:
        ctx = context(info)
        since = resumed_from(after, since)
        if since is not None and snapshot:
            raise bad_input(
                "use either after (resume) or snapshot (start from the current state), not both"
            )
        chosen = pod_criteria(filter)
        hub = ctx.hub
        with client_errors():
            clusters = await ctx.queries.clusters_for(Criteria(clusters=chosen.clusters))
            epoch = await hub.epoch()
            capacity = ctx.limits.subscription_buffer
            admits = podchanges.admits_pod(chosen, ctx)
            async with _held(ctx), hub.subscribe(PODS, admits, capacity, epoch) as sub:
                async for event in _start(
                    hub, ctx.queries, sub, stream=PODS, clusters=clusters, since=since, epoch=epoch
                ):
                    yield shared_change(
                        ctx, event, encode_cursor(epoch, sub.shown, PODS), podchanges.pod_change
                    )
                if snapshot:
                    cursor = encode_cursor(epoch, sub.shown, PODS)
                    async for change in podchanges.snapshot(ctx, chosen, cursor):
                        yield change
                    yield podchanges.snapshot_end(cursor)
                async for event in _live(ctx, hub, sub):
                    yield shared_change(
                        ctx, event, encode_cursor(epoch, sub.shown, PODS), podchanges.pod_change
                    )

    @strawberry.subscription(
        description=(
            "For a paged console: a notice that the workloads the filter selects changed "
            "(with the new totalCount and status counts), at most once per debounceMs, so "
            "the console fetches its page again only when it must. Resumable with since."
        )
    )
    async def workload_list_changed(
        self,
        info: Info,
        filter: Annotated[
            WorkloadFilter | None,
            strawberry.argument(
                description=(
                    "The list the console shows: the same filter as its workloads query. "
                    "Omitted: every workload the caller may see."
                )
            ),
        ] = None,
        debounce_ms: Annotated[
            int,
            strawberry.argument(
                description=(
                    f"Milliseconds from the first change to the notice that covers it, "
                    f"{MIN_DEBOUNCE_MS} to {MAX_DEBOUNCE_MS}: at most one notice per window."
                )
            ),
        ] = DEFAULT_DEBOUNCE_MS,
        after: Annotated[
            str | None,
            strawberry.argument(
                description=(
                    "A notice's cursor: a notice comes at once if the list changed after it, "
                    "then the subscription continues."
                )
            ),
        ] = None,
        since: SinceArg = None,
    ) -> AsyncGenerator[WorkloadListChange, None]:
        ctx = context(info)
        since = resumed_from(after, since)
        if not MIN_DEBOUNCE_MS <= debounce_ms <= MAX_DEBOUNCE_MS:
            raise bad_input(
                f"debounceMs must be between {MIN_DEBOUNCE_MS} and {MAX_DEBOUNCE_MS}, "
                f"got {debounce_ms}"
            )
        chosen = criteria(filter)
        hub = ctx.hub
        with client_errors():
            clusters = await ctx.queries.clusters_for(chosen)
            epoch = await hub.epoch()
            capacity = ctx.limits.subscription_buffer
            admits = _admits_workload(chosen, ctx)
            async with _held(ctx), hub.subscribe(WORKLOADS, admits, capacity, epoch) as sub:
                missed = 0
                async for _ in _start(
                    hub,
                    ctx.queries,
                    sub,
                    stream=WORKLOADS,
                    clusters=clusters,
                    since=since,
                    epoch=epoch,
                ):
                    missed += 1
                if missed:
                    cursor = encode_cursor(epoch, sub.shown, WORKLOADS)
                    yield await list_change(ctx.queries, chosen, cursor, missed)
                async for changes in debounced(_live(ctx, hub, sub), debounce_ms / 1000):
                    cursor = encode_cursor(epoch, sub.shown, WORKLOADS)
                    yield await list_change(ctx.queries, chosen, cursor, changes)

    @strawberry.subscription(
        description="A cluster's API server becoming unreachable, or reachable again."
    )
    async def cluster_reachability_changed(
        self, info: Info, after: AfterArg = None, since: SinceArg = None
    ) -> AsyncGenerator[ClusterReachabilityChange, None]:
        ctx = context(info)
        since = resumed_from(after, since)
        hub = ctx.hub
        with client_errors():
            epoch = await hub.epoch()
            capacity = ctx.limits.subscription_buffer

            def admits(event: FeedEvent) -> bool:
                cluster = str(event.fields.get("cluster", ""))
                return ctx.queries.visibility.cluster(cluster) is not None

            def reachable(event: FeedEvent, cursor: str) -> ClusterReachabilityChange:
                return reachability_change(event, cursor, ctx)

            async with _held(ctx), hub.subscribe(CLUSTERS, admits, capacity, epoch) as sub:
                async for event in _start(
                    hub,
                    ctx.queries,
                    sub,
                    stream=CLUSTERS,
                    clusters=[CLUSTER_FEED],
                    since=since,
                    epoch=epoch,
                ):
                    yield shared_change(
                        ctx, event, encode_cursor(epoch, sub.shown, CLUSTERS), reachable
                    )
                async for event in _live(ctx, hub, sub):
                    yield shared_change(
                        ctx, event, encode_cursor(epoch, sub.shown, CLUSTERS), reachable
                    )
