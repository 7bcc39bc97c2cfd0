"""Change feeds fanned out to subscribers: one blocking read per replica, not per subscriber.

The hub reads every cluster's feed streams with one blocking XREAD (one per hash slot
in Redis Cluster, see ``_read_groups``) and offers each entry to the subscriptions
whose filter admits it. A subscription resuming from a cursor first replays the
stream from there (XRANGE), then continues live; entries the replay and the live
queue both hold are delivered once. Each subscription has a bounded queue: a consumer
that falls behind is told so and dropped, so a stuck client never grows the gateway's
memory.

Cursors name the feed "epoch" (a token created with the streams) and a stream id
per cluster. If Redis lost its data since, the epoch differs and the cursor is
expired, rather than silently skipping what was lost.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
import redis.asyncio as redis
from redis.asyncio.cluster import RedisCluster

from gateway import metrics
from gateway.redis_connect import Client
from gateway.store import feed
from gateway.store.errors import READ_SECONDS, StoreUnavailable, bounded
from gateway.store.keys import Keys
from gateway.store.outage import OUTAGE_ERRORS

log = logging.getLogger(__name__)

WORKLOADS, PODS, CLUSTERS = "workloads", "pods", "clusters"
CLUSTER_FEED = ""
"""The cluster-reachability feed is one stream for all clusters; it is keyed by ''."""
CLOCK_MARGIN_MS = 1000
"""How far behind Redis's clock ``clock_position`` lies: entries written after it was read
stay after it unless that clock steps back further (a replay then repeats at most that
much of what came before, which a client applies again harmlessly)."""
ENTRIES_PER_TURN = 50
"""Entries decoded and dispatched before the event loop gets a turn: one XREAD answer of
a scale-up's 500 entries would otherwise hold it for tens of milliseconds."""


class CursorExpired(Exception):
    """The feed no longer holds every entry after this cursor."""


class SlowConsumer(Exception):
    """The subscriber did not keep up and its buffer filled."""


class InvalidCursor(ValueError):
    pass


@dataclass(slots=True)
class FeedEvent:
    stream: str
    cluster: str
    entry_id: str
    fields: dict[str, Any]

    @property
    def record(self) -> Any:
        return self.fields.get("record")


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _id_tuple(entry_id: str) -> tuple[int, int]:
    millis, _, sequence = entry_id.partition("-")
    return int(millis), int(sequence or 0)


def encode_cursor(epoch: str, positions: Mapping[str, str], feed: str | None = None) -> str:
    """``feed`` (WORKLOADS, PODS, CLUSTERS) is written in, so that a cursor of one feed is
    refused by another's subscription instead of replaying unrelated positions."""
    fields: dict[str, object] = {"e": epoch, "p": dict(positions)}
    if feed is not None:
        fields["f"] = feed
    return base64.urlsafe_b64encode(orjson.dumps(fields)).decode().rstrip("=")


def decode_cursor(cursor: str, feed: str | None = None) -> tuple[str, dict[str, str]]:
    """InvalidCursor when malformed, or when it names a feed other than ``feed`` (cursors
    from before feeds were named name none, and pass)."""
    try:
        payload = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        named = payload.get("f")
        epoch = str(payload["e"])
        positions = {str(k): str(v) for k, v in payload["p"].items()}
        for position in positions.values():
            _id_tuple(position)
    except (
        binascii.Error,
        orjson.JSONDecodeError,
        KeyError,
        TypeError,
        ValueError,
        AttributeError,
    ) as error:
        raise InvalidCursor(f"malformed cursor {cursor[:40]!r}") from error
    if feed is not None and named is not None and named != feed:
        raise InvalidCursor(
            f"this cursor belongs to the {named} feed, not the {feed} feed: use a cursor "
            "this subscription (or feedCursor for this feed) handed out"
        )
    return epoch, positions


