"""Which clusters this replica watches: the ones whose lease it holds.

Every third of the lease time each held lease is renewed and each free one is
tried. A lease lost to another replica stops that cluster's watcher here. While
Redis is unreachable nothing can be renewed; watchers keep running (their mirrors
stay current) and the question is settled when Redis answers again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from gateway.clusters import ClusterConfigError, ClusterSource
from gateway.store.lease import Leases
from gateway.store.link import StoreLink
from gateway.store.outage import OUTAGE_ERRORS
from gateway.watch.cluster import ClusterWatcher

log = logging.getLogger(__name__)


class Supervisor:
    def __init__(
        self,
        sources: Sequence[ClusterSource],
        link: StoreLink,
        leases: Leases,
        *,
        grace_seconds: float = 30.0,
    ) -> None:
        self.sources = list(sources)
        self.link = link
        self.leases = leases
        self.grace_seconds = grace_seconds
        self.watchers: dict[str, ClusterWatcher] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}

    @property
    def interval(self) -> float:
        return self.leases.milliseconds / 3000

    async def run(self) -> None:
        try:
            while True:
                await self.tick()
                await asyncio.sleep(self.interval)
        finally:
            await self.stop_all()

    async def tick(self) -> None:
        for source in self.sources:
            try:
                await self._settle(source)
            except OUTAGE_ERRORS as error:
                log.warning(
                    "cannot settle cluster lease while redis is unavailable",
                    extra={"cluster": source.name, "cause": f"{type(error).__name__}: {error}"},
                )
        for name, task in list(self._tasks.items()):
            if task.done() and not task.cancelled():
                failure = task.exception()
                log.error(
                    "cluster watcher stopped; retrying at the next tick",
                    extra={"cluster": name, "cause": f"{type(failure).__name__}: {failure}"},
                )
                self._tasks.pop(name)
                self.watchers.pop(name, None)
                await self.leases.release(name)

    async def _settle(self, source: ClusterSource) -> None:
        name = source.name
        if name in self._tasks:
            if not await self.leases.renew(name):
                log.warning(
                    "lease lost to another replica; stopping watcher", extra={"cluster": name}
                )
                await self._stop(name)
            return
        if await self.leases.acquire(name):
            watcher = ClusterWatcher(
                source, self.link, replica=self.leases.holder, grace_seconds=self.grace_seconds
            )
            self.watchers[name] = watcher
            self._tasks[name] = asyncio.create_task(self._watch(watcher), name=f"cluster-{name}")
            log.info(
                "lease acquired; watching cluster",
                extra={"cluster": name, "replica": self.leases.holder},
            )

    async def _watch(self, watcher: ClusterWatcher) -> None:
        try:
            await watcher.run()
        except ClusterConfigError as error:
            log.error(
                "cluster configuration unusable",
                extra={"cluster": watcher.name, "cause": str(error)},
            )
            raise

    async def _stop(self, name: str) -> None:
        task = self._tasks.pop(name, None)
        self.watchers.pop(name, None)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def stop_all(self) -> None:
        for name in list(self._tasks):
            await self._stop(name)
            with contextlib.suppress(*OUTAGE_ERRORS):
                await self.leases.release(name)
