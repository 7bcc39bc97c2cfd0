"""The gateway as one object: Redis (embedded or given), the store link, leases and watchers.

The HTTP app and the commands start and stop it; tests start it in-process against
the simulated cluster.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from gateway import metrics
from gateway.auth.gatekeeper import Gatekeeper
from gateway.auth.setup import build_gatekeeper
from gateway.clusters import ClusterSource
from gateway.config import Auth
from gateway.podlogs import PodLogs
from gateway.redis_connect import Client, connect, masked
from gateway.redis_keeper import RedisKeeper
from gateway.redis_server import EmbeddedRedis
from gateway.rules.opted import OptedKinds
from gateway.store.hub import FeedHub
from gateway.store.keys import Keys
from gateway.store.lease import Leases
from gateway.store.link import StoreLink
from gateway.store.outage import OUTAGE_ERRORS
from gateway.store.queries import Queries
from gateway.store.reader import StoreReader
from gateway.watch.cluster import ClusterWatcher
from gateway.watch.supervisor import Supervisor

PROBE_TTL_SECONDS = 60
"""The readiness probe's key outlives a few probes and then goes with its replica."""


def replica_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True, slots=True)
class Settings:
    sources: Sequence[ClusterSource]
    redis_url: str | None = None
    state_dir: Path = Path(".state")
    key_prefix: str = "ksg"
    feed_length: int = 10_000
    lease_seconds: float = 15.0
    grace_seconds: float = 30.0
    max_page: int = 1000
    auth: Auth = field(default_factory=Auth)
    replica: str = field(default_factory=replica_id)
    opted: OptedKinds = field(default_factory=OptedKinds.library)
    """The custom kinds watched, and their rules."""


log = logging.getLogger(__name__)

FIRST_CONTACT_SECONDS = 5.0
STOP_SECONDS = 10.0
"""How long stopping waits for the watchers and the feed hub to end once cancelled."""