@dataclass(eq=False)
class Subscription:
    stream: str
    admits: Callable[[FeedEvent], bool]
    capacity: int
    queue: asyncio.Queue[FeedEvent | None] = field(init=False)
    """Entries to deliver; None only wakes the follower to look at ``expired``."""
    delivered: dict[str, str] = field(default_factory=dict)
    """Per cluster, the entry the subscription has reached: nothing at or before it is its."""
    shown: dict[str, str] = field(default_factory=dict)
    """Per cluster, the position its cursors carry: that of the last entry delivered, or
    one that says nothing the subscriber may not see (see schema/positions.py)."""
    overflowed: bool = False
    expired: str = ""
    epoch: str = ""
    """The feeds' epoch the subscriber's positions belong to ("" when unknown)."""

    def __post_init__(self) -> None:
        self.queue = asyncio.Queue(self.capacity)

    def offer(self, event: FeedEvent) -> None:
        """Queue a live entry; entries at or before where the subscriber starts are not its
        business (the hub may still be reading older ones) and must not fill its queue."""
        if self.overflowed or not self.after_start(event) or not self.admits(event):
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True

    def tick(self) -> None:
        """Wake the follower with nothing to deliver (``follow(ticks=True)`` yields None):
        a quiet subscription still gets to check its caller's credential."""
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(None)

    def expire(self, why: str) -> None:
        self.expired = why
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(None)

    def after_start(self, event: FeedEvent) -> bool:
        last = self.delivered.get(event.cluster)
        return last is None or _id_tuple(event.entry_id) > _id_tuple(last)

    def fresh(self, event: FeedEvent) -> bool:
        """Not delivered yet (replay and live overlap); records the delivery."""
        if not self.after_start(event):
            return False
        self.delivered[event.cluster] = event.entry_id
        self.shown[event.cluster] = event.entry_id
        return True


