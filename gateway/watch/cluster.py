"""Everything one cluster needs: its reflectors, its mirror, and the loop that writes changes.

Nothing is written until every resource has been listed once, then the whole
cluster goes to Redis in one transaction (so a half-listed cluster never shows
Running Deployments without pods). After that, each burst of watch events becomes
one flush, written in transactions of a bounded number of changes. Reachability is
checked every second: past the grace period every workload turns Exception
(ClusterUnreachable), and the relist that follows recovery restores the truth.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
from kubernetes_asyncio import client

from gateway.clusters import ClusterSource, api_client, server_of
from gateway.rules.opted import OptedKinds
from gateway.status.fields import Obj
from gateway.store.changes import FeedEntry
from gateway.store.feed import now_text
from gateway.store.link import StoreLink
from gateway.store.records import iso
from gateway.watch.crds import CrdCatalog, CustomResource
from gateway.watch.health import ContactTracker
from gateway.watch.mirror import ClusterMirror
from gateway.watch.reflector import Reflector
from gateway.watch.resources import CRD_RESOURCE, RESOURCES

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10.0
FLUSH_SLICE = 200
"""Changes per transaction when a burst is written: about 5 ms of judging and encoding,
after which the event loop serves probes, queries and subscribers before the next."""


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class CustomWatch:
    resource: CustomResource
    reflector: Reflector
    task: asyncio.Task[None]


@dataclass(slots=True)
class ClusterState:
    """What /readyz and the cluster record say about one cluster."""

    synced: bool = False
    reachable: bool = True
    since: datetime | None = None
    last_error: str = ""
    first_sync_seconds: float = 0.0
    objects: int = 0


class ClusterWatcher:
    def __init__(
        self,
        source: ClusterSource,
        link: StoreLink,
        *,
        replica: str,
        grace_seconds: float = 30.0,
        clock: Callable[[], datetime] = utc_now,
        opted: OptedKinds | None = None,
    ) -> None:
        self.source = source
        self.name = source.name
        self.link = link
        self.replica = replica
        self.clock = clock
        self.contact = ContactTracker(grace_seconds)
        self.opted = opted or OptedKinds.none()
        self.mirror = ClusterMirror(source.name, clock, self.opted)
        self.state = ClusterState(since=clock())
        self.reflectors: list[Reflector] = []
        self.crds = CrdCatalog(self.opted, self._crds_changed)
        self.custom: dict[str, CustomWatch] = {}
        """Custom kind -> its resource and reflector, while its CRD is there."""
        self._custom_api: client.CustomObjectsApi | None = None
        self.server = ""
        self._wake = asyncio.Event()
        self._written_generation = -1
        self._last_heartbeat = 0.0
        self._silent_since: float | None = None
        """When the API server was seen not answering, until it answers again."""

    # The reflectors' sink: the mirror takes the objects, the loop wakes to flush them.
    def begin_listing(self, kind: str) -> None:
        self.mirror.begin_listing(kind)

    def list_page(self, kind: str, items: list[Obj]) -> None:
        self.mirror.list_page(kind, items)

    def end_listing(self, kind: str) -> None:
        self.mirror.end_listing(kind)
        self._wake.set()

    def apply(self, kind: str, event_type: str, obj: Obj) -> None:
        self.mirror.apply(kind, event_type, obj)
        self._wake.set()

    async def run(self) -> None:
        api = await api_client(self.source)
        self.server = server_of(api)
        apis = {
            "core": client.CoreV1Api(api),
            "apps": client.AppsV1Api(api),
            "batch": client.BatchV1Api(api),
        }
        self.reflectors = [
            Reflector(self.name, r, getattr(apis[r.group], r.list_call), self, self.contact)
            for r in RESOURCES
        ]
        if self.opted.any:
            self._custom_api = client.CustomObjectsApi(api)
            crds = Reflector(
                self.name,
                CRD_RESOURCE,
                client.ApiextensionsV1Api(api).list_custom_resource_definition,
                self.crds,
                self.contact,
            )
            self.reflectors.append(crds)
        tasks = [
            asyncio.create_task(r.run(), name=f"reflector-{self.name}-{r.resource.plural}")
            for r in self.reflectors
        ]
        try:
            await self._first_sync()
            await self._loop()
        finally:
            tasks.extend(w.task for w in self.custom.values())
            self.custom.clear()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await api.close()

    def _crds_changed(self) -> None:
        """Start a reflector for each custom kind newly served, stop those whose CRD went
        (their objects go from the mirror, each with a feed entry). A kind whose served
        version changed is watched anew without being forgotten: the new list replaces
        its objects, so its workloads do not flicker out and back."""
        wanted = self.crds.wanted()
        for kind, watch in list(self.custom.items()):
            if wanted.get(kind) == watch.resource:
                continue
            watch.task.cancel()
            self.reflectors.remove(watch.reflector)
            del self.custom[kind]
            if kind not in wanted:
                self.mirror.forget_kind(kind)
                log.info(
                    f"{self.name}: stopped watching {kind}: its CRD is gone",
                    extra={"cluster": self.name, "kind": kind},
                )
        api = self._custom_api
        for kind, resource in wanted.items():
            if kind in self.custom or api is None:
                continue
            self.mirror.watch_kind(kind)
            reflector = Reflector(
                self.name, resource.resource, resource.list_call(api), self, self.contact
            )
            self.reflectors.append(reflector)
            task = asyncio.create_task(
                reflector.run(), name=f"reflector-{self.name}-{reflector.resource.plural}"
            )
            self.custom[kind] = CustomWatch(resource, reflector, task)
            log.info(
                f"{self.name}: watching {kind} ({resource.group}/{resource.version} "
                f"{resource.plural})",
                extra={"cluster": self.name, "kind": kind, "version": resource.version},
            )
        self._wake.set()

    def _unsynced(self) -> dict[str, Reflector]:
        """The reflectors a first sync still waits for. Custom kinds (and the CRDs) are
        awaited too, so custom workloads appear with the first write, but not while the
        API server refuses them: a gateway not allowed to read Rollouts still shows the
        cluster's Deployments."""
        return {
            r.resource.plural: r
            for r in self.reflectors
            if not r.synced.is_set() and not (r.resource not in RESOURCES and r.stats.refused)
        }

    async def _first_sync(self) -> None:
        started = time.perf_counter()
        last_said = started
        while pending := self._unsynced():
            waits = {asyncio.create_task(r.synced.wait()): name for name, r in pending.items()}
            done, rest = await asyncio.wait(waits, timeout=1.0, return_when=asyncio.FIRST_COMPLETED)
            for task in rest:
                task.cancel()
            for task in done:
                name = waits[task]
                reflector = pending.pop(name)
                log.info(
                    f"{self.name}: listed {reflector.stats.listed_objects} {name} "
                    f"in {reflector.stats.last_list_seconds:.1f}s",
                    extra={
                        "cluster": self.name,
                        "resource": name,
                        "objects": reflector.stats.listed_objects,
                    },
                )
            if not done:
                self._check_reachability()
                if time.perf_counter() - last_said < 5.0:
                    continue
                last_said = time.perf_counter()
                waiting = ", ".join(sorted(pending))
                log.info(
                    f"{self.name}: first sync in progress "
                    f"({time.perf_counter() - started:.0f}s), waiting for {waiting}",
                    extra={"cluster": self.name, "last_error": self.contact.last_error},
                )
        self.state.objects = sum(r.stats.listed_objects for r in self.reflectors)
        self.state.first_sync_seconds = time.perf_counter() - started
        await self._write_all()
        self.state.synced = True
        await self._put_record(None)
        log.info(
            f"{self.name}: first sync complete, {self.state.objects} objects "
            f"in {self.state.first_sync_seconds:.1f}s",
            extra={
                "cluster": self.name,
                "objects": self.state.objects,
                "seconds": round(self.state.first_sync_seconds, 2),
            },
        )

    async def _write_all(self) -> None:
        generation = self.link.generation
        if await self.link.replace(self.name, self.mirror.snapshot(self.clock())):
            self._written_generation = generation

    async def _loop(self) -> None:
        while True:
            wait = 1.0
            due = self.mirror.next_timer()
            if due is not None:
                wait = max(0.0, min(wait, (due - self.clock()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)
            self._wake.clear()
            await self.step()

    async def step(self) -> None:
        """One round: reachability, then a full rewrite if Redis came back, else the changes."""
        flipped = self._check_reachability()
        if self.link.healthy and self._written_generation != self.link.generation:
            await self._write_all()
        else:
            for changes in self.mirror.flush_in_slices(FLUSH_SLICE, self.clock()):
                # A write that fails marks Redis lost; the rewrite that follows its
                # return holds whatever the rest of this flush would have said.
                if not await self.link.apply(self.name, changes):
                    break
        if flipped is not None or time.monotonic() - self._last_heartbeat > HEARTBEAT_SECONDS:
            await self._put_record(flipped)

    def _check_reachability(self) -> FeedEntry | None:
        """Flip reachability when the contact tracker says so; returns the feed entry if flipped."""
        self._say_whether_answering()
        if self.contact.unreachable and self.state.reachable:
            since = self.clock() - timedelta(seconds=self.contact.outage_seconds())
            self.state.reachable, self.state.since = False, since
            self.state.last_error = self.contact.last_error
            self.mirror.set_unreachable(since, self.contact.last_error)
            log.error(
                f"{self.name}: API server unreachable",
                extra={"cluster": self.name, "since": iso(since), "cause": self.contact.last_error},
            )
            return self._reachability_entry()
        if (
            not self.contact.unreachable
            and not self.state.reachable
            and self.contact.failing_since is None
        ):
            self.state.reachable, self.state.since, self.state.last_error = True, self.clock(), ""
            self.mirror.set_reachable()
            log.info(f"{self.name}: API server reachable again", extra={"cluster": self.name})
            return self._reachability_entry()
        return None

    def _say_whether_answering(self) -> None:
        """One warning when the API server stops answering, for all the resources watched,
        and one line when it answers again; the grace period decides when it is down."""
        failing = self.contact.failing_since is not None
        if failing and self._silent_since is None:
            self._silent_since = time.monotonic()
            log.warning(
                f"{self.name}: API server not answering; retrying",
                extra={"cluster": self.name, "cause": self.contact.last_error},
            )
        elif not failing and self._silent_since is not None:
            seconds = round(time.monotonic() - self._silent_since, 1)
            self._silent_since = None
            if self.state.reachable:
                log.info(
                    f"{self.name}: API server answering again after {seconds}s",
                    extra={"cluster": self.name, "seconds": seconds},
                )

    def _reachability_entry(self) -> FeedEntry:
        return FeedEntry(
            "clusters",
            {
                "type": "reachability",
                "cluster": self.name,
                "reachable": "true" if self.state.reachable else "false",
                "since": iso(self.state.since) or "",
                "error": self.state.last_error,
                "time": now_text(),
            },
        )

    def record(self) -> dict[str, object]:
        last = self.contact.last_success
        synced_at = None
        if last:
            synced_at = iso(datetime.fromtimestamp(time.time() - (time.monotonic() - last), UTC))
        return {
            "name": self.name,
            "server": self.server,
            "reachable": self.state.reachable,
            "since": iso(self.state.since),
            "lastError": self.state.last_error,
            "synced": self.state.synced,
            "lastSyncedAt": synced_at,
            "watcher": self.replica,
            "objects": self.state.objects,
            "firstSyncSeconds": round(self.state.first_sync_seconds, 3),
            "customKinds": [self.custom[k].resource.record() for k in sorted(self.custom)],
        }

    async def _put_record(self, entry: FeedEntry | None) -> None:
        self._last_heartbeat = time.monotonic()
        await self.link.put_cluster(self.name, orjson.dumps(self.record()), entry)
