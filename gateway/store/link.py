"""The watchers' connection to Redis, surviving Redis going away.

While Redis is down the watchers keep watching and the mirrors stay current; writes
are dropped and readiness turns false. When Redis answers again ``generation``
moves on, and each cluster's watcher rewrites its whole state, so the cache equals
the API servers again whatever happened meanwhile (a restart that lost every key,
or an outage that kept them).

Redis can also come back with less than it acknowledged without any write failing:
Sentinel promotes a replica that had not received the newest writes, and the client
reconnects to it. Every transaction carries this writer's mark (see
``StoreWriter._commit``); a mark lower than one already acknowledged, found by a write
or when Redis returns, means history was lost. Then, besides the rewrite, the feeds'
epoch is dropped: subscribers' cursors point into entries that are gone, so they get
CURSOR_EXPIRED and start from a snapshot instead of silently missing those changes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence

from gateway import metrics
from gateway.backoff import Backoff
from gateway.redis_connect import Client
from gateway.store.changes import Change, FeedEntry
from gateway.store.keys import Keys
from gateway.store.outage import OUTAGE_ERRORS
from gateway.store.writer import StoreWriter, WritesLost

log = logging.getLogger(__name__)

WRITE_SECONDS = 15.0
"""A batch or a whole cluster that takes longer means Redis is stuck: treat it as an outage."""


class StoreLink:
    def __init__(
        self, client: Client, keys: Keys, feed_length: int = 10_000, writer: str = "watchers"
    ) -> None:
        self.client = client
        self.keys = keys
        self.writer = StoreWriter(client, keys, feed_length, marker=writer)
        self.healthy = True
        self.generation = 0
        self.write_errors = 0
        self.histories_lost = 0
        """How often Redis was found without writes it had acknowledged."""
        self._forget_feeds = False
        self._recovery: asyncio.Task[None] | None = None

    def _lost(self, action: str, cluster: str, error: BaseException) -> None:
        self.write_errors += 1
        metrics.REDIS_ERRORS.labels("write").inc()
        if self.healthy:
            log.error(
                "redis unavailable; watching continues and the cache is rewritten when it returns",
                extra={
                    "cluster": cluster,
                    "operation": action,
                    "cause": f"{type(error).__name__}: {error}",
                },
            )
        self.healthy = False
        if self._recovery is None or self._recovery.done():
            self._recovery = asyncio.create_task(self._recover(), name="redis-recovery")

    async def apply(self, cluster: str, changes: Sequence[Change]) -> bool:
        if not self.healthy:
            return False
        try:
            async with asyncio.timeout(WRITE_SECONDS):
                with metrics.REDIS_SECONDS.labels("write").time():
                    await self.writer.apply(cluster, changes)
        except WritesLost as error:
            self._history_lost("apply", cluster, error)
            return False
        except OUTAGE_ERRORS as error:
            self._lost("apply", cluster, error)
            return False
        return True

    async def replace(self, cluster: str, changes: Iterable[Change]) -> bool:
        if not self.healthy:
            return False
        try:
            async with asyncio.timeout(WRITE_SECONDS * 4):
                with metrics.REDIS_SECONDS.labels("rewrite").time():
                    entries = await self.writer.replace_cluster(cluster, changes)
        except WritesLost as error:
            self._history_lost("replace", cluster, error)
            return False
        except OUTAGE_ERRORS as error:
            self._lost("replace", cluster, error)
            return False
        log.info("cluster written in full", extra={"cluster": cluster, "feed_entries": entries})
        return True

    async def put_cluster(self, name: str, record: bytes, entry: FeedEntry | None) -> bool:
        if not self.healthy:
            return False
        try:
            async with asyncio.timeout(WRITE_SECONDS):
                await self.writer.put_cluster(name, record, entry)
        except WritesLost as error:
            self._history_lost("cluster", name, error)
            return False
        except OUTAGE_ERRORS as error:
            self._lost("cluster", name, error)
            return False
        return True

    def lost(self, why: str) -> None:
        """Redis went away without a write noticing (the embedded server was restarted
        empty): recover, and have every cluster rewritten, as after a failed write."""
        self._lost("restart", "", ConnectionError(why))

    def _history_lost(self, action: str, cluster: str, error: WritesLost) -> None:
        self._forget_feeds = True
        self._lost(action, cluster, error)

    async def _forget_lost_history(self) -> None:
        """Drop the feeds' epoch if Redis lost acknowledged writes (the hub makes a new
        one), then accept the marks Redis holds as the writer's starting point. Every
        group's mark is looked at: in Redis Cluster one primary may fail over alone."""
        held = await self.writer.held_marks()
        behind = {
            group or "": mark
            for group, mark in held.items()
            if mark < self.writer.acknowledged.get(group, 0)
        }
        if behind:
            self._forget_feeds = True
        if self._forget_feeds:
            await self.client.delete(self.keys.feed_epoch)
            self.histories_lost += 1
            log.error(
                "redis lost writes it had acknowledged (a lagging replica was promoted?); "
                "the feeds start a new epoch and subscribers resume from a snapshot",
                extra={"held_marks": behind, "acknowledged": len(self.writer.acknowledged)},
            )
            self._forget_feeds = False
        self.writer.acknowledged.update(held)

    async def _recover(self) -> None:
        backoff = Backoff(base=0.1, cap=2.0)
        while True:
            await asyncio.sleep(backoff.next_delay())
            try:
                async with asyncio.timeout(2.0):
                    # A write, not a PING: a full or read-only Redis answers PING and
                    # would be declared back, rewritten into and lost again, in a loop.
                    await self.client.set(self.keys.write_probe("watchers"), b"1", ex=60)
                    await self._forget_lost_history()
            except OUTAGE_ERRORS:
                continue
            self.healthy = True
            self.generation += 1
            log.info(
                "redis is back; rewriting every cluster", extra={"generation": self.generation}
            )
            return

    async def close(self) -> None:
        if self._recovery is not None:
            self._recovery.cancel()