class FeedHub:
    def __init__(self, client: Client, keys: Keys, discover_seconds: float = 2.0) -> None:
        self.client = client
        self.keys = keys
        self.discover_seconds = discover_seconds
        self._subscriptions: dict[str, set[Subscription]] = {
            WORKLOADS: set(),
            PODS: set(),
            CLUSTERS: set(),
        }
        self._positions: dict[str, str] = {}
        self._stream_of: dict[str, tuple[str, str]] = {}
        self._epoch = ""
        self._read_epoch = ""
        """The epoch of the streams the positions point into."""
        self.dropped_slow = 0
        self.delivered = 0

    def stream_key(self, stream: str, cluster: str) -> str:
        if stream == CLUSTERS:
            return self.keys.cluster_feed
        if stream == PODS:
            return self.keys.pod_feed(cluster)
        return self.keys.workload_feed(cluster)

    @property
    def subscriber_count(self) -> int:
        return sum(len(s) for s in self._subscriptions.values())

    @bounded
    async def epoch(self) -> str:
        """The token naming this generation of the feeds; created with them if missing."""
        key = self.keys.feed_epoch
        # Read first: a Redis that refuses writes (full, a read-only replica) still serves
        # the feeds it holds, and the hub must not fail on a write it need not make.
        value = await self.client.get(key)
        if value is None:
            await self.client.set(key, uuid.uuid4().hex, nx=True)
            value = await self.client.get(key)
        self._epoch = value.decode() if isinstance(value, bytes) else str(value)
        return self._epoch

    async def clusters(self) -> list[str]:
        names = await self.client.hkeys(self.keys.clusters)
        return sorted(n.decode() if isinstance(n, bytes) else str(n) for n in names)

    async def _discover(self, initial: bool) -> None:
        """Start following streams not followed yet, each from a concrete entry id.

        Streams present at start are read from their newest entry, streams that
        appear later from their beginning. Never from ``$``: Redis evaluates it anew
        at every XREAD, so entries written between two reads would be skipped.
        """
        wanted = [(CLUSTERS, CLUSTER_FEED)]
        for cluster in await self.clusters():
            wanted += [(WORKLOADS, cluster), (PODS, cluster)]
        for stream, cluster in wanted:
            key = self.stream_key(stream, cluster)
            if key not in self._positions:
                self._positions[key] = await self._last_id(key) if initial else "0-0"
                self._stream_of[key] = (stream, cluster)

    async def _last_id(self, key: str) -> str:
        last: Any = await self.client.xrevrange(key, count=1)
        entry_id = last[0][0] if last else b"0-0"
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    async def _check_epoch(self) -> None:
        """Keep reading where the hub stopped, unless the feeds were created anew.

        A new epoch means Redis lost its data (restarted empty, flushed): the old
        positions mean nothing in the new streams, whose ids may be lower, so every
        stream is read from its beginning, which holds the gateway's rewrite of the
        current state. Checked every round, since a client that reconnects by itself
        may never show the hub an error.
        """
        previous = self._read_epoch
        current = self._read_epoch = await self.epoch()
        if previous and current != previous:
            log.warning(
                "feeds were recreated in redis; reading them from the start",
                extra={"streams": len(self._positions)},
            )
            self._positions = dict.fromkeys(self._positions, "0-0")
            for subscriptions in self._subscriptions.values():
                for subscription in subscriptions:
                    if subscription.epoch != current:
                        subscription.expire("the feeds were recreated (Redis lost its data)")

    async def run(self) -> None:
        initial = True
        while True:
            try:
                await self._check_epoch()
                await self._discover(initial)
                initial = False
                await self._read_for(self.discover_seconds)
            except (*OUTAGE_ERRORS, StoreUnavailable) as error:
                log.warning(
                    "feed hub cannot read redis; retrying",
                    extra={"cause": f"{type(error).__name__}: {error}"},
                )
                await asyncio.sleep(1.0)
            except Exception:
                log.exception("feed hub failed; it resumes from where it stopped")
                await asyncio.sleep(1.0)

    async def _read_for(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline:
            async with asyncio.timeout(READ_SECONDS + 1):
                answers = await asyncio.gather(
                    *(
                        self.client.xread(group, count=500, block=1000)
                        for group in self._read_groups()
                    )
                )
            for answer in answers:
                await self._deliver(answer)

    def _read_groups(self) -> list[dict[Any, Any]]:
        """The positions split so that each XREAD names keys of one hash slot: Redis
        Cluster refuses a command whose keys span slots, even on one node. The groups
        are read concurrently, so a quiet slot does not hold back a busy one; the cluster
        client sends each to the primary that holds the slot now (following MOVED and
        ASK), so a failover or resharding needs no regrouping. One Redis: one group."""
        if not isinstance(self.client, RedisCluster):
            return [dict(self._positions)]
        groups: dict[int, dict[Any, Any]] = {}
        for key, position in self._positions.items():
            groups.setdefault(self.client.keyslot(key), {})[key] = position
        return list(groups.values())

    async def _deliver(self, answer: Any) -> None:
        for key, entries in answer or ():
            name = key.decode() if isinstance(key, bytes) else str(key)
            stream, cluster = self._stream_of[name]
            for handed, (entry_id, fields) in enumerate(entries, 1):
                text_id = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
                self._positions[name] = text_id
                self._dispatch(FeedEvent(stream, cluster, text_id, feed.decode(fields)))
                if handed % ENTRIES_PER_TURN == 0:
                    await asyncio.sleep(0)

    def _dispatch(self, event: FeedEvent) -> None:
        for subscription in list(self._subscriptions[event.stream]):
            subscription.offer(event)

    @bounded
    async def replay(self, stream: str, cluster: str, after: str) -> list[FeedEvent]:
        entries: Any = await self.client.xrange(
            self.stream_key(stream, cluster), min=f"({after}", max="+"
        )
        return [
            FeedEvent(
                stream,
                cluster,
                entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id),
                feed.decode(fields),
            )
            for entry_id, fields in entries
        ]

    @bounded
    async def clock_position(self) -> str:
        """A position just before every entry written from now on, read off Redis's clock
        (which stamps entry ids) instead of any feed: it moves with time alone. In Redis
        Cluster it is one node's clock for every stream: ``CLOCK_MARGIN_MS`` also covers
        the skew between primaries whose hosts keep time."""
        seconds, micros = await self.client.time()
        return f"{int(seconds) * 1000 + int(micros) // 1000 - CLOCK_MARGIN_MS}-0"

    @bounded
    async def ends(self, stream: str, clusters: list[str]) -> dict[str, str]:
        """The newest entry id of each cluster's stream ("0-0" when empty)."""
        return {
            cluster: await self._last_id(self.stream_key(stream, cluster)) for cluster in clusters
        }

    @bounded
    async def check_retained(self, stream: str, cluster: str, after: str) -> None:
        """Raise CursorExpired if an entry after ``after`` was trimmed away.

        Trimming (MAXLEN) removes the oldest entries, so entries after the cursor are
        lost exactly when something was removed and the cursor lies before the first
        entry kept. ``max-deleted-entry-id`` cannot say what was removed: Valkey 8 leaves
        it at 0-0 after MAXLEN trimming. ``entries-added`` above ``length`` can: some
        entry is gone. A cursor before the first entry kept is then taken as expired, even
        though what was trimmed may all have been at or before it (the client starts from
        a fresh snapshot rather than miss a change); so is one before an entry deleted
        by id (``max-deleted-entry-id``, which XDEL does set).
        """
        key = self.stream_key(stream, cluster)
        where = f"the feed of cluster {cluster or 'clusters'}"
        try:
            info = await self.client.xinfo_stream(key)
        except redis.ResponseError:
            if after != "0-0":
                raise CursorExpired(f"{where} no longer exists") from None
            return
        length = int(info.get("length") or 0)
        added = int(info.get("entries-added") or length)
        deleted = _id_tuple(_text(info.get("max-deleted-entry-id") or "0-0"))
        if added <= length and deleted == (0, 0):
            return
        cursor = _id_tuple(after)
        first = info.get("first-entry")
        if first:
            kept_from = _id_tuple(_text(first[0]))
        else:
            # Everything was removed: only a cursor at the last entry lost nothing.
            kept_from = _id_tuple(_text(info.get("last-generated-id") or "0-0"))
        if cursor >= kept_from and cursor >= deleted:
            return
        raise CursorExpired(
            f"{where} was trimmed past the cursor: {added - length} changes are gone"
        )

    @contextlib.asynccontextmanager
    async def subscribe(
        self, stream: str, admits: Callable[[FeedEvent], bool], capacity: int, epoch: str = ""
    ) -> AsyncIterator[Subscription]:
        subscription = Subscription(stream, admits, capacity, epoch=epoch)
        self._subscriptions[stream].add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions[stream].discard(subscription)

    async def follow(self, subscription: Subscription) -> AsyncIterator[FeedEvent]:
        """Live events for a subscription, each once.

        SlowConsumer when it fell behind; CursorExpired when the feeds it follows were
        recreated, since its positions (and the cursors it handed out) mean nothing now.
        """
        async for event in self.follow_ticking(subscription):
            if event is not None:
                yield event

    async def follow_ticking(self, subscription: Subscription) -> AsyncIterator[FeedEvent | None]:
        """``follow``, and None each time the subscription ``tick``s."""
        while True:
            if subscription.expired:
                raise CursorExpired(subscription.expired)
            if subscription.overflowed and subscription.queue.empty():
                self.dropped_slow += 1
                metrics.DROPPED_SUBSCRIBERS.inc()
                raise SlowConsumer(f"more than {subscription.capacity} changes were waiting")
            event = await subscription.queue.get()
            if event is None:
                if not subscription.expired:
                    yield None
            elif subscription.fresh(event):
                self.delivered += 1
                yield event
