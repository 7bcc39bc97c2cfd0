"""Where a feed stands, as told to one caller: positions that give away no change it may
not see.

A stream's end moves with every change in its cluster. A tenant who sees two namespaces
of a shared cluster and polled ``feedCursor``, or read the cursors its subscriptions hand
out, would watch its neighbours' activity (when they deploy, how often they crash). A
caller who sees everything a stream carries is told the exact end; any other is told a
position off Redis's clock (``FeedHub.clock_position``), which moves with time alone, until
it has been delivered an entry of that stream, whose id it may then know.
"""

from __future__ import annotations

from gateway.store.hub import CLUSTERS, FeedHub
from gateway.store.queries import Queries
from gateway.visibility import ALL_KINDS


def sees_whole_stream(queries: Queries, stream: str, cluster: str) -> bool:
    visibility = queries.visibility
    if visibility.unrestricted:
        return True
    if stream == CLUSTERS:
        return False
    view = visibility.cluster(cluster)
    return view is not None and view.everywhere >= ALL_KINDS


async def told_ends(
    hub: FeedHub, queries: Queries, stream: str, clusters: list[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """(the streams' true ends, the positions this caller is told they are at).

    The clock is read before the ends, so that every entry after an end read here is
    also after the clock's position."""
    neutral = (
        None
        if all(sees_whole_stream(queries, stream, c) for c in clusters)
        else await hub.clock_position()
    )
    ends = await hub.ends(stream, clusters)
    told = {
        cluster: end if neutral is None or sees_whole_stream(queries, stream, cluster) else neutral
        for cluster, end in ends.items()
    }
    return ends, told
