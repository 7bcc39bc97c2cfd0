"""Which clusters this replica watches: the ones whose lease it holds.

Every third of the lease time each held lease is renewed and each free one is
tried while this replica holds less than its fair share (the clusters over the
replicas present, rounded up); one held beyond it, because a replica joined, is given
back at each tick until the shares are even. A lease lost to another replica stops
that cluster's watcher here. While
Redis is unreachable nothing can be renewed; watchers keep running (their mirrors
stay current) and the question is settled when Redis answers again.

A watcher that stops is started again at the next tick. When it keeps stopping for
the same reason before it reaches its API server (a service account the gateway was
told to wait for, a kubeconfig credential that fails), that reason is logged once
as an error and the retries at debug, until the watcher gets past it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from gateway.clusters import ClusterSource
from gateway.rules.opted import OptedKinds
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
        opted: OptedKinds | None = None,
    ) -> None:
        self.sources = list(sources)
        self.opted = opted
        self.link = link
        self.leases = leases
        self.grace_seconds = grace_seconds
        self.watchers: dict[str, ClusterWatcher] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._failures: dict[str, str] = {}
        """Cluster -> why its watcher last stopped, until a watcher reaches its API server."""

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
        try:
            share = -(-len(self.sources) // await self.leases.heartbeat())
        except OUTAGE_ERRORS:
            share = len(self.sources)
        for source in self.sources:
            try:
                await self._settle(source, share)
            except OUTAGE_ERRORS as error:
                log.warning(
                    "cannot settle cluster lease while redis is unavailable",
                    extra={"cluster": source.name, "cause": f"{type(error).__name__}: {error}"},
                )
        if len(self._tasks) > share:
            await self._hand_over_one(share)
        for name, task in list(self._tasks.items()):
            if task.done() and not task.cancelled():
                task.exception()  # logged by _watch when it happened
                self._tasks.pop(name)
                self.watchers.pop(name, None)
                await self.leases.release(name)
            elif self.watchers[name].server:
                self._failures.pop(name, None)

    async def _settle(self, source: ClusterSource, share: int) -> None:
        """Renew what is held; take a free cluster only while under the fair share."""
        name = source.name
        if name in self._tasks:
            if not await self.leases.renew(name):
                log.warning(
                    "lease lost to another replica; stopping watcher", extra={"cluster": name}
                )
                await self._stop(name)
            return
        if len(self._tasks) < share and await self.leases.acquire(name):
            watcher = ClusterWatcher(
                source,
                self.link,
                replica=self.leases.holder,
                grace_seconds=self.grace_seconds,
                opted=self.opted,
            )
            self.watchers[name] = watcher
            self._tasks[name] = asyncio.create_task(self._watch(watcher), name=f"cluster-{name}")
            log.log(
                logging.DEBUG if name in self._failures else logging.INFO,
                "lease acquired; watching cluster",
                extra={"cluster": name, "replica": self.leases.holder},
            )

    async def _hand_over_one(self, share: int) -> None:
        """More than the fair share (a replica joined): give one cluster back per tick, the
        last taken, so that the newcomer takes it at its next tick and the move is gradual."""
        name = next(reversed(self._tasks))
        log.info(
            "handing a cluster over to share the fleet",
            extra={"cluster": name, "held": len(self._tasks), "share": share},
        )
        await self._stop(name)
        with contextlib.suppress(*OUTAGE_ERRORS):
            await self.leases.release(name)

    async def _watch(self, watcher: ClusterWatcher) -> None:
        try:
            await watcher.run()
        except Exception as error:
            cause = f"{type(error).__name__}: {error}"
            again = self._failures.get(watcher.name) == cause
            self._failures[watcher.name] = cause
            log.log(
                logging.DEBUG if again else logging.ERROR,
                "cluster watcher stopped; retrying",
                extra={"cluster": watcher.name, "cause": cause, "retry_in": self.interval},
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
        with contextlib.suppress(*OUTAGE_ERRORS):
            await self.leases.leave()