class Gateway:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.keys = Keys(settings.key_prefix)
        self.embedded: EmbeddedRedis | None = None
        self.redis_url = settings.redis_url or ""
        self._client: Client | None = None
        self._link: StoreLink | None = None
        self._supervisor: Supervisor | None = None
        self._queries: Queries | None = None
        self._hub: FeedHub | None = None
        self.logs = PodLogs(settings.sources)
        self._gatekeeper: Gatekeeper | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.keeper: RedisKeeper | None = None

    @property
    def client(self) -> Client:
        if self._client is None:
            raise RuntimeError("the gateway is not started")
        return self._client

    @property
    def link(self) -> StoreLink:
        if self._link is None:
            raise RuntimeError("the gateway is not started")
        return self._link

    @property
    def supervisor(self) -> Supervisor:
        if self._supervisor is None:
            raise RuntimeError("the gateway is not started")
        return self._supervisor

    @property
    def queries(self) -> Queries:
        if self._queries is None:
            raise RuntimeError("the gateway is not started")
        return self._queries

    @property
    def hub(self) -> FeedHub:
        if self._hub is None:
            raise RuntimeError("the gateway is not started")
        return self._hub

    def watchers(self) -> dict[str, ClusterWatcher]:
        """The clusters this replica watches now (it holds their leases)."""
        return dict(self._supervisor.watchers) if self._supervisor is not None else {}

    @property
    def gatekeeper(self) -> Gatekeeper:
        if self._gatekeeper is None:
            raise RuntimeError("the gateway is not started")
        return self._gatekeeper

    def link_if_started(self) -> StoreLink | None:
        return self._link

    def gauges(self) -> metrics.Gauges:
        """The readings /metrics reports, taken from the watchers, the link and the hub now."""
        watchers = self.watchers()
        clusters: list[metrics.ClusterGauges] = []
        for source in self.settings.sources:
            watcher = watchers.get(source.name)
            if watcher is None:
                clusters.append(metrics.ClusterGauges(source.name, watched=False))
                continue
            clusters.append(
                metrics.ClusterGauges(
                    source.name,
                    watched=True,
                    reachable=watcher.state.reachable,
                    synced=watcher.state.synced,
                    last_contact=watcher.contact.last_success,
                    objects=watcher.state.objects,
                )
            )
        link, hub = self._link, self._hub
        return metrics.Gauges(
            clusters,
            redis=metrics.RedisGauges(link.healthy, link.generation) if link else None,
            subscriptions=(
                metrics.SubscriptionGauges(hub.subscriber_count, hub.delivered) if hub else None
            ),
        )

    async def start(self) -> None:
        if not self.redis_url:
            self.embedded = EmbeddedRedis(self.settings.state_dir / "redis")
            await self.embedded.start()
            self.redis_url = self.embedded.url
        self._client = connect(self.redis_url)
        self._link = StoreLink(
            self._client, self.keys, self.settings.feed_length, writer=self.settings.replica
        )
        leases = Leases(self._client, self.keys, self.settings.replica, self.settings.lease_seconds)
        self._supervisor = Supervisor(
            self.settings.sources,
            self._link,
            leases,
            grace_seconds=self.settings.grace_seconds,
            opted=self.settings.opted,
        )
        reader = StoreReader(self._client, self.keys)
        self._queries = Queries(reader, self.settings.max_page)
        self._gatekeeper = build_gatekeeper(
            self.settings.auth, self.settings.sources, reader, self._client, self.keys
        )
        self._hub = FeedHub(self._client, self.keys)
        self._tasks = [
            asyncio.create_task(self._supervisor.run(), name="supervisor"),
            asyncio.create_task(self._hub.run(), name="feed-hub"),
            asyncio.create_task(self._first_contact(), name="redis-first-contact"),
        ]
        if self.embedded is not None:
            self.keeper = RedisKeeper(self.embedded, self._link)
            self._tasks.append(asyncio.create_task(self.keeper.run(), name="redis-keeper"))

    async def _first_contact(self) -> None:
        """Say once, at start, where Redis is or why it cannot be reached (a Sentinel
        deployment that does not know the master's name, no sentinel answering): the
        gateway keeps starting and retrying, so without this the cause shows only in
        /readyz and in the watchers' retries."""
        where = masked(self.redis_url)
        try:
            async with asyncio.timeout(FIRST_CONTACT_SECONDS):
                await self.client.ping()
        except OUTAGE_ERRORS as error:
            log.error(
                "redis cannot be reached; not ready until it can",
                extra={"redis": where, "cause": f"{type(error).__name__}: {error}"},
            )
            return
        log.info("redis reached", extra={"redis": where})

    @property
    def alive(self) -> bool:
        """False once the embedded Redis has stayed down past the keeper's patience."""
        return self.keeper is None or self.keeper.alive

    async def stop(self) -> None:
        """Stop within a bounded time: a task stuck in a read must not hold the shutdown."""
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            _, stuck = await asyncio.wait(self._tasks, timeout=STOP_SECONDS)
            for task in stuck:
                log.error(
                    "task did not stop when cancelled; leaving it behind",
                    extra={"task": task.get_name(), "stack": _where(task)},
                )
        await self.logs.close()
        if self._gatekeeper is not None:
            await self._gatekeeper.close()
        if self._link is not None:
            await self._link.close()
        if self._client is not None:
            await self._client.aclose()
        if self.embedded is not None:
            await self.embedded.stop()

    async def _lease_holders(self, names: list[str]) -> list[Any]:
        """One GET per lease in one round trip, not MGET: in Redis Cluster each lease
        lives in the slot of its cluster's tag, and MGET cannot span slots."""
        async with self.client.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.get(self.keys.lease(name))
            holders: list[Any] = await pipe.execute()
        return holders

    async def readiness(self) -> tuple[bool, dict[str, Any]]:
        """Ready when Redis takes a write and every configured cluster has finished its
        first sync.

        A cluster counts as synced when its record says so and names the replica that
        holds its lease now: a record left by a replica that died (or by an earlier
        run) proves nothing.
        """
        details: dict[str, Any] = {"redis": "ok", "clusters": {}}
        names = [source.name for source in self.settings.sources]
        try:
            async with asyncio.timeout(5):
                await self.client.set(
                    self.keys.write_probe(self.settings.replica), b"1", ex=PROBE_TTL_SECONDS
                )
                raw = await self.client.hgetall(self.keys.clusters)
                holders = await self._lease_holders(names)
        except OUTAGE_ERRORS as error:
            details["redis"] = f"unavailable: {type(error).__name__}: {error}"
            return False, details
        records = {_text(k): orjson.loads(v) for k, v in raw.items()}
        ready = self.link.healthy
        if not self.link.healthy:
            details["redis"] = "recovering: the cache is being rewritten"
        for name, holder in zip(names, holders, strict=True):
            record = records.get(name) or {}
            watcher = record.get("watcher")
            synced = bool(record.get("synced")) and holder is not None and _text(holder) == watcher
            details["clusters"][name] = {
                "synced": synced,
                "reachable": record.get("reachable"),
                "watcher": watcher if synced else None,
            }
            ready = ready and synced
        return ready, details


def _where(task: asyncio.Task[None]) -> str:
    frames = task.get_stack(limit=20)
    return " <- ".join(f"{f.f_code.co_name} ({f.f_code.co_filename}:{f.f_lineno})" for f in frames)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
